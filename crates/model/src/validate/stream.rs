//! Reading one agent-schedule entry straight into validated shifts, without building its wire form first: a large
//! roster has millions of activities, and allocating, filling and freeing a wire struct for each was a third of
//! reading an entry.
//!
//! Only the containers are read by hand: the entry object, its shift list, each shift object and its activity
//! list. Every other value, each activity among them, is read with the wire types, so it means exactly what it
//! means there. Whatever this reader refuses (a repeated key, an object written as a JSON array, a value of the
//! wrong type) goes to the wire route, [`super::schedules::entry`], which accepts or rejects it as it always has.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::context::Context;
use super::schedules::{entry as wire_entry, Activities, Entry, Shifts};
use crate::format::{Metadata, UserRef, WireActivity, WireAgentSchedule, WireMarker, WireShift};

/// Parses and validates entry `i` of the list `name` from its JSON text. `Err` only if the entry does not parse.
pub(super) fn read_entry(raw: &str, i: usize, name: &'static str, ctx: &Context) -> Result<Entry, serde_json::Error> {
    streamed(raw, i, name, ctx)
        .or_else(|_| serde_json::from_str::<WireAgentSchedule<'_>>(raw).map(|s| wire_entry(&s, i, name, ctx)))
}

fn streamed(raw: &str, i: usize, name: &'static str, ctx: &Context) -> Result<Entry, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(raw);
    let entry = de::Deserializer::deserialize_map(&mut de, EntryVisitor { shifts: Shifts::new(i, name), ctx })?;
    de.end()?;
    Ok(entry)
}

/// A field name as its position in a list of names; unknown names are `names.len()`.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        Ok(self.0.iter().position(|n| *n == v).unwrap_or(self.0.len()))
    }
}

/// Reads the next key of `map`, failing on a known key seen before (as the wire types do).
fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    names: &'static [&'static str],
    seen: &mut [bool],
) -> Result<Option<usize>, A::Error> {
    let Some(k) = map.next_key_seed(KeySeed(names))? else { return Ok(None) };
    if k < names.len() && std::mem::replace(&mut seen[k], true) {
        return Err(de::Error::duplicate_field(names[k]));
    }
    Ok(Some(k))
}

const ENTRY_KEYS: &[&str] = &["user", "metadata", "shifts", "fullDayTimeOffMarkers"];
const SHIFT_KEYS: &[&str] = &["id", "startDate", "lengthMinutes", "activities", "manuallyEdited"];

struct EntryVisitor<'c> {
    shifts: Shifts,
    ctx: &'c Context,
}

impl<'de> Visitor<'de> for EntryVisitor<'_> {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an agent schedule object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Entry, A::Error> {
        let (mut user, mut metadata, mut markers) =
            (None::<UserRef<'de>>, None::<Metadata>, Vec::<WireMarker<'de>>::new());
        let mut seen = [false; ENTRY_KEYS.len()];
        while let Some(k) = next_key(&mut map, ENTRY_KEYS, &mut seen)? {
            match k {
                0 => user = map.next_value()?,
                1 => metadata = map.next_value()?,
                2 => map.next_value_seed(List(ShiftSeed { shifts: &mut self.shifts, ctx: self.ctx }))?,
                3 => markers = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(self.shifts.finish(user.as_ref(), metadata.as_ref(), &markers, self.ctx))
    }
}

/// A list, `null` meaning empty, whose elements `S` reads one at a time.
struct List<S>(S);

/// Reads one element of a list.
trait Element {
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error>;
}

impl<'de, S: Element> DeserializeSeed<'de> for List<S> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: Element> Visitor<'de> for List<S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while self.0.read(&mut seq)? {}
        Ok(())
    }
}

/// Reads shifts, handing each to [`Shifts`] as soon as its object ends.
struct ShiftSeed<'s, 'c> {
    shifts: &'s mut Shifts,
    ctx: &'c Context,
}

impl Element for ShiftSeed<'_, '_> {
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let seed = ShiftSeed { shifts: &mut *self.shifts, ctx: self.ctx };
        Ok(seq.next_element_seed(seed)?.is_some())
    }
}

impl<'de> DeserializeSeed<'de> for ShiftSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ShiftSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a shift object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // The shift's own fields; `activities` stays empty, its elements go straight to `activities`.
        let mut shift = WireShift::default();
        let mut activities = self.shifts.activities();
        let mut seen = [false; SHIFT_KEYS.len()];
        while let Some(k) = next_key(&mut map, SHIFT_KEYS, &mut seen)? {
            match k {
                0 => shift.id = map.next_value()?,
                1 => shift.start_date = map.next_value()?,
                2 => shift.length_minutes = map.next_value()?,
                3 => map.next_value_seed(List(ActivitySeed { activities: &mut activities, ctx: self.ctx }))?,
                4 => shift.manually_edited = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.shifts.push(&shift, activities);
        Ok(())
    }
}

/// Reads activities with the wire type, validating each as soon as it is read.
struct ActivitySeed<'s, 'c> {
    activities: &'s mut Activities,
    ctx: &'c Context,
}

impl Element for ActivitySeed<'_, '_> {
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let Some(a) = seq.next_element::<WireActivity<'de>>()? else { return Ok(false) };
        self.activities.push(&a, self.ctx);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::format::{WireActivityCode, WireAgent, WireBusinessUnit};

    fn context() -> Context {
        let unit =
            WireBusinessUnit { time_zone: Some("America/Chicago".into()), id: Some("bu".into()), ..Default::default() };
        let code = |id: &'static str, category: &'static str| WireActivityCode {
            id: Some(id.into()),
            category: Some(category.into()),
            ..Default::default()
        };
        let agent = |id: &'static str| WireAgent { id: Some(id.into()), ..Default::default() };
        Context::new(Some(&unit), &[code("0", "OnQueueWork"), code("2", "Meal")], &[agent("a-1"), agent("a-2")])
    }

    /// What the wire route makes of an entry: the reference the streaming reader must match.
    fn by_wire(raw: &str, ctx: &Context) -> Result<String, ()> {
        serde_json::from_str::<WireAgentSchedule<'_>>(raw)
            .map(|s| format!("{:?}", wire_entry(&s, 3, "history", ctx)))
            .map_err(drop)
    }

    /// One JSON value for a field: usually a plausible one, sometimes `null`, a wrong type or an escaped string.
    fn value(good: Vec<&'static str>) -> impl Strategy<Value = String> {
        let good = proptest::sample::select(good).prop_map(str::to_string);
        prop_oneof![
            6 => good,
            1 => Just("null".to_string()),
            1 => Just("7".to_string()),
            1 => Just("\"\"".to_string()),
            1 => Just("\"2026-11-30T1\\u0034:00:00Z\"".to_string()),
        ]
    }

    /// An object from (key, value) pairs, with an unknown key now and then and keys sometimes repeated or escaped.
    fn object(fields: Vec<(&'static str, BoxedStrategy<String>)>) -> BoxedStrategy<String> {
        let fields: Vec<_> = fields
            .into_iter()
            .map(|(k, v)| {
                (proptest::option::weighted(0.85, v), prop_oneof![8 => Just(false), 1 => Just(true)]).prop_map(
                    move |(v, escaped)| {
                        let key = if escaped {
                            k.replacen(|_| true, "\\u0069", usize::from(k.starts_with('i')))
                        } else {
                            k.to_string()
                        };
                        v.map(|v| format!("\"{key}\": {v}"))
                    },
                )
            })
            .collect();
        (fields, any::<bool>(), any::<bool>(), any::<u64>())
            .prop_map(|(parts, extra, repeat, seed)| {
                let mut parts: Vec<String> = parts.into_iter().flatten().collect();
                if extra {
                    parts.push("\"note\": {\"a\": [1, \"x\"]}".into());
                }
                if repeat && !parts.is_empty() {
                    let again = parts[seed as usize % parts.len()].clone();
                    parts.push(again);
                }
                // A rotation stands in for any key order.
                if !parts.is_empty() {
                    let n = parts.len();
                    parts.rotate_left(seed as usize % n);
                }
                format!("{{{}}}", parts.join(", "))
            })
            .boxed()
    }

    fn list(item: BoxedStrategy<String>, most: usize) -> BoxedStrategy<String> {
        prop_oneof![
            8 => proptest::collection::vec(item, 0..most).prop_map(|v| format!("[{}]", v.join(", "))),
            1 => Just("null".to_string()),
            1 => Just("{}".to_string()),
        ]
        .boxed()
    }

    fn entry_text() -> BoxedStrategy<String> {
        let instant = || value(vec!["\"2026-11-30T14:00:00Z\"", "\"2026-11-30T16:00:00-06:00\"", "\"Monday\""]).boxed();
        let length = || value(vec!["120", "480", "-5", "99999", "1.5"]).boxed();
        let activity = object(vec![
            ("startDate", instant()),
            ("lengthMinutes", length()),
            ("activityCodeId", value(vec!["\"0\"", "\"2\"", "\"9\""]).boxed()),
            ("paid", value(vec!["true", "false"]).boxed()),
            ("timeOffRequestId", value(vec!["\"to-1\""]).boxed()),
        ]);
        let shift = object(vec![
            ("id", value(vec!["\"s-1\"", "\"s-2\""]).boxed()),
            ("startDate", instant()),
            ("lengthMinutes", length()),
            ("activities", list(activity, 4)),
            ("manuallyEdited", value(vec!["true"]).boxed()),
        ]);
        let marker = object(vec![
            ("businessUnitDate", value(vec!["\"2026-12-01\""]).boxed()),
            ("activityCodeId", value(vec!["\"0\""]).boxed()),
        ]);
        let user = prop_oneof![
            4 => value(vec!["\"a-1\"", "\"a-9\""]).prop_map(|id| format!("{{\"id\": {id}}}")),
            1 => Just("null".to_string()),
            1 => Just("[\"a-1\"]".to_string()),
        ];
        object(vec![
            ("user", user.boxed()),
            ("metadata", value(vec!["{\"version\": 4}", "{}"]).boxed()),
            ("shifts", list(shift, 4)),
            ("fullDayTimeOffMarkers", list(marker, 2)),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the entry, reading it gives what the wire route gives: the same shifts, markers and problems in
        /// the same order, or an error exactly when the wire route fails to parse it.
        #[test]
        fn streaming_reads_what_the_wire_route_reads(raw in entry_text()) {
            let ctx = context();
            let want = by_wire(&raw, &ctx);
            if let Ok(got) = streamed(&raw, 3, "history", &ctx) {
                prop_assert_eq!(Ok(format!("{got:?}")), want.clone(), "streamed {}", raw);
            }
            let got = read_entry(&raw, 3, "history", &ctx).map(|e| format!("{e:?}")).map_err(drop);
            prop_assert_eq!(got, want, "read {}", raw);
        }
    }

    #[test]
    fn a_plain_entry_is_streamed_not_left_to_the_wire_route() {
        let raw = r#"{"user": {"id": "a-1"}, "shifts": [{"id": "s-1", "startDate": "2026-11-30T14:00:00Z",
            "lengthMinutes": 480, "activities": [{"startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 480,
            "activityCodeId": "0"}]}, {"id": "s-2", "lengthMinutes": -1}]}"#;
        let ctx = context();
        let got = streamed(raw, 3, "history", &ctx).expect("streams");
        assert_eq!(Ok(format!("{got:?}")), by_wire(raw, &ctx));
        assert_eq!(got.shifts.len(), 1);
        assert_eq!(got.problems.len(), 2, "{:?}", got.problems);
    }
}
