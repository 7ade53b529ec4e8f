//! Reading the top level of a snapshot by hand, so that agent schedules and history, nearly all of a large
//! document, are validated on the rayon pool while the reading thread is still scanning the rest.
//!
//! When `businessUnit`, `activityCodes` and `agents` come before a list (as in everything shiftgate and Genesys
//! write), the entries of that list are handed to the pool in batches as they are found. Otherwise the list is kept
//! as raw JSON text and validated after reading. Either way each entry is parsed into its wire form and validated by
//! [`super::schedules::entry`], so the two routes give the same result.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::context::Context;
use super::schedules::{entry, Entry};
use crate::format::{WireAgentSchedule, WireSnapshot};

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

/// The document after reading: everything but the agent-schedule lists in wire form, the context if it was built while reading, and the two lists.
pub(super) struct Document<'a> {
    pub(super) wire: WireSnapshot<'a, ()>,
    pub(super) context: Option<Context>,
    pub(super) schedules: Listed<'a>,
    pub(super) history: Listed<'a>,
}

/// Reads a document. Errors carry no JSON path; the caller parses again with the derived wire types to say where.
pub(super) fn read(text: &str) -> Result<Document<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = de::Deserializer::deserialize_map(&mut de, DocumentVisitor)?;
    de.end()?;
    Ok(doc)
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
    Other,
}

const KEYS: [(&str, Key); 10] = [
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

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a shiftgate snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document<'de>, A::Error> {
        let mut wire: WireSnapshot<'de, ()> = WireSnapshot::default();
        let mut context: Option<Context> = None;
        let (mut schedules, mut history) = (Listed::Raw(Vec::new()), Listed::Raw(Vec::new()));
        let mut seen = [false; KEYS.len()];
        // `null` stands for an absent list, as in the wire types.
        fn list<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A) -> Result<Vec<T>, A::Error> {
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
                Key::ActivityCodes => wire.activity_codes = list(&mut map)?,
                Key::Agents => wire.agents = list(&mut map)?,
                Key::AgentSchedules | Key::History => {
                    let ready = [Key::BusinessUnit, Key::ActivityCodes, Key::Agents].map(|k| seen[k as usize]);
                    if context.is_none() && ready == [true; 3] {
                        context = Some(Context::new(wire.business_unit.as_ref(), &wire.activity_codes, &wire.agents));
                    }
                    let name = if key == Key::History { "history" } else { "agentSchedules" };
                    let listed = match &context {
                        Some(ctx) => Listed::Validated(map.next_value_seed(Validating { ctx, name })?),
                        None => Listed::Raw(list(&mut map)?),
                    };
                    *(if key == Key::History { &mut history } else { &mut schedules }) = listed;
                }
                Key::TimeOffRequests => wire.time_off_requests = list(&mut map)?,
                Key::ShiftTrades => wire.shift_trades = list(&mut map)?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Document { wire, context, schedules, history })
    }
}

/// A validated batch of entries, or the first that does not parse.
type Batch = Result<Vec<Entry>, serde_json::Error>;

/// One agent-schedule list, validated in batches on the pool while it is read.
struct Validating<'c> {
    ctx: &'c Context,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for Validating<'_> {
    type Value = Vec<Entry>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Entry>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Validating<'_> {
    type Value = Vec<Entry>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of agent schedules")
    }

    fn visit_none<E>(self) -> Result<Vec<Entry>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Entry>, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Entry>, A::Error> {
        let Validating { ctx, name } = self;
        let validate = |first: usize, batch: &[&RawValue]| -> Batch {
            let parse = |(k, raw): (usize, &&RawValue)| {
                serde_json::from_str::<WireAgentSchedule<'_>>(raw.get()).map(|s| entry(&s, first + k, name, ctx))
            };
            batch.iter().enumerate().map(parse).collect()
        };
        // Validated batches by their first entry's index, in the order they finish.
        let done: Mutex<Vec<(usize, Batch)>> = Mutex::new(Vec::new());
        // With one worker thread (`--jobs 1`), batches are validated here, in turn, rather than on a second thread.
        let parallel = rayon::current_num_threads() > 1;
        rayon::in_place_scope(|scope| -> Result<(), A::Error> {
            let mut first = 0;
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                let next = seq.next_element::<&'de RawValue>()?;
                let end = next.is_none();
                batch.extend(next);
                if batch.len() == BATCH || (end && !batch.is_empty()) {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    let (done, validate) = (&done, &validate);
                    let job = move || {
                        let out = validate(first, &full);
                        done.lock().unwrap_or_else(PoisonError::into_inner).push((first, out));
                    };
                    if parallel {
                        scope.spawn(move |_| job());
                    } else {
                        job();
                    }
                    first += BATCH;
                }
                if end {
                    return Ok(());
                }
            }
        })?;
        let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
        done.sort_unstable_by_key(|(first, _)| *first);
        let mut entries = Vec::with_capacity(done.iter().map(|(_, r)| r.as_ref().map_or(0, Vec::len)).sum());
        for (_, batch) in done {
            entries.extend(batch.map_err(de::Error::custom)?);
        }
        Ok(entries)
    }
}
