//! Reading the top level of a snapshot by hand, so that agent schedules and history, nearly all of a large
//! document, are validated on the rayon pool while the reading thread is still scanning the rest.
//!
//! When `businessUnit`, `activityCodes` and `agents` come before a list (as in everything shiftgate and Genesys
//! write), the entries of that list are handed to the pool in batches as they are found, and the reading thread goes
//! on without waiting for them. Otherwise the list is kept as raw JSON text and validated after reading. Either way
//! each entry is read by [`super::stream::read_entry`], so the two routes give the same result.

use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

use rayon::Scope;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::context::Context;
use super::schedules::Entry;
use super::stream::read_entry;
use crate::format::WireSnapshot;

/// Entries handed to the pool at a time: about 400 KB of JSON in a generated roster.
const BATCH: usize = 64;

/// An agent-schedule list as reading leaves it.
pub(super) enum Listed<'a> {
    /// Read before the context was known: validated later.
    Raw(Vec<&'a RawValue>),
    /// Validated while reading.
    Validated(Vec<Entry>),
}

impl<'a> Listed<'a> {
    /// The entries still to validate.
    pub(super) fn raw(&self) -> &[&'a RawValue] {
        match self {
            Listed::Raw(list) => list,
            Listed::Validated(_) => &[],
        }
    }

    /// The entries validated while reading, or else `validated_now`: the validated [`Listed::raw`] entries.
    pub(super) fn or_validated(self, validated_now: Vec<Entry>) -> Vec<Entry> {
        match self {
            Listed::Raw(_) => validated_now,
            Listed::Validated(list) => list,
        }
    }
}

/// The document after reading: everything but the agent-schedule lists in wire form, the context if it was built
/// while reading, and the two lists.
pub(super) struct Document<'a> {
    pub(super) wire: WireSnapshot<'a, ()>,
    pub(super) context: Option<Context>,
    pub(super) schedules: Listed<'a>,
    pub(super) history: Listed<'a>,
}

/// Reads a document. Errors carry no JSON path; the caller parses again with the derived wire types to say where.
pub(super) fn read(text: &str) -> Result<Document<'_>, serde_json::Error> {
    let context = OnceLock::new();
    let batches = Batches::default();
    // One scope for the whole read: the reading thread never waits for a list's last batches.
    let wire = rayon::in_place_scope(|scope| {
        let mut de = serde_json::Deserializer::from_str(text);
        let visitor = DocumentVisitor { pool: Pool { scope, context: &context, batches: &batches } };
        let read = de::Deserializer::deserialize_map(&mut de, visitor)?;
        de.end()?;
        Ok::<_, serde_json::Error>(read)
    })?;
    let (wire, [schedules, history]) = wire;
    let mut done = batches.0.into_inner().unwrap_or_else(PoisonError::into_inner);
    done.sort_unstable_by_key(|&(list, first, _)| (list, first));
    let mut validated: [Vec<Entry>; 2] = Default::default();
    for (list, _, batch) in done {
        validated[list].extend(batch?);
    }
    let [v_schedules, v_history] = validated;
    fn listed(raw: Option<Vec<&RawValue>>, entries: Vec<Entry>) -> Listed<'_> {
        raw.map_or(Listed::Validated(entries), Listed::Raw)
    }
    Ok(Document {
        wire,
        context: context.into_inner(),
        schedules: listed(schedules, v_schedules),
        history: listed(history, v_history),
    })
}

/// A validated batch of entries, or the first that does not parse.
type Batch = Result<Vec<Entry>, serde_json::Error>;

/// Batches validated so far: (list, index of the batch's first entry, batch), in the order they finished.
#[derive(Default)]
struct Batches(Mutex<Vec<(usize, usize, Batch)>>);

/// Where lists go to be validated while reading: the scope their batches run in, the context once it is known,
/// and the finished batches.
struct Pool<'p, 'scope> {
    scope: &'p Scope<'scope>,
    context: &'scope OnceLock<Context>,
    batches: &'scope Batches,
}

/// The top-level keys; each variant's value is its position in [`KEYS`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Format,
    AsOf,
    BusinessUnit,
    Schedule,
    ActivityCodes,
    Agents,
    AgentSchedules,
    History,
    TimeOffRequests,
    ShiftTrades,
    Source,
    Other,
}

const KEYS: [(&str, Key); 11] = [
    ("format", Key::Format),
    ("asOf", Key::AsOf),
    ("businessUnit", Key::BusinessUnit),
    ("schedule", Key::Schedule),
    ("activityCodes", Key::ActivityCodes),
    ("agents", Key::Agents),
    ("agentSchedules", Key::AgentSchedules),
    ("history", Key::History),
    ("timeOffRequests", Key::TimeOffRequests),
    ("shiftTrades", Key::ShiftTrades),
    ("source", Key::Source),
];

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(KEYS.iter().find(|(name, _)| *name == v).map_or(Key::Other, |&(_, key)| key))
            }
        }
        d.deserialize_identifier(V)
    }
}

struct DocumentVisitor<'p, 'scope> {
    pool: Pool<'p, 'scope>,
}

impl<'de: 'scope, 'scope> Visitor<'de> for DocumentVisitor<'_, 'scope> {
    /// The document without its lists, and each list's raw entries if it was not validated while reading.
    type Value = (WireSnapshot<'de, ()>, [Option<Vec<&'de RawValue>>; 2]);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a shiftgate snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let pool = self.pool;
        let mut wire: WireSnapshot<'de, ()> = WireSnapshot::default();
        let mut raw: [Option<Vec<&'de RawValue>>; 2] = [None, None];
        let mut seen = [false; KEYS.len()];
        // `null` stands for an absent list, as in the wire types.
        fn read_list<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A) -> Result<Vec<T>, A::Error> {
            Ok(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default())
        }
        while let Some(key) = map.next_key::<Key>()? {
            if key != Key::Other && std::mem::replace(&mut seen[key as usize], true) {
                return Err(de::Error::duplicate_field(KEYS[key as usize].0));
            }
            match key {
                Key::Format => wire.format = map.next_value()?,
                Key::AsOf => wire.as_of = map.next_value()?,
                Key::BusinessUnit => wire.business_unit = map.next_value()?,
                Key::Schedule => wire.schedule = map.next_value()?,
                Key::ActivityCodes => wire.activity_codes = read_list(&mut map)?,
                Key::Agents => wire.agents = read_list(&mut map)?,
                Key::AgentSchedules | Key::History => {
                    let ready = [Key::BusinessUnit, Key::ActivityCodes, Key::Agents].map(|k| seen[k as usize]);
                    if ready == [true; 3] {
                        pool.context.get_or_init(|| {
                            Context::new(wire.business_unit.as_ref(), &wire.activity_codes, &wire.agents)
                        });
                    }
                    let list = usize::from(key == Key::History);
                    match pool.context.get() {
                        Some(ctx) => map.next_value_seed(Validating { pool: &pool, ctx, list })?,
                        None => raw[list] = Some(read_list(&mut map)?),
                    }
                }
                Key::TimeOffRequests => wire.time_off_requests = read_list(&mut map)?,
                Key::ShiftTrades => wire.shift_trades = read_list(&mut map)?,
                Key::Source => wire.source = map.next_value()?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((wire, raw))
    }
}

/// One agent-schedule list (0: `agentSchedules`, 1: `history`), handed to the pool in batches as it is read.
struct Validating<'v, 'p, 'scope> {
    pool: &'v Pool<'p, 'scope>,
    ctx: &'scope Context,
    list: usize,
}

impl<'de: 'scope, 'scope> DeserializeSeed<'de> for Validating<'_, '_, 'scope> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de: 'scope, 'scope> Visitor<'de> for Validating<'_, '_, 'scope> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of agent schedules")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Validating { pool, ctx, list } = self;
        let name = ["agentSchedules", "history"][list];
        let batches = pool.batches;
        // With one worker thread (`--jobs 1`), batches are validated here, in turn, rather than on a second thread.
        let parallel = rayon::current_num_threads() > 1;
        let mut first = 0;
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let next = seq.next_element::<&'de RawValue>()?;
            let end = next.is_none();
            batch.extend(next);
            if batch.len() == BATCH || (end && !batch.is_empty()) {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let job = move || {
                    let out: Batch =
                        full.iter().enumerate().map(|(k, raw)| read_entry(raw.get(), first + k, name, ctx)).collect();
                    batches.0.lock().unwrap_or_else(PoisonError::into_inner).push((list, first, out));
                };
                if parallel {
                    pool.scope.spawn(move |_| job());
                } else {
                    job();
                }
                first += BATCH;
            }
            if end {
                return Ok(());
            }
        }
    }
}
