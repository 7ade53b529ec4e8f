//! Activities that tile a shift: on-queue blocks around paid breaks and an unpaid meal near the middle.
//!
//! Tiling is a pure function of the shift length and a few random bits stored on the shift, so the generator keeps
//! only those bits per shift and expands activities while writing (a 50,000-agent week has millions of them).

use crate::catalog::{BREAK, MEAL, MEETING, OFF_QUEUE, ON_QUEUE, TRAINING};

/// One activity, as minutes from the start of its shift.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Act {
    pub(crate) offset: i64,
    pub(crate) len: i64,
    pub(crate) code: &'static str,
    /// The time-off request the activity reflects (TimeOff activities only).
    pub(crate) tor: Option<u32>,
}

impl Act {
    fn end(&self) -> i64 {
        self.offset + self.len
    }
}

/// A TimeOff activity replacing part of a shift (an approved partial-day request as the platform shows it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Carve {
    pub(crate) offset: i64,
    pub(crate) len: i64,
    pub(crate) code: &'static str,
    pub(crate) tor: Option<u32>,
}

fn round15(m: i64) -> i64 {
    (m / 15) * 15
}

/// Breaks and meals at even spacing (jittered by a quarter hour), on-queue work in between; now and then a meeting,
/// a training block or off-queue work at the start of one stretch.
pub(crate) fn tile(len: i64, variant: u32) -> Vec<Act> {
    let events = match len {
        ..=300 => 1,
        301..=720 => 3,
        _ => 5,
    };
    let mut acts = Vec::with_capacity(events * 2 + 2);
    let mut cursor = 0;
    let special_gap = ((variant >> 16) & 7 == 0).then_some((variant >> 12) as usize % (events + 1));
    let mut gap_ix = 0;
    let fill = |acts: &mut Vec<Act>, from: i64, to: i64, gap_ix: usize| {
        let mut from = from;
        if special_gap == Some(gap_ix) && to - from >= 90 {
            let code = [MEETING, TRAINING, OFF_QUEUE, MEETING][(variant >> 19) as usize & 3];
            let len = if to - from >= 150 { 60 } else { 30 };
            acts.push(Act { offset: from, len, code, tor: None });
            from += len;
        }
        if to > from {
            acts.push(Act { offset: from, len: to - from, code: ON_QUEUE, tor: None });
        }
    };
    for i in 1..=events as i64 {
        let (code, elen) = if i % 2 == 0 { (MEAL, 30) } else { (BREAK, 15) };
        let jitter = [-15, 0, 0, 15][(variant >> (2 * i)) as usize & 3];
        let at = round15(len * i / (events as i64 + 1)) + jitter;
        // Skip what does not fit (very short shifts): never an event at the edge or over another.
        if at < cursor + 15 || at + elen > len - 15 {
            continue;
        }
        fill(&mut acts, cursor, at, gap_ix);
        gap_ix += 1;
        acts.push(Act { offset: at, len: elen, code, tor: None });
        cursor = at + elen;
    }
    fill(&mut acts, cursor, len, gap_ix);
    acts
}

/// Replaces whatever lies in `[carve.offset, carve.offset + carve.len)` by one activity of the carve's code.
pub(crate) fn carve(acts: Vec<Act>, c: &Carve) -> Vec<Act> {
    let (from, to) = (c.offset, c.offset + c.len);
    let mut out = Vec::with_capacity(acts.len() + 2);
    for a in acts {
        if a.end() <= from || a.offset >= to {
            out.push(a);
            continue;
        }
        if a.offset < from {
            out.push(Act { len: from - a.offset, ..a.clone() });
        }
        if a.end() > to {
            out.push(Act { offset: to, len: a.end() - to, ..a });
        }
    }
    out.push(Act { offset: from, len: c.len, code: c.code, tor: c.tor });
    out.sort_by_key(|a| a.offset);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::VACATION;

    fn assert_tiles(acts: &[Act], len: i64) {
        let mut cursor = 0;
        for a in acts {
            assert_eq!(a.offset, cursor, "{acts:?}");
            assert!(a.len > 0);
            cursor = a.end();
        }
        assert_eq!(cursor, len, "{acts:?}");
    }

    #[test]
    fn a_shift_is_tiled_without_gaps_with_two_breaks_and_a_middle_meal() {
        for len in [240, 360, 480, 510, 600, 1020] {
            for variant in [0, 1, 0x5555_5555, u32::MAX, 0xdead_beef] {
                let acts = tile(len, variant);
                assert_tiles(&acts, len);
                let meals: Vec<_> = acts.iter().filter(|a| a.code == MEAL).collect();
                if (301..=720).contains(&len) {
                    assert_eq!(meals.len(), 1);
                    assert_eq!(acts.iter().filter(|a| a.code == BREAK).count(), 2);
                    let mid = meals[0].offset + 15 - len / 2;
                    assert!(mid.abs() <= 30, "meal not near the middle: {acts:?}");
                }
            }
        }
        assert_tiles(&tile(20, 7), 20);
    }

    #[test]
    fn carving_replaces_exactly_the_carved_minutes() {
        let acts = carve(tile(510, 3), &Carve { offset: 270, len: 240, code: VACATION, tor: Some(9) });
        assert_tiles(&acts, 510);
        let last = acts.last().unwrap();
        assert_eq!((last.offset, last.code, last.tor), (270, VACATION, Some(9)));
        let inner = carve(tile(480, 0), &Carve { offset: 60, len: 30, code: VACATION, tor: None });
        assert_tiles(&inner, 480);
        assert_eq!(inner.iter().filter(|a| a.code == VACATION).count(), 1);
    }
}
