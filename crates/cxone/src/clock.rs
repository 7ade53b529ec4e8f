//! The date and time notations of the exports, read exactly as the record documents them.
//!
//! The Agent Schedule Detail export writes dates in the `dateFormat` the exporter was given: one of eight
//! orders of day, month and year (`mmddyyyy` when none was given), or ISO dates in its JSON form when none was
//! given; and times in 12- or 24-hour notation (`timeFormat`, 24-hour when none was given)
//! (help.incontact.com/.../API/Export/Agent_Schedule__Detail_.htm and .../Export/AgentScheduleDetailExport.htm,
//! saved in /work/record/). Nothing here infers a notation from the values: the mapping file states it.

use chrono::{NaiveDate, NaiveTime};

/// A date notation of the export (`dateFormat`), or ISO (`yyyy-mm-dd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFormat {
    /// `mmddyy`
    Mmddyy,
    /// `ddmmyy`
    Ddmmyy,
    /// `mmddyyyy`: the export's default for pipe-delimited files.
    Mmddyyyy,
    /// `ddmmyyyy`
    Ddmmyyyy,
    /// `yyyymmdd`
    Yyyymmdd,
    /// `yyyyddmm`
    Yyyyddmm,
    /// `yyddmm`
    Yyddmm,
    /// `yymmdd`
    Yymmdd,
    /// `yyyy-mm-dd`: what the JSON form writes when no `dateFormat` is given.
    Iso,
}

#[derive(Clone, Copy)]
enum Part {
    Day,
    Month,
    Year2,
    Year4,
}

impl DateFormat {
    /// Every notation, by the name the exporter's `dateFormat` (and the mapping file) uses.
    pub const ALL: [(&'static str, DateFormat); 9] = [
        ("mmddyy", DateFormat::Mmddyy),
        ("ddmmyy", DateFormat::Ddmmyy),
        ("mmddyyyy", DateFormat::Mmddyyyy),
        ("ddmmyyyy", DateFormat::Ddmmyyyy),
        ("yyyymmdd", DateFormat::Yyyymmdd),
        ("yyyyddmm", DateFormat::Yyyyddmm),
        ("yyddmm", DateFormat::Yyddmm),
        ("yymmdd", DateFormat::Yymmdd),
        ("iso", DateFormat::Iso),
    ];

    /// Parses a name, case-insensitively (the exporter's parameter is not case sensitive).
    pub fn parse(name: &str) -> Option<DateFormat> {
        DateFormat::ALL.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|&(_, f)| f)
    }

    /// The name.
    pub fn name(self) -> &'static str {
        DateFormat::ALL.iter().find(|(_, f)| *f == self).map_or("iso", |(n, _)| n)
    }

    fn parts(self) -> [Part; 3] {
        use Part::*;
        match self {
            DateFormat::Mmddyy => [Month, Day, Year2],
            DateFormat::Ddmmyy => [Day, Month, Year2],
            DateFormat::Mmddyyyy => [Month, Day, Year4],
            DateFormat::Ddmmyyyy => [Day, Month, Year4],
            DateFormat::Yyyymmdd | DateFormat::Iso => [Year4, Month, Day],
            DateFormat::Yyyyddmm => [Year4, Day, Month],
            DateFormat::Yyddmm => [Year2, Day, Month],
            DateFormat::Yymmdd => [Year2, Month, Day],
        }
    }

    /// Reads a date: the digits packed (`11012026`) or separated by one of `/`, `-`, `.` (`11/01/2026`), in this
    /// notation's order. Two-digit years are 2000-2099. ISO dates may carry a midnight time (`T00:00:00`, `Z`),
    /// as JSON serialisers of dates sometimes add.
    pub fn read(self, text: &str) -> Option<NaiveDate> {
        let text = if self == DateFormat::Iso { strip_midnight(text)? } else { text };
        let parts = self.parts();
        let widths = parts.map(|p| if matches!(p, Part::Year4) { 4 } else { 2 });
        let fields: Vec<&str> = match text.find(['/', '-', '.']) {
            Some(at) => {
                let sep = text[at..].chars().next()?;
                text.split(sep).collect()
            }
            None if text.len() == widths.iter().sum::<usize>() && text.is_ascii() => {
                let (a, rest) = text.split_at(widths[0]);
                let (b, c) = rest.split_at(widths[1]);
                vec![a, b, c]
            }
            None => return None,
        };
        if fields.len() != 3 || fields.iter().zip(widths).any(|(f, w)| f.len() != w) {
            return None;
        }
        let (mut day, mut month, mut year) = (0, 0, 0);
        for (field, part) in fields.iter().zip(parts) {
            if !field.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: i32 = field.parse().ok()?;
            match part {
                Part::Day => day = n,
                Part::Month => month = n,
                Part::Year2 => year = 2000 + n,
                Part::Year4 => year = n,
            }
        }
        NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
    }
}

fn strip_midnight(text: &str) -> Option<&str> {
    match text.split_once('T') {
        None => Some(text),
        Some((date, time)) => {
            let time = time.strip_suffix('Z').unwrap_or(time);
            matches!(time, "00:00" | "00:00:00" | "00:00:00.000").then_some(date)
        }
    }
}

/// A time notation of the export (`timeFormat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// `8:00 AM`, `12:30 PM` (a suffix AM/PM, also lower case, with or without a space).
    Hours12,
    /// `08:00`, `16:30`; `24:00` for the end of the day.
    Hours24,
}

/// A time of day as an export writes it; `24:00` (or `12:00 AM` as an end) is the end of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockTime {
    /// A time of day.
    At(NaiveTime),
    /// `24:00`: midnight at the end of the day.
    EndOfDay,
}

impl TimeFormat {
    /// Parses `12` or `24`.
    pub fn parse(name: &str) -> Option<TimeFormat> {
        match name.trim() {
            "12" => Some(TimeFormat::Hours12),
            "24" => Some(TimeFormat::Hours24),
            _ => None,
        }
    }

    /// `12` or `24`.
    pub fn name(self) -> &'static str {
        match self {
            TimeFormat::Hours12 => "12",
            TimeFormat::Hours24 => "24",
        }
    }

    /// Reads a time: `H:MM` or `HH:MM`, optionally `:00` seconds (schedules are whole minutes), with an AM/PM
    /// suffix in 12-hour notation and none in 24-hour notation.
    pub fn read(self, text: &str) -> Option<ClockTime> {
        let text = text.trim();
        let (clock, pm) = match self {
            TimeFormat::Hours24 => (text, None),
            TimeFormat::Hours12 => {
                let upper = text.to_ascii_uppercase();
                let (clock, pm) = if let Some(c) = upper.strip_suffix("AM") {
                    (c, false)
                } else if let Some(c) = upper.strip_suffix("PM") {
                    (c, true)
                } else {
                    return None;
                };
                (&text[..clock.trim_end().len()], Some(pm))
            }
        };
        let mut fields = clock.split(':');
        let (h, m, s) = (fields.next()?, fields.next()?, fields.next());
        if fields.next().is_some() || !(1..=2).contains(&h.len()) || m.len() != 2 || s.is_some_and(|s| s != "00") {
            return None;
        }
        if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        if m > 59 {
            return None;
        }
        let hour = match pm {
            None if h == 24 && m == 0 => return Some(ClockTime::EndOfDay),
            None if h <= 23 => h,
            Some(pm) if (1..=12).contains(&h) => (h % 12) + if pm { 12 } else { 0 },
            _ => return None,
        };
        NaiveTime::from_hms_opt(hour, m, 0).map(ClockTime::At)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn every_documented_date_order_reads_packed_and_separated() {
        let cases = [
            ("mmddyy", "110726", "11/07/26"),
            ("ddmmyy", "071126", "07-11-26"),
            ("mmddyyyy", "11072026", "11/07/2026"),
            ("ddmmyyyy", "07112026", "07.11.2026"),
            ("yyyymmdd", "20261107", "2026/11/07"),
            ("yyyyddmm", "20260711", "2026-07-11"),
            ("yyddmm", "260711", "26/07/11"),
            ("yymmdd", "261107", "26-11-07"),
            ("iso", "20261107", "2026-11-07"),
        ];
        for (name, packed, separated) in cases {
            let f = DateFormat::parse(name).unwrap();
            assert_eq!(f.name(), name);
            assert_eq!(f.read(packed), d(2026, 11, 7), "{name} {packed}");
            assert_eq!(f.read(separated), d(2026, 11, 7), "{name} {separated}");
        }
        assert_eq!(DateFormat::parse("MMDDYYYY"), Some(DateFormat::Mmddyyyy));
    }

    #[test]
    fn dates_that_do_not_fit_their_notation_are_refused() {
        let f = DateFormat::Mmddyyyy;
        for bad in ["1107202", "11/7/2026", "13/01/2026", "02/30/2026", "11/07-2026", "11/07/2026/1", "", "ab/cd/efgh"]
        {
            assert_eq!(f.read(bad), None, "{bad}");
        }
        assert_eq!(DateFormat::Iso.read("2026-11-07T00:00:00Z"), d(2026, 11, 7));
        assert_eq!(DateFormat::Iso.read("2026-11-07T08:00:00"), None);
    }

    #[test]
    fn times_read_in_their_notation_only() {
        let t = |h, m| Some(ClockTime::At(NaiveTime::from_hms_opt(h, m, 0).unwrap()));
        let h24 = TimeFormat::Hours24;
        assert_eq!(h24.read("08:00"), t(8, 0));
        assert_eq!(h24.read("8:05"), t(8, 5));
        assert_eq!(h24.read("23:59:00"), t(23, 59));
        assert_eq!(h24.read("24:00"), Some(ClockTime::EndOfDay));
        for bad in ["24:01", "08:00 AM", "8", "08:60", "08:00:30", "0800", "-1:00"] {
            assert_eq!(h24.read(bad), None, "{bad}");
        }
        let h12 = TimeFormat::Hours12;
        assert_eq!(h12.read("12:00 AM"), t(0, 0));
        assert_eq!(h12.read("12:30 PM"), t(12, 30));
        assert_eq!(h12.read("1:05pm"), t(13, 5));
        assert_eq!(h12.read("11:59 PM"), t(23, 59));
        for bad in ["13:00 PM", "0:30 AM", "08:00", "8:00 XM"] {
            assert_eq!(h12.read(bad), None, "{bad}");
        }
    }
}
