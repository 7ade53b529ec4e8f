//! The generator's own compact model of a week: agents with a work pattern, shifts as instants plus tiling bits,
//! requests and trades. It is turned into the wire format only when written (see `wire`).

use chrono::{DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::{paid, FIRST_NAMES, LAST_NAMES, SKILLS};
use crate::tile::{carve, tile, Act, Carve};
use crate::{GenOptions, Injected};

/// When an agent's shifts start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Band {
    /// 06:00-10:00 starts.
    Day,
    /// 12:00-15:00 starts.
    Evening,
    /// 21:00-23:00 starts, crossing midnight.
    Night,
}

/// Days per week and shift length (meal included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Contract {
    pub(crate) days: u32,
    pub(crate) len: i64,
    pub(crate) part_time: bool,
}

/// 5 × 8.5 h: exactly 40 paid hours, the commonest full-time week (and the inclusive boundary of the hours rule).
pub(crate) const FT_5X85: Contract = Contract { days: 5, len: 510, part_time: false };
pub(crate) const FT_5X8: Contract = Contract { days: 5, len: 480, part_time: false };
pub(crate) const FT_4X10: Contract = Contract { days: 4, len: 600, part_time: false };
pub(crate) const PT_4X8: Contract = Contract { days: 4, len: 480, part_time: true };

/// An agent's regular week.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) contract: Contract,
    pub(crate) band: Band,
    /// Local start, minutes after midnight.
    pub(crate) start: i64,
    /// Bit `d` set: works on day `d` of the schedule week (0 = weekDate).
    pub(crate) days: u8,
    /// The same for every history week (a rotated pattern makes day runs cross the week boundary).
    pub(crate) history_days: u8,
}

/// A shift: its instant, length, and the bits its activities are derived from.
#[derive(Clone, Debug)]
pub(crate) struct GShift {
    pub(crate) k: u32,
    pub(crate) history: bool,
    pub(crate) start: DateTime<Utc>,
    pub(crate) len: i64,
    pub(crate) variant: u32,
    /// Activities are tiled for this length (differs from `len` only when a manual edit left them behind).
    pub(crate) tiled_len: i64,
    pub(crate) carve: Option<Carve>,
    pub(crate) manual: bool,
}

impl GShift {
    pub(crate) fn end(&self) -> DateTime<Utc> {
        self.start + Duration::minutes(self.len)
    }

    pub(crate) fn acts(&self) -> Vec<Act> {
        let acts = tile(self.tiled_len, self.variant);
        match &self.carve {
            Some(c) => carve(acts, c),
            None => acts,
        }
    }

    pub(crate) fn paid_minutes(&self) -> i64 {
        self.acts().iter().filter(|a| paid(a.code)).map(|a| a.len).sum()
    }
}

/// A full-day time-off marker.
#[derive(Clone, Debug)]
pub(crate) struct GMarker {
    pub(crate) date: NaiveDate,
    pub(crate) len: i64,
    pub(crate) code: &'static str,
    pub(crate) tor: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct GAgent {
    pub(crate) num: usize,
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    pub(crate) mu: u32,
    pub(crate) tags: Vec<&'static str>,
    pub(crate) skills: Vec<&'static str>,
    pub(crate) version: i64,
    pub(crate) plan: Plan,
    pub(crate) shifts: Vec<GShift>,
    pub(crate) history: Vec<GShift>,
    pub(crate) markers: Vec<GMarker>,
    next_k: u32,
    next_hk: u32,
    /// Already used by a request, a trade or an injected problem: each agent tells at most one story.
    pub(crate) busy: bool,
}

impl GAgent {
    pub(crate) fn id(&self) -> String {
        agent_id(self.num)
    }

    pub(crate) fn shift_id(&self, s: &GShift) -> String {
        format!("{}-{:05}-{}", if s.history { "h" } else { "s" }, self.num, s.k)
    }

    /// A new shift with the next id of its kind.
    pub(crate) fn new_shift(&mut self, start: DateTime<Utc>, len: i64, variant: u32, history: bool) -> GShift {
        let counter = if history { &mut self.next_hk } else { &mut self.next_k };
        *counter += 1;
        GShift { k: *counter, history, start, len, variant, tiled_len: len, carve: None, manual: false }
    }
}

pub(crate) fn agent_id(num: usize) -> String {
    format!("a-{num:05}")
}

#[derive(Clone, Debug)]
pub(crate) struct GRequest {
    pub(crate) id: u32,
    pub(crate) agent: usize,
    pub(crate) status: &'static str,
    /// Full-day dates; empty for a partial-day request.
    pub(crate) dates: Vec<NaiveDate>,
    pub(crate) starts: Vec<DateTime<Utc>>,
    pub(crate) daily: i64,
    pub(crate) code: &'static str,
    pub(crate) submitted: DateTime<Utc>,
    pub(crate) reviewed: Option<DateTime<Utc>>,
    pub(crate) notes: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct GTrade {
    pub(crate) id: u32,
    pub(crate) state: &'static str,
    pub(crate) initiating: usize,
    pub(crate) initiating_shift: String,
    pub(crate) initiating_times: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub(crate) receiving: Option<usize>,
    pub(crate) receiving_shift: Option<String>,
    pub(crate) receiving_times: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub(crate) reviewed: Option<DateTime<Utc>>,
}

pub(crate) struct World {
    pub(crate) tz: Tz,
    pub(crate) zone_name: String,
    pub(crate) week: NaiveDate,
    pub(crate) weeks: u32,
    pub(crate) as_of: DateTime<Utc>,
    pub(crate) bu_id: String,
    pub(crate) bu_name: String,
    pub(crate) schedule_id: String,
    pub(crate) schedule_version: i64,
    pub(crate) agents: Vec<GAgent>,
    pub(crate) requests: Vec<GRequest>,
    pub(crate) trades: Vec<GTrade>,
    pub(crate) injected: Vec<Injected>,
    next_tor: u32,
    next_trade: u32,
}

/// Independent random streams per phase, so that changing one phase leaves the others' choices alone.
pub(crate) fn stream(seed: u64, phase: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(phase);
    rng
}

/// The instant of a local wall-clock time (`minute` may pass midnight). A time in a spring-forward gap moves past
/// the gap; an ambiguous fall-back time takes its first occurrence.
pub(crate) fn local_instant(tz: Tz, date: NaiveDate, minute: i64) -> DateTime<Utc> {
    // Saturating at the ends of the calendar: absurd dates give absurd instants, never a panic.
    let midnight = date.and_time(NaiveTime::MIN);
    let mut local = midnight.checked_add_signed(Duration::minutes(minute)).unwrap_or(midnight);
    for _ in 0..8 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => local = local.checked_add_signed(Duration::minutes(30)).unwrap_or(local),
        }
    }
    Utc.from_utc_datetime(&local)
}

fn pattern(rng: &mut ChaCha8Rng, days: u32) -> u8 {
    // Days off are consecutive and the same every week: at most 7 - off days in a row, even across weeks.
    let first_off = rng.random_range(0..7u32);
    let mut bits = 0x7f_u8;
    for i in 0..(7 - days) {
        bits &= !(1 << ((first_off + i) % 7));
    }
    bits
}

impl World {
    /// Agents and their regular weeks (schedule week and history), nothing else yet.
    pub(crate) fn new(opts: &GenOptions) -> World {
        let tz: Tz = opts.time_zone.parse().unwrap_or(Tz::UTC);
        // Instant arithmetic near the ends of chrono's calendar would overflow; no schedule lives there.
        let week = opts.week_date.clamp(
            NaiveDate::from_ymd_opt(1900, 1, 7).unwrap_or_default(),
            NaiveDate::from_ymd_opt(9000, 12, 1).unwrap_or_default(),
        );
        let mut rng = stream(opts.seed, 1);
        let mu_count = (opts.agents / 60).clamp(1, 8) as u32;
        let mut world = World {
            tz,
            zone_name: opts.time_zone.clone(),
            week,
            weeks: opts.weeks,
            as_of: local_instant(tz, week.checked_sub_days(Days::new(7)).unwrap_or(week), 18 * 60),
            bu_id: "bu-1".into(),
            bu_name: "Customer Care".into(),
            schedule_id: format!("sch-{}-{:02}", week.iso_week().year(), week.iso_week().week()),
            schedule_version: rng.random_range(3..60),
            agents: Vec::with_capacity(opts.agents),
            requests: Vec::new(),
            trades: Vec::new(),
            injected: Vec::new(),
            next_tor: 0,
            next_trade: 0,
        };
        for num in 1..=opts.agents {
            let contract = match rng.random_range(0..100) {
                0..50 => FT_5X85,
                50..65 => FT_5X8,
                65..82 => FT_4X10,
                _ => PT_4X8,
            };
            let (band, start) = match rng.random_range(0..100) {
                0..60 => (Band::Day, 6 * 60 + 15 * rng.random_range(0..=16)),
                60..88 => (Band::Evening, 12 * 60 + 15 * rng.random_range(0..=12)),
                _ => (Band::Night, 21 * 60 + 15 * rng.random_range(0..=8)),
            };
            let days = pattern(&mut rng, contract.days);
            let mut tags = Vec::new();
            if rng.random_bool(0.45) {
                tags.push("chicago-fww");
            }
            if contract.part_time {
                tags.push("part-time");
            }
            if rng.random_bool(0.03) {
                tags.push("cba");
            }
            let mut skills: Vec<&'static str> = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let s = SKILLS[rng.random_range(0..SKILLS.len())];
                if !skills.contains(&s) {
                    skills.push(s);
                }
            }
            let mut agent = GAgent {
                num,
                first: FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())],
                last: LAST_NAMES[rng.random_range(0..LAST_NAMES.len())],
                mu: rng.random_range(1..=mu_count),
                tags,
                skills,
                version: rng.random_range(1..40),
                plan: Plan { contract, band, start, days, history_days: days },
                shifts: Vec::new(),
                history: Vec::new(),
                markers: Vec::new(),
                next_k: 0,
                next_hk: 0,
                busy: false,
            };
            world.materialize(&mut agent, Some(&mut rng));
            world.agents.push(agent);
        }
        world
    }

    /// (Re)builds an agent's shifts from its plan. With an rng, starts vary by up to half an hour day to day.
    pub(crate) fn materialize(&self, agent: &mut GAgent, mut rng: Option<&mut ChaCha8Rng>) {
        agent.shifts.clear();
        agent.history.clear();
        agent.next_k = 0;
        agent.next_hk = 0;
        let plan = agent.plan;
        let mut one = |agent: &mut GAgent, date: NaiveDate, history: bool| {
            let (jitter, variant) = match rng.as_deref_mut() {
                Some(r) => ([-30, -15, 0, 0, 0, 0, 15, 30][r.random_range(0..8)], r.random::<u32>()),
                None => (0, (date.num_days_from_ce() as u32).wrapping_mul(2_654_435_761) ^ agent.num as u32),
            };
            let start = local_instant(self.tz, date, plan.start + jitter);
            let s = agent.new_shift(start, plan.contract.len, variant, history);
            if history {
                agent.history.push(s);
            } else {
                agent.shifts.push(s);
            }
        };
        for d in 0..7 {
            if plan.days & (1 << d) != 0 {
                one(agent, self.day(d), false);
            }
        }
        for w in (1..=i64::from(self.weeks)).rev() {
            for d in 0..7 {
                if plan.history_days & (1 << d) != 0 {
                    one(agent, self.day(d - 7 * w), true);
                }
            }
        }
    }

    /// Local date `d` days after weekDate.
    pub(crate) fn day(&self, d: i64) -> NaiveDate {
        self.week.checked_add_signed(Duration::days(d)).unwrap_or(self.week)
    }

    /// The instant of local `minute` on day `d` of the schedule week.
    pub(crate) fn at(&self, d: i64, minute: i64) -> DateTime<Utc> {
        local_instant(self.tz, self.day(d), minute)
    }

    pub(crate) fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// `[local midnight of weekDate, seven local days later)`.
    pub(crate) fn period(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.at(0, 0), self.at(7, 0))
    }

    pub(crate) fn new_tor(&mut self) -> u32 {
        self.next_tor += 1;
        self.next_tor
    }

    pub(crate) fn new_trade(&mut self) -> u32 {
        self.next_trade += 1;
        self.next_trade
    }

    /// A random free agent satisfying `pred`, found by scanning from a random position (bounded by the roster).
    pub(crate) fn pick(&self, rng: &mut ChaCha8Rng, pred: impl Fn(&GAgent) -> bool) -> Option<usize> {
        let n = self.agents.len();
        if n == 0 {
            return None;
        }
        let from = rng.random_range(0..n);
        (0..n).map(|i| (from + i) % n).find(|&i| !self.agents[i].busy && pred(&self.agents[i]))
    }

    pub(crate) fn label(&mut self, rule: &'static str, agent: usize, what: String) {
        let agent = self.agents[agent].id();
        self.injected.push(Injected { rule, agent, what });
    }
}
