//! The drawn days: local days of the business unit from the time module, at their real length (23, 24 or 25
//! hours), with the wall clock's 06:00, 12:00 and 18:00, the minute the clocks change, and the zone's offsets over
//! the range (so that the page can show local times without a time-zone database of its own).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use shiftgate_model::Zone;

use super::data::HISTORY_DAYS;

/// One local day of the business unit.
#[derive(Serialize)]
pub(super) struct Day {
    pub(super) date: String,
    label: String,
    pub(super) start: i64,
    pub(super) minutes: i64,
    /// `before` (history), `week` or `after` (a shift running past the week's end).
    part: &'static str,
    /// Minutes of local 06:00, 12:00 and 18:00.
    ticks: Vec<i64>,
    /// The offset change inside the day: `[minute, words]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    dst: Option<(i64, String)>,
}

pub(super) fn day(zone: Zone, date: NaiveDate, index: i64, week_days: i64, at: &impl Fn(DateTime<Utc>) -> i64) -> Day {
    let iv = zone.day(date);
    let part = match index - HISTORY_DAYS {
        i if i < 0 => "before",
        i if i < week_days => "week",
        _ => "after",
    };
    let ticks = [6, 12, 18].iter().map(|h| at(wall_clock_hour(zone, iv.start, *h))).collect();
    let dst = zone.offset_changes_within(&iv).then(|| {
        let t = transition(zone, iv.start, iv.end);
        (at(t), transition_words(zone, t, iv.minutes()))
    });
    Day {
        date: date.to_string(),
        label: date.format("%a %b %-d").to_string(),
        start: at(iv.start),
        minutes: iv.minutes(),
        part,
        ticks,
        dst,
    }
}

/// The instant a local day shows `hour`:00 on the wall clock: elapsed hours from midnight, corrected by the change
/// of offset since midnight (on DST days the wall clock jumps).
fn wall_clock_hour(zone: Zone, midnight: DateTime<Utc>, hour: i64) -> DateTime<Utc> {
    let naive = midnight + Duration::hours(hour);
    naive + Duration::minutes(zone.offset_minutes(midnight) - zone.offset_minutes(naive))
}

/// The first minute with the new offset in `[start, end)`, where the offset changes once.
fn transition(zone: Zone, start: DateTime<Utc>, end: DateTime<Utc>) -> DateTime<Utc> {
    let before = zone.offset_minutes(start);
    let (mut lo, mut hi) = (0i64, (end - start).num_minutes());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if zone.offset_minutes(start + Duration::minutes(mid)) == before {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    start + Duration::minutes(hi)
}

/// `02:00 CDT → 01:00 CST: clocks go back 1 h (a 25-hour day)`.
fn transition_words(zone: Zone, t: DateTime<Utc>, day_minutes: i64) -> String {
    let shift = zone.offset_minutes(t) - zone.offset_minutes(t - Duration::minutes(1));
    let (from_clock, from_zone) = clock_and_zone(&zone.format_instant(t - Duration::minutes(1)));
    let (to_clock, to_zone) = clock_and_zone(&zone.format_instant(t));
    let from_clock = next_minute(&from_clock);
    let direction = if shift < 0 { "back" } else { "forward" };
    let amount = if shift % 60 == 0 { format!("{} h", shift.abs() / 60) } else { format!("{} min", shift.abs()) };
    let hours = day_minutes as f64 / 60.0;
    format!("{from_clock} {from_zone} → {to_clock} {to_zone}: clocks go {direction} {amount} (a {hours}-hour day)")
}

/// `Sun Nov 1 01:59 CDT` → (`01:59`, `CDT`).
fn clock_and_zone(formatted: &str) -> (String, String) {
    let mut parts = formatted.rsplitn(3, ' ');
    let zone = parts.next().unwrap_or_default().to_string();
    let clock = parts.next().unwrap_or_default().to_string();
    (clock, zone)
}

/// `01:59` → `02:00`.
fn next_minute(clock: &str) -> String {
    let (h, m) = clock.split_once(':').unwrap_or(("0", "0"));
    let total = h.parse::<u32>().unwrap_or(0) * 60 + m.parse::<u32>().unwrap_or(0) + 1;
    format!("{:02}:{:02}", total / 60, total % 60)
}

/// The zone's offsets over the range, each from the minute it starts.
pub(super) fn offsets(
    zone: Zone,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    at: &impl Fn(DateTime<Utc>) -> i64,
) -> Vec<(i64, i64, String)> {
    let abbreviation = |t: DateTime<Utc>| clock_and_zone(&zone.format_instant(t)).1;
    let mut out = vec![(at(start), zone.offset_minutes(start), abbreviation(start))];
    let mut day_start = start;
    while day_start < end {
        let day_end = day_start + Duration::hours(24);
        let iv = shiftgate_model::Interval::new(day_start, day_end.min(end));
        if zone.offset_changes_within(&iv) {
            let t = transition(zone, iv.start, iv.end);
            out.push((at(t), zone.offset_minutes(t), abbreviation(t)));
        }
        day_start = day_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chicago() -> Zone {
        Zone::from_name("America/Chicago").unwrap()
    }

    #[test]
    fn dst_days_have_their_real_length_and_say_what_the_clocks_do() {
        let z = chicago();
        let at = |t: DateTime<Utc>| t.timestamp() / 60;
        let fall = day(z, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), 7, 7, &at);
        assert_eq!(fall.minutes, 25 * 60);
        let (minute, words) = fall.dst.unwrap();
        assert_eq!(words, "02:00 CDT → 01:00 CST: clocks go back 1 h (a 25-hour day)");
        // 02:00 CDT is 07:00 UTC.
        assert_eq!(minute * 60, "2026-11-01T07:00:00Z".parse::<DateTime<Utc>>().unwrap().timestamp());
        let spring = day(z, NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(), 7, 7, &at);
        assert_eq!(spring.minutes, 23 * 60);
        assert_eq!(spring.dst.unwrap().1, "02:00 CST → 03:00 CDT: clocks go forward 1 h (a 23-hour day)");
        let plain = day(z, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), 8, 7, &at);
        assert!(plain.dst.is_none() && plain.minutes == 24 * 60);
    }

    #[test]
    fn hour_ticks_follow_the_wall_clock_on_dst_days() {
        let z = chicago();
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let fall = z.day_start(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(wall_clock_hour(z, fall, 6), utc("2026-11-01T12:00:00Z")); // 06:00 CST
        let spring = z.day_start(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
        assert_eq!(wall_clock_hour(z, spring, 6), utc("2026-03-08T11:00:00Z")); // 06:00 CDT
    }
}
