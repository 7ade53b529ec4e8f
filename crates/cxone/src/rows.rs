//! What both export families are read into: one row per scheduled activity, in the export's order, with its
//! times as the export wrote them (exact instants, or local readings still to be placed in the unit's zone).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::problem::Place;

/// A time as an export wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reading {
    /// An instant with an offset: nothing to decide.
    Exact(DateTime<Utc>),
    /// A local date and time in the unit's zone.
    Local(NaiveDateTime),
    /// An end time that carries no date of its own (the detail export gives one date per row, the activity's):
    /// on that date when such a reading can follow the start, otherwise on the next date (the activity crosses
    /// midnight).
    EndOn(NaiveDate, NaiveTime),
}

/// Which schedule a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Piece {
    /// Agent Schedule Detail: the schedule date (`schedDate`); all rows of an agent with this date are one
    /// schedule, whichever file and midnight cut they came from.
    Scheduled(NaiveDate),
    /// Export Agent Schedules API: shift `shift` of response `response` (numbered across all inputs).
    Shift { response: usize, shift: usize },
}

/// One scheduled activity.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    /// Where it was read.
    pub(crate) place: Place,
    /// Index of the input file it came from, in the order given.
    pub(crate) file: usize,
    pub(crate) agent: String,
    pub(crate) unit: String,
    pub(crate) code: String,
    /// The local date the activity is listed under (`excdate`, or the date of an API start), which repeated
    /// days are recognised by.
    pub(crate) day: NaiveDate,
    pub(crate) start: Reading,
    pub(crate) end: Reading,
    pub(crate) piece: Piece,
}
