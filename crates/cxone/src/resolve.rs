//! Local times to instants, DST included, for the activities of one schedule.
//!
//! A local time in the hour the clocks skip does not exist: an input error. A local time in the hour they
//! repeat (fall back) has two readings; the export's order decides between them: activities are listed one
//! after the other, so each starts no earlier than the one before ends, and ends after it starts. A reading that
//! would break that order is impossible; if both readings of a time keep it, the export does not say which was
//! meant and the time is reported as ambiguous, never picked. Exports that list activities overlapping each
//! other (a broken schedule the checker reports) are held to the weaker order: starts do not go back, and each
//! activity ends after it starts.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use shiftgate_model::{LocalReading, Zone};

use crate::problem::{Place, Sink};
use crate::rows::{Reading, Row};

/// The possible instants of one time, at most two.
type Options = Vec<DateTime<Utc>>;

/// An activity's `[start, end)` in UTC.
pub(crate) type Span = (DateTime<Utc>, DateTime<Utc>);

/// The UTC interval of each row, in order, or `None` (with problems) when a time does not exist, is ambiguous,
/// or an activity does not end after it starts.
pub(crate) fn resolve(rows: &[&Row], zone: Zone, sink: &mut Sink) -> Option<Vec<Span>> {
    let before = sink.count();
    let starts: Vec<Options> = rows.iter().map(|r| options(r.start, None, zone, &r.place, "start", sink)).collect();
    let ends: Vec<Options> = rows
        .iter()
        .zip(&starts)
        .map(|(r, s)| options(r.end, Some((r.start, s.iter().min().copied())), zone, &r.place, "end", sink))
        .collect();
    if sink.count() != before {
        return None;
    }
    // The chain start₁ < end₁ ≤ start₂ < end₂ ≤ ...: activities one after the other.
    let mut points = Vec::with_capacity(rows.len() * 2);
    for (s, e) in starts.iter().zip(&ends) {
        points.push(s.clone());
        points.push(e.clone());
    }
    let strict = |k: usize| k % 2 == 1; // the edge into an end is strict; into a start, not
    let chosen = if points.iter().all(|p| p.len() == 1) {
        // Nothing to decide: the order is the checker's business, not a reason to refuse.
        points
    } else if let Some(f) = feasible(&points, strict) {
        f
    } else if let Some(w) = weak(&starts, &ends) {
        // Overlapping activities: starts do not go back, and each ends after its start.
        w
    } else {
        for (row, (s, e)) in rows.iter().zip(starts.iter().zip(&ends)) {
            for (options, reading, what) in [(s, row.start, "start"), (e, row.end, "end")] {
                if options.len() > 1 {
                    let message = format!(
                        "{what} {} happens twice in {}, and the activities around it are not in time order, so the export's order cannot tell which is meant",
                        local_text(reading),
                        zone.name()
                    );
                    sink.push(row.place.clone(), message);
                }
            }
        }
        return None;
    };
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let (s, e) = (&chosen[2 * i], &chosen[2 * i + 1]);
        let start = one(s, &starts[i], row, row.start, "start", zone, sink);
        let end = one(e, &ends[i], row, row.end, "end", zone, sink);
        if let (Some(start), Some(end)) = (start, end) {
            if end <= start {
                let message = format!(
                    "the activity ends ({}) no later than it starts ({})",
                    zone.format_instant(end),
                    zone.format_instant(start)
                );
                sink.push(row.place.clone(), message);
            }
            out.push((start, end));
        }
    }
    (sink.count() == before).then_some(out)
}

/// The one feasible reading, or a problem saying why there is none or more than one.
fn one(
    feasible: &Options,
    all: &Options,
    row: &Row,
    reading: Reading,
    what: &str,
    zone: Zone,
    sink: &mut Sink,
) -> Option<DateTime<Utc>> {
    match feasible.as_slice() {
        [t] => Some(*t),
        [] if all.len() == 1 => Some(all[0]),
        [] => {
            let message = format!(
                "{what} {} cannot be placed: neither of its readings keeps the activities in the export's order",
                local_text(reading)
            );
            sink.push(row.place.clone(), message);
            None
        }
        [a, b, ..] => {
            let message = format!(
                "{what} {} happens twice in {} ({} and {}), and the export's order does not tell which is meant",
                local_text(reading),
                zone.name(),
                zone.abbreviation(*a),
                zone.abbreviation(*b)
            );
            sink.push(row.place.clone(), message);
            None
        }
    }
}

fn local_text(reading: Reading) -> String {
    match reading {
        Reading::Exact(t) => t.to_rfc3339(),
        Reading::Local(l) => l.format("%H:%M on %a %Y-%m-%d").to_string(),
        Reading::EndOn(d, t) => format!("{} on {}", t.format("%H:%M"), d.format("%a %Y-%m-%d")),
    }
}

/// The instants a reading may stand for. An `EndOn` reading is on its date when its wall-clock time is later
/// than the start's on that date, or when one of that date's readings comes after the earliest reading of the
/// start (the clocks went back in between); otherwise on the next date.
fn options(
    reading: Reading,
    start: Option<(Reading, Option<DateTime<Utc>>)>,
    zone: Zone,
    place: &Place,
    what: &str,
    sink: &mut Sink,
) -> Options {
    let local = match reading {
        Reading::Exact(t) => return vec![t],
        Reading::Local(l) => l,
        Reading::EndOn(date, time) => {
            let (start_reading, earliest) = start.unwrap_or((reading, None));
            let wall_after = matches!(start_reading, Reading::Local(l) if l.date() == date && time > l.time());
            let same = readings(zone, date.and_time(time));
            let follows = earliest.is_some_and(|s| same.iter().any(|&t| t > s));
            let same_wall = matches!(start_reading, Reading::Local(l) if l.date() == date && time == l.time());
            // Without a usable start there is nothing to compare with: keep the date as written.
            if wall_after || follows || earliest.is_none() {
                date.and_time(time)
            } else if same_wall {
                let message = format!(
                    "{what} {} is the start's time: the row does not say whether the activity lasts no time or a whole day",
                    time.format("%H:%M")
                );
                sink.push(place.clone(), message);
                return Vec::new();
            } else {
                next(date).and_time(time)
            }
        }
    };
    match zone.read_local(local) {
        LocalReading::One(t) => vec![t],
        LocalReading::Two(a, b) => vec![a, b],
        LocalReading::Skipped => {
            let message = format!(
                "{what} {} does not exist in {}: the clocks skip that hour for daylight-saving time",
                local.format("%H:%M on %a %Y-%m-%d"),
                zone.name()
            );
            sink.push(place.clone(), message);
            Vec::new()
        }
    }
}

fn readings(zone: Zone, local: NaiveDateTime) -> Options {
    match zone.read_local(local) {
        LocalReading::One(t) => vec![t],
        LocalReading::Two(a, b) => vec![a, b],
        LocalReading::Skipped => Vec::new(),
    }
}

fn next(date: NaiveDate) -> NaiveDate {
    date + Duration::days(1)
}

/// For a chain of points where point `k` must come after point `k - 1` (strictly when `strict(k)`), the readings
/// of each point that some complete assignment uses; `None` if no assignment exists.
///
/// The earliest feasible value of each prefix (`low`) and the latest of each suffix (`high`) decide it: a value
/// fits iff it can follow `low[k-1]` and precede `high[k+1]`.
fn feasible(points: &[Options], strict: impl Fn(usize) -> bool) -> Option<Vec<Options>> {
    let after = |k: usize, v: DateTime<Utc>, prev: DateTime<Utc>| if strict(k) { v > prev } else { v >= prev };
    let n = points.len();
    let mut low = Vec::with_capacity(n);
    for k in 0..n {
        let v = points[k].iter().copied().filter(|&v| k == 0 || after(k, v, low[k - 1])).min()?;
        low.push(v);
    }
    let mut high = vec![low[n.saturating_sub(1)]; n];
    for k in (0..n).rev() {
        high[k] = points[k].iter().copied().filter(|&v| k + 1 == n || after(k + 1, high[k + 1], v)).max()?;
    }
    Some(
        (0..n)
            .map(|k| {
                points[k]
                    .iter()
                    .copied()
                    .filter(|&v| (k == 0 || after(k, v, low[k - 1])) && (k + 1 == n || after(k + 1, high[k + 1], v)))
                    .collect()
            })
            .collect(),
    )
}

/// The weaker order for exports whose activities overlap: starts never go back, each end follows its start.
/// Gives the chosen readings interleaved as `[start₁, end₁, start₂, ...]`.
fn weak(starts: &[Options], ends: &[Options]) -> Option<Vec<Options>> {
    let starts = feasible(starts, |_| false)?;
    let mut out = Vec::with_capacity(starts.len() * 2);
    for (s, e) in starts.into_iter().zip(ends) {
        let earliest = s.iter().min().copied();
        out.push(s);
        out.push(e.iter().copied().filter(|&v| earliest.is_some_and(|s| v > s)).collect());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Place;
    use crate::rows::Piece;
    use chrono::NaiveTime;

    fn chicago() -> Zone {
        Zone::from_name("America/Chicago").unwrap()
    }

    fn row(date: &str, start: &str, end: &str) -> Row {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let t = |s| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        Row {
            place: Place::line("f.txt", 1),
            file: 0,
            agent: "a".into(),
            unit: "u".into(),
            code: "OPEN".into(),
            day: d,
            start: Reading::Local(d.and_time(t(start))),
            end: Reading::EndOn(d, t(end)),
            piece: Piece::Scheduled(d),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn run(rows: &[Row]) -> Result<Vec<Span>, Vec<String>> {
        let mut sink = Sink::default();
        let refs: Vec<&Row> = rows.iter().collect();
        let out = resolve(&refs, chicago(), &mut sink);
        match out {
            Some(v) if sink.is_empty() => Ok(v),
            _ => Err(sink.finish(()).unwrap_err().listed.iter().map(|p| p.message.clone()).collect()),
        }
    }

    #[test]
    fn the_export_order_places_times_in_the_repeated_hour() {
        // Sun Nov 1 2026: 01:50 CDT, a 15-minute break to 01:05 CST, work on.
        let rows = [
            row("2026-11-01", "00:00", "01:50"),
            row("2026-11-01", "01:50", "01:05"),
            row("2026-11-01", "01:05", "04:00"),
        ];
        assert_eq!(
            run(&rows).unwrap(),
            [
                (utc("2026-11-01T05:00:00Z"), utc("2026-11-01T06:50:00Z")),
                (utc("2026-11-01T06:50:00Z"), utc("2026-11-01T07:05:00Z")),
                (utc("2026-11-01T07:05:00Z"), utc("2026-11-01T10:00:00Z")),
            ]
        );
    }

    #[test]
    fn an_activity_written_01_30_to_01_30_on_the_fall_back_night_lasts_the_repeated_hour() {
        // Activities have length: the second row can only be 01:30 CDT to 01:30 CST, which places the rest.
        let rows = [
            row("2026-11-01", "00:30", "01:30"),
            row("2026-11-01", "01:30", "01:30"),
            row("2026-11-01", "01:30", "03:00"),
        ];
        assert_eq!(
            run(&rows).unwrap(),
            [
                (utc("2026-11-01T05:30:00Z"), utc("2026-11-01T06:30:00Z")),
                (utc("2026-11-01T06:30:00Z"), utc("2026-11-01T07:30:00Z")),
                (utc("2026-11-01T07:30:00Z"), utc("2026-11-01T09:00:00Z")),
            ]
        );
    }

    #[test]
    fn a_time_both_readings_of_which_fit_is_reported_not_picked() {
        let rows = [row("2026-11-01", "00:30", "01:30"), row("2026-11-01", "01:30", "03:00")];
        let problems = run(&rows).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("01:30 on Sun 2026-11-01 happens twice in America/Chicago (CDT and CST)"));
    }

    #[test]
    fn an_end_at_the_start_time_is_refused_outside_the_repeated_hour() {
        assert_eq!(
            run(&[row("2026-11-02", "08:00", "08:00")]).unwrap_err(),
            ["end 08:00 is the start's time: the row does not say whether the activity lasts no time or a whole day"]
        );
    }

    #[test]
    fn a_time_in_the_skipped_hour_is_an_error() {
        let problems = run(&[row("2026-03-08", "02:30", "06:00")]).unwrap_err();
        assert_eq!(
            problems,
            ["start 02:30 on Sun 2026-03-08 does not exist in America/Chicago: the clocks skip that hour for daylight-saving time"]
        );
    }

    #[test]
    fn an_end_before_its_start_is_on_the_next_day_and_elapsed_time_counts() {
        // 22:00 to 06:00 over the fall-back night lasts nine hours.
        let out = run(&[row("2026-10-31", "22:00", "06:00")]).unwrap();
        assert_eq!(out, [(utc("2026-11-01T03:00:00Z"), utc("2026-11-01T12:00:00Z"))]);
        let spring = run(&[row("2026-03-07", "22:00", "06:00")]).unwrap();
        assert_eq!(spring[0].1 - spring[0].0, Duration::hours(7));
    }

    #[test]
    fn overlapping_activities_are_kept_for_the_checker() {
        let rows = [row("2026-11-02", "08:00", "12:00"), row("2026-11-02", "11:30", "12:30")];
        let out = run(&rows).unwrap();
        assert_eq!(out[1], (utc("2026-11-02T17:30:00Z"), utc("2026-11-02T18:30:00Z")));
    }

    proptest::proptest! {
        /// Against brute force: every assignment of readings that keeps the chain is enumerated; a time is
        /// resolved exactly when all such assignments agree on it.
        #[test]
        fn feasible_readings_match_brute_force(choices in proptest::collection::vec((0i64..6, proptest::bool::ANY), 1..7)) {
            let base = utc("2026-11-01T06:00:00Z");
            let points: Vec<Options> = choices
                .iter()
                .map(|&(m, two)| {
                    let a = base + Duration::minutes(m * 20);
                    if two { vec![a, a + Duration::minutes(60)] } else { vec![a] }
                })
                .collect();
            let strict = |k: usize| k % 2 == 1;
            let mut seen: Vec<Vec<DateTime<Utc>>> = vec![Vec::new(); points.len()];
            let total: usize = points.iter().map(Vec::len).product();
            let mut any = false;
            for mut code in 0..total {
                let pick: Vec<DateTime<Utc>> = points.iter().map(|p| { let v = p[code % p.len()]; code /= p.len(); v }).collect();
                let ok = (1..pick.len()).all(|k| if strict(k) { pick[k] > pick[k - 1] } else { pick[k] >= pick[k - 1] });
                if ok {
                    any = true;
                    for (k, v) in pick.iter().enumerate() {
                        if !seen[k].contains(v) { seen[k].push(*v); }
                    }
                }
            }
            let got = feasible(&points, strict);
            proptest::prop_assert_eq!(got.is_some(), any);
            if let Some(got) = got {
                for (k, mut g) in got.into_iter().enumerate() {
                    g.sort();
                    seen[k].sort();
                    proptest::prop_assert_eq!(&g, &seen[k]);
                }
            }
        }
    }
}
