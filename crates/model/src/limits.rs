//! The input limits of `shiftgate.snapshot/1`, in one place: validation enforces them, the JSON schema states them
//! (a test keeps the two equal), and the CLI caps what it reads at [`MAX_DOCUMENT_BYTES`].
//!
//! Every limit sits far above any real schedule and exists to keep the work of one run bounded: the checker
//! compares shifts, activities and requests of one agent with each other, so the per-agent lists are what must not
//! grow without end. An input beyond a limit is an input error (exit 2) naming the JSON path, reported with the
//! other problems.

/// Largest snapshot read, in bytes. A generated 10,000-agent week is about 60 MB; 256 MiB holds four such weeks,
/// or a 6-week schedule of a large business unit. Checking takes about three times the document's size in memory,
/// so the cap keeps a run under a gigabyte or so.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

/// Longest id, in bytes (UTF-8). Platform ids are UUIDs (36 bytes); 256 leaves room for any in-house scheme.
pub const MAX_ID_BYTES: usize = 256;

/// Most activities in one shift. A real shift has fewer than twenty (work, breaks, a meal, meetings); 500 is a
/// 16-hour shift cut into 2-minute pieces.
pub const MAX_ACTIVITIES_PER_SHIFT: usize = 500;

/// Most shifts in one `agentSchedules` or `history` entry. A 6-week schedule of split shifts has about 130; 17 weeks
/// of history (the EU reference period) about 240.
pub const MAX_SHIFTS_PER_AGENT: usize = 1_000;

/// Most time-off requests of one agent. Agents file a few dozen a year.
pub const MAX_TIME_OFF_REQUESTS_PER_AGENT: usize = 500;

/// Most dates (full-day) or starts (partial-day) in one time-off request: a year of days.
pub const MAX_DAYS_PER_REQUEST: usize = 366;

/// Most shift trades in one snapshot. A 10,000-agent business unit trades a few hundred shifts a week.
pub const MAX_TRADES: usize = 50_000;

/// Most shift trades one agent takes part in (as initiating or receiving user). Each can hand the agent one more
/// shift, so this also bounds an agent's shifts after trades. Agents trade a few shifts a month.
pub const MAX_TRADES_PER_AGENT: usize = 500;

/// Longest shift or activity, in minutes: one week. Anything longer is a data error, and the bound keeps instant
/// arithmetic far from overflow.
pub const MAX_LENGTH_MINUTES: i64 = 7 * 24 * 60;

/// Longest local day, in minutes (25 h, the fall-back day): the most a full-day marker or a request's daily
/// duration can cover.
pub const MAX_DAY_MINUTES: i64 = 25 * 60;

/// Most weeks in one schedule (Genesys schedules span 1 to 6 weeks).
pub const MAX_WEEK_COUNT: i64 = 6;
