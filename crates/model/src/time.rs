//! The one place where local time exists.
//!
//! Everything else in shiftgate works on UTC instants and half-open [`Interval`]s. This module maps instants to
//! local dates of the business unit's zone, finds local midnights (days are 23 h or 25 h on DST days), detects
//! offset changes, renders local times for messages, and parses RFC 3339 instants quickly (parsing them is a large
//! share of reading a snapshot).

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// A half-open span of time `[start, end)` between two UTC instants.
///
/// Back-to-back intervals do not overlap; an interval is never empty once validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// First instant inside the interval.
    pub start: DateTime<Utc>,
    /// First instant after the interval.
    pub end: DateTime<Utc>,
}

impl Interval {
    /// `[start, end)`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    /// `[start, start + minutes)`.
    pub fn from_length(start: DateTime<Utc>, minutes: i64) -> Self {
        Self { start, end: start + Duration::minutes(minutes) }
    }

    /// Elapsed whole minutes (elapsed time, never wall-clock difference).
    pub fn minutes(&self) -> i64 {
        // What `(end - start).num_minutes()` gives (whole minutes, toward zero), from epoch seconds: this runs for
        // every activity of every agent, and building a normalised `TimeDelta` first costs twice as much.
        let secs = self.end.timestamp() - self.start.timestamp();
        let nanos = i64::from(self.end.timestamp_subsec_nanos()) - i64::from(self.start.timestamp_subsec_nanos());
        let whole_secs = match (secs.signum(), nanos.signum()) {
            (1, -1) => secs - 1,
            (-1, 1) => secs + 1,
            _ => secs,
        };
        whole_secs / 60
    }

    /// Whether the two half-open intervals share at least one instant.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The shared part, if any.
    pub fn intersection(&self, other: &Interval) -> Option<Interval> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(Interval { start, end })
    }

    /// Whether `other` lies entirely inside `self`.
    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// The business unit's time zone, with the helpers rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    /// Looks up an IANA zone name such as `America/Chicago`.
    pub fn from_name(name: &str) -> Option<Zone> {
        name.parse::<Tz>().ok().map(Zone)
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The chrono-tz zone.
    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The local calendar date an instant falls on.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// Minutes after local midnight (wall clock) of an instant, 0..1440.
    pub fn local_minute_of_day(&self, at: DateTime<Utc>) -> i64 {
        let t = at.with_timezone(&self.0).time();
        i64::from(t.hour()) * 60 + i64::from(t.minute())
    }

    /// The instant a local date begins. If local midnight does not exist (a zone that springs forward at
    /// midnight), the day begins at the first local time that does.
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        let mut local = date.and_time(NaiveTime::MIN);
        for _ in 0..=24 {
            match self.0.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(15),
            }
        }
        // No zone has a gap longer than six hours; fall back to UTC midnight rather than panic.
        Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
    }

    /// The whole local day `[midnight, next midnight)`: 23 h or 25 h long on DST days.
    pub fn day(&self, date: NaiveDate) -> Interval {
        Interval::new(self.day_start(date), self.day_start(date + Duration::days(1)))
    }

    /// Local days `[first, first + days)`.
    pub fn days(&self, first: NaiveDate, days: i64) -> Interval {
        Interval::new(self.day_start(first), self.day_start(first + Duration::days(days)))
    }

    /// UTC offset in minutes at an instant (e.g. -360 for CST).
    pub fn offset_minutes(&self, at: DateTime<Utc>) -> i64 {
        i64::from(self.0.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc()) / 60
    }

    /// Whether the zone's offset changes inside the interval (the interval spans a DST transition).
    pub fn offset_changes_within(&self, iv: &Interval) -> bool {
        let last = iv.end - Duration::seconds(1);
        last > iv.start && self.offset_minutes(iv.start) != self.offset_minutes(last)
    }

    /// What a local wall-clock reading means in this zone: one instant, two in the hour a DST change repeats
    /// (earlier first), or none in the hour it skips. Importers of local-time exports use this, and decide the
    /// ambiguous and nonexistent readings themselves; nothing here picks one.
    pub fn read_local(&self, local: NaiveDateTime) -> LocalReading {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => LocalReading::One(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
                LocalReading::Two(a.min(b), a.max(b))
            }
            LocalResult::None => LocalReading::Skipped,
        }
    }

    /// The zone's abbreviation at an instant (`CST`, `CDT`).
    pub fn abbreviation(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).format("%Z").to_string()
    }

    /// `Tue Dec 1 08:00 CST`.
    pub fn format_instant(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).format("%a %b %-d %H:%M %Z").to_string()
    }

    /// `2026-12-01T08:00:00-06:00`.
    pub fn format_rfc3339(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).to_rfc3339()
    }

    /// An interval as a supervisor reads it: `Tue Dec 1 08:00-16:30 CST`, `Mon Nov 30 22:00 - Tue Dec 1 06:00 CST`,
    /// or `Sun Nov 1 00:30 CDT - 06:00 CST` when the offset changes inside it.
    pub fn format_interval(&self, iv: &Interval) -> String {
        let s = iv.start.with_timezone(&self.0);
        let e = iv.end.with_timezone(&self.0);
        let (sa, ea) = (s.format("%Z").to_string(), e.format("%Z").to_string());
        let same_day = s.date_naive() == e.date_naive()
            || (e.time() == NaiveTime::MIN && e.date_naive() == s.date_naive() + Duration::days(1));
        let start = s.format("%a %b %-d %H:%M");
        let end_time =
            if e.time() == NaiveTime::MIN && same_day { "24:00".to_string() } else { e.format("%H:%M").to_string() };
        match (same_day, sa == ea) {
            (true, true) => format!("{start}-{end_time} {sa}"),
            (true, false) => format!("{start} {sa} - {end_time} {ea}"),
            (false, true) => format!("{start} - {} {ea}", e.format("%a %b %-d %H:%M")),
            (false, false) => format!("{start} {sa} - {} {ea}", e.format("%a %b %-d %H:%M")),
        }
    }
}

/// What a local wall-clock reading means in a zone ([`Zone::read_local`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalReading {
    /// The usual case: exactly one instant.
    One(DateTime<Utc>),
    /// The hour the clocks repeat when DST ends: the earlier instant (still on summer time) and the later one.
    Two(DateTime<Utc>, DateTime<Utc>),
    /// The hour the clocks skip when DST begins: no such local time.
    Skipped,
}

/// Parses an RFC 3339 instant (`Z` or a numeric offset) to UTC.
///
/// The common fixed shape `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` is decoded by hand; anything else goes through
/// chrono's full parser, so the fast path never accepts what chrono would reject.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    fast_instant(s.as_bytes()).or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)))
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn fast_instant(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, se) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(mo).ok()?, u32::try_from(d).ok()?)?;
    let mut rest = &b[19..];
    let mut nanos = 0i64;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(&rest[1..=n])? * 10i64.pow(9 - n as u32);
        rest = &rest[1 + n..];
    }
    let offset_secs = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), oh @ .., b':', m1, m2] if oh.len() == 2 => {
            let (oh, om) = (digits(oh)?, digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 3600 + om * 60;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(h as u32, mi as u32, se as u32, u32::try_from(nanos).ok()?)?;
    let wall = date.and_time(time);
    // Most instants are in UTC already; only an offset needs date arithmetic.
    let utc = if offset_secs == 0 { wall } else { wall.checked_sub_signed(Duration::seconds(offset_secs))? };
    Some(Utc.from_utc_datetime(&utc))
}

/// Parses a `yyyy-MM-dd` local date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().filter(|_| s.len() == 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn fast_parser_agrees_with_chrono() {
        for s in [
            "2026-11-30T14:00:00Z",
            "2026-11-30T14:00:00.250Z",
            "2026-11-22T18:00:00-06:00",
            "2026-03-08T01:59:59+05:30",
            "1999-12-31T23:59:59.123456789Z",
            "2028-02-29T00:00:00Z",
        ] {
            assert_eq!(fast_instant(s.as_bytes()), Some(utc(s)), "{s}");
        }
        for bad in ["2026-02-30T00:00:00Z", "2026-11-30T24:00:00Z", "2026-11-30T14:00:00", "nope"] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn minutes_are_chronos_whole_minutes(a in -4_000_000_000i64..4_000_000_000, an in 0u32..1_000_000_000,
                                             b in -4_000_000_000i64..4_000_000_000, bn in 0u32..1_000_000_000,
                                             near in proptest::bool::ANY) {
            // Half the time the two are a whole number of minutes apart, give or take a second, where truncation
            // toward zero matters.
            let b = if near { a + (b % 5) * 60 + b % 3 } else { b };
            let (x, y) = (DateTime::from_timestamp(a, an).unwrap(), DateTime::from_timestamp(b, bn).unwrap());
            proptest::prop_assert_eq!(Interval { start: x, end: y }.minutes(), (y - x).num_minutes());
        }
    }

    #[test]
    fn dst_days_are_23_and_25_hours_in_chicago() {
        let z = Zone::from_name("America/Chicago").unwrap();
        let d = |s| parse_date(s).unwrap();
        assert_eq!(z.day(d("2026-03-08")).minutes(), 23 * 60);
        assert_eq!(z.day(d("2026-11-01")).minutes(), 25 * 60);
        assert_eq!(z.day(d("2026-11-02")).minutes(), 24 * 60);
    }

    #[test]
    fn overnight_shift_durations_are_elapsed_time() {
        let z = Zone::from_name("America/Chicago").unwrap();
        // 22:00 local to 06:00 local on the fall-back night is nine hours.
        let fall = Interval::new(utc("2026-10-31T22:00:00-05:00"), utc("2026-11-01T06:00:00-06:00"));
        assert_eq!(fall.minutes(), 9 * 60);
        assert!(z.offset_changes_within(&fall));
        let spring = Interval::new(utc("2026-03-07T22:00:00-06:00"), utc("2026-03-08T06:00:00-05:00"));
        assert_eq!(spring.minutes(), 7 * 60);
        assert_eq!(z.format_interval(&spring), "Sat Mar 7 22:00 CST - Sun Mar 8 06:00 CDT");
    }

    #[test]
    fn local_readings_in_chicago_are_one_two_or_none() {
        let z = Zone::from_name("America/Chicago").unwrap();
        let local = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(z.read_local(local("2026-11-02 08:00")), LocalReading::One(utc("2026-11-02T14:00:00Z")));
        // Fall back: 01:30 happens on CDT, then again an hour later on CST.
        assert_eq!(
            z.read_local(local("2026-11-01 01:30")),
            LocalReading::Two(utc("2026-11-01T06:30:00Z"), utc("2026-11-01T07:30:00Z"))
        );
        assert_eq!(z.read_local(local("2026-11-01 00:59")), LocalReading::One(utc("2026-11-01T05:59:00Z")));
        assert_eq!(z.read_local(local("2026-11-01 02:00")), LocalReading::One(utc("2026-11-01T08:00:00Z")));
        // Spring forward: 02:00-02:59 does not exist.
        assert_eq!(z.read_local(local("2026-03-08 02:30")), LocalReading::Skipped);
        assert_eq!(z.read_local(local("2026-03-08 01:59")), LocalReading::One(utc("2026-03-08T07:59:00Z")));
        assert_eq!(z.read_local(local("2026-03-08 03:00")), LocalReading::One(utc("2026-03-08T08:00:00Z")));
        assert_eq!(z.abbreviation(utc("2026-11-01T06:30:00Z")), "CDT");
        assert_eq!(z.abbreviation(utc("2026-11-01T07:30:00Z")), "CST");
    }

    #[test]
    fn intervals_are_half_open() {
        let a = Interval::from_length(utc("2026-12-01T14:00:00Z"), 60);
        let b = Interval::from_length(utc("2026-12-01T15:00:00Z"), 60);
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&Interval::from_length(utc("2026-12-01T14:59:00Z"), 1)));
    }

    #[test]
    fn formats_local_intervals_with_zone_abbreviation() {
        let z = Zone::from_name("America/Chicago").unwrap();
        let iv = Interval::new(utc("2026-12-01T14:00:00Z"), utc("2026-12-01T22:30:00Z"));
        assert_eq!(z.format_interval(&iv), "Tue Dec 1 08:00-16:30 CST");
        let night = Interval::new(utc("2026-12-01T04:00:00Z"), utc("2026-12-01T12:00:00Z"));
        assert_eq!(z.format_interval(&night), "Mon Nov 30 22:00 - Tue Dec 1 06:00 CST");
    }
}
