//! The validated snapshot: what the checker and the publisher work on.
//!
//! Shifts of all agents live in one flat table ([`Snapshot::shifts`]) indexed by [`ShiftIx`], with their drafted
//! owner; trade application ([`crate::apply_trades`]) only changes who holds which index.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc, Weekday};

use crate::id::{ActivityCodeId, AgentId, AgentIx, CodeIx, IdMap, ShiftId, ShiftIx, TimeOffRequestId, TradeId};
use crate::time::{Interval, Zone};

/// A validated `shiftgate.snapshot/1` document.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The instant the gate evaluates at, if the snapshot names one.
    pub as_of: Option<DateTime<Utc>>,
    /// The business unit and its zone.
    pub business_unit: BusinessUnit,
    /// The schedule being gated.
    pub schedule: ScheduleInfo,
    /// Activity codes of the business unit.
    pub activity_codes: Vec<ActivityCode>,
    /// Agents, in input order; [`AgentIx`] indexes this.
    pub agents: Vec<Agent>,
    /// Draft shifts of every agent, in input order; [`ShiftIx`] indexes this.
    pub shifts: Vec<Shift>,
    /// Full-day time-off markers of the draft.
    pub markers: Vec<FullDayMarker>,
    /// Already-published shifts before the schedule week, for look-back rules.
    pub history: Vec<Shift>,
    /// Time-off requests of any status.
    pub time_off: Vec<TimeOffRequest>,
    /// Shift trades of any state, in input order.
    pub trades: Vec<ShiftTrade>,
    /// Where the snapshot came from, when an importer says so (and what that source cannot supply).
    pub source: Option<Source>,
    pub(crate) agent_index: IdMap<AgentId, AgentIx>,
    pub(crate) shift_index: IdMap<ShiftId, ShiftIx>,
}

impl Snapshot {
    /// The agent with this id.
    pub fn agent_ix(&self, id: &str) -> Option<AgentIx> {
        self.agent_index.get(id).copied()
    }

    /// The draft shift with this id.
    pub fn shift_ix(&self, id: &str) -> Option<ShiftIx> {
        self.shift_index.get(id).copied()
    }

    /// The agent at an index.
    pub fn agent(&self, ix: AgentIx) -> &Agent {
        &self.agents[ix.get()]
    }

    /// The shift at an index.
    pub fn shift(&self, ix: ShiftIx) -> &Shift {
        &self.shifts[ix.get()]
    }

    /// The activity code at an index; `None` for [`CodeIx::NONE`].
    pub fn activity_code(&self, ix: CodeIx) -> Option<&ActivityCode> {
        self.activity_codes.get(ix.get())
    }

    /// The business unit's zone.
    pub fn zone(&self) -> Zone {
        self.business_unit.zone
    }

    /// The schedule period `[local midnight of weekDate, + 7 × weekCount days)`.
    pub fn period(&self) -> Interval {
        self.zone().days(self.schedule.week_date, 7 * i64::from(self.schedule.week_count))
    }

    /// The time-off request with this id.
    pub fn time_off_request(&self, id: &str) -> Option<&TimeOffRequest> {
        self.time_off.iter().find(|r| r.id.as_str() == id)
    }
}

/// The business unit.
#[derive(Clone, Debug)]
pub struct BusinessUnit {
    /// Business unit id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The zone every local date and message is in.
    pub zone: Zone,
    /// First day of the business unit's week.
    pub start_day_of_week: Weekday,
}

/// Schedule metadata.
#[derive(Clone, Debug)]
pub struct ScheduleInfo {
    /// Schedule id.
    pub id: String,
    /// First local day of the schedule.
    pub week_date: NaiveDate,
    /// Number of weeks.
    pub week_count: u32,
    /// Whether the platform already shows it as published.
    pub published: bool,
    /// The schedule's `metadata.version`.
    pub version: Option<i64>,
}

/// Category of an activity code (Genesys `BusinessUnitActivityCode.category`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Category {
    OnQueueWork,
    Break,
    Meal,
    Meeting,
    OffQueueWork,
    TimeOff,
    Training,
    Unavailable,
}

impl Category {
    /// Every category, in wire order.
    pub const ALL: [Category; 8] = [
        Category::OnQueueWork,
        Category::Break,
        Category::Meal,
        Category::Meeting,
        Category::OffQueueWork,
        Category::TimeOff,
        Category::Training,
        Category::Unavailable,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::OnQueueWork => "OnQueueWork",
            Category::Break => "Break",
            Category::Meal => "Meal",
            Category::Meeting => "Meeting",
            Category::OffQueueWork => "OffQueueWork",
            Category::TimeOff => "TimeOff",
            Category::Training => "Training",
            Category::Unavailable => "Unavailable",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// An activity code.
#[derive(Clone, Debug)]
pub struct ActivityCode {
    /// Code id (`"0"` for the default On Queue code in Genesys).
    pub id: ActivityCodeId,
    /// Display name (may be empty for default codes).
    pub name: String,
    /// Category.
    pub category: Category,
    /// Whether time in this code is paid unless the activity says otherwise.
    pub counts_as_paid_time: bool,
    /// Whether time in this code is work time.
    pub counts_as_work_time: bool,
}

/// An agent.
#[derive(Clone, Debug)]
pub struct Agent {
    /// Agent id.
    pub id: AgentId,
    /// Display name (never written to the audit log).
    pub name: String,
    /// Management unit id.
    pub management_unit_id: Option<String>,
    /// Tags such as `chicago-fww`, `part-time`, `cba`.
    pub tags: Vec<String>,
    /// Skills.
    pub skills: Vec<String>,
    /// Per-agent rule parameters.
    pub params: BTreeMap<String, serde_json::Value>,
    /// The agent schedule's `metadata.version`, when the snapshot has an agent schedule for this agent.
    pub schedule_version: Option<i64>,
}

/// A shift, with its activities.
#[derive(Clone, Debug)]
pub struct Shift {
    /// Shift id.
    pub id: ShiftId,
    /// The agent the draft (or history) gives it to, before trades.
    pub owner: AgentIx,
    /// `[startDate, startDate + lengthMinutes)`.
    pub interval: Interval,
    /// Activities as given (possibly empty: then the whole shift is work).
    pub activities: Vec<Activity>,
    /// Where the shift is in the input: `(agentSchedules index, shifts index)`.
    pub origin: (u32, u32),
}

/// An activity inside a shift, with its code's properties resolved.
#[derive(Clone, Debug)]
pub struct Activity {
    /// `[startDate, startDate + lengthMinutes)`.
    pub interval: Interval,
    /// The activity code, an index into [`Snapshot::activity_codes`].
    pub code: CodeIx,
    /// The code's category.
    pub category: Category,
    /// Paid: the activity's `paid` if present, else the code's `countsAsPaidTime`.
    pub paid: bool,
    /// Whether the activity was explicitly marked `paid` (`Some`) or inherits its code's setting (`None`).
    pub paid_override: Option<bool>,
    /// The code's `countsAsWorkTime`.
    pub work: bool,
    /// The time-off request this activity reflects, if any.
    pub time_off_request: Option<TimeOffRequestId>,
}

/// A full-day time-off marker on a local date.
#[derive(Clone, Debug)]
pub struct FullDayMarker {
    /// The agent.
    pub agent: AgentIx,
    /// The local date of the business unit.
    pub date: NaiveDate,
    /// The whole local day (23 h or 25 h on DST days).
    pub interval: Interval,
    /// Time-off minutes the marker stands for.
    pub length_minutes: i64,
    /// The activity code.
    pub code: ActivityCodeId,
    /// Whether the marker's minutes are paid.
    pub paid: bool,
    /// The request the marker reflects, if any.
    pub time_off_request: Option<TimeOffRequestId>,
}

/// Status of a time-off request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum TimeOffStatus {
    Pending,
    Approved,
    Denied,
    Canceled,
}

impl TimeOffStatus {
    /// The wire name (`PENDING`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TimeOffStatus::Pending => "PENDING",
            TimeOffStatus::Approved => "APPROVED",
            TimeOffStatus::Denied => "DENIED",
            TimeOffStatus::Canceled => "CANCELED",
        }
    }

    /// Whether a request in this status can conflict with work (PENDING or APPROVED).
    pub fn is_live(self) -> bool {
        matches!(self, TimeOffStatus::Pending | TimeOffStatus::Approved)
    }
}

/// A time-off request.
#[derive(Clone, Debug)]
pub struct TimeOffRequest {
    /// Request id.
    pub id: TimeOffRequestId,
    /// The requesting agent.
    pub agent: AgentIx,
    /// Status.
    pub status: TimeOffStatus,
    /// Full-day (local dates) or partial-day (start instants).
    pub full_day: bool,
    /// What the request covers: whole local days, or `[start, start + dailyDurationMinutes)` per start.
    pub intervals: Vec<Interval>,
    /// Minutes per day.
    pub daily_duration_minutes: i64,
    /// The activity code.
    pub code: ActivityCodeId,
    /// When the agent submitted it.
    pub submitted: Option<DateTime<Utc>>,
    /// When a supervisor reviewed it.
    pub reviewed: Option<DateTime<Utc>>,
}

/// State of a shift trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum TradeState {
    Unmatched,
    Matched,
    Approved,
    Denied,
    Expired,
    Canceled,
}

impl TradeState {
    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<TradeState> {
        Some(match s {
            "Unmatched" => TradeState::Unmatched,
            "Matched" => TradeState::Matched,
            "Approved" => TradeState::Approved,
            "Denied" => TradeState::Denied,
            "Expired" => TradeState::Expired,
            "Canceled" => TradeState::Canceled,
            _ => return None,
        })
    }
}

/// A shift trade. Shift and user ids are kept as written: whether they resolve is judged when the trade is applied.
#[derive(Clone, Debug)]
pub struct ShiftTrade {
    /// Trade id.
    pub id: TradeId,
    /// State; only `Approved` trades are applied.
    pub state: TradeState,
    /// The agent giving up the initiating shift.
    pub initiating_user: AgentId,
    /// The shift the initiating agent gives away.
    pub initiating_shift: ShiftId,
    /// The initiating shift's interval when the trade was made, if recorded.
    pub initiating_shift_times: Option<Interval>,
    /// The agent taking the initiating shift.
    pub receiving_user: Option<AgentId>,
    /// The shift given back in a swap; `None` for a one-way pick-up.
    pub receiving_shift: Option<ShiftId>,
    /// The receiving shift's interval when the trade was made, if recorded.
    pub receiving_shift_times: Option<Interval>,
    /// When the trade was approved.
    pub reviewed: Option<DateTime<Utc>>,
}

/// Where a snapshot came from: written by importers of platforms whose exports cannot supply everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The platform, e.g. `cxone`.
    pub kind: String,
    /// The lists the source cannot supply: their absence means "unknown", not "none".
    pub lacks: Vec<Lack>,
}

impl Source {
    /// Whether the source cannot supply this list.
    pub fn lacks(&self, lack: Lack) -> bool {
        self.lacks.contains(&lack)
    }
}

/// A list of the snapshot that its source cannot supply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lack {
    /// `timeOffRequests`: pending and approved requests are unknown.
    TimeOffRequests,
    /// `shiftTrades`: approved trades are unknown.
    ShiftTrades,
}

impl Lack {
    /// Every kind, in wire order.
    pub const ALL: [Lack; 2] = [Lack::TimeOffRequests, Lack::ShiftTrades];

    /// The wire name: the snapshot field it stands for.
    pub fn as_str(self) -> &'static str {
        match self {
            Lack::TimeOffRequests => "timeOffRequests",
            Lack::ShiftTrades => "shiftTrades",
        }
    }

    /// What it is, for people: `time-off requests`, `shift trades`.
    pub fn describe(self) -> &'static str {
        match self {
            Lack::TimeOffRequests => "time-off requests",
            Lack::ShiftTrades => "shift trades",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Lack> {
        Lack::ALL.into_iter().find(|l| l.as_str() == s)
    }
}
