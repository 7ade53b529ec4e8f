//! The wire shape of `shiftgate.snapshot/1`, as serde reads and writes it.
//!
//! Every field is optional here so that a missing field becomes one validation problem among all the others
//! instead of a parse abort. Strings borrow from the input where they can ([`Text`]): a 50,000-agent snapshot holds
//! millions of them, and copying each was the largest part of parsing.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The format tag this crate reads and writes.
pub const FORMAT: &str = "shiftgate.snapshot/1";

/// A string that borrows from the input document when it has no escapes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// An owned copy that no longer borrows from the input.
    pub fn into_owned(self) -> Text<'static> {
        Text(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<String> for Text<'static> {
    fn from(s: String) -> Self {
        Text(Cow::Owned(s))
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text(Cow::Borrowed(s))
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

macro_rules! wire {
    ($(#[$doc:meta])* pub struct $name:ident<'a> { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
        #[allow(missing_docs)]
        pub struct $name<'a> {
            $(
                $(#[$fdoc])*
                #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_default")]
                pub $field: $ty,
            )*
        }
    };
}

/// Platforms send `null` for absent lists as often as they omit them; both mean "none".
fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// `{ "id": ... }`, as Genesys refers to users.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct UserRef<'a> {
    /// The user id.
    #[serde(default)]
    pub id: Option<Text<'a>>,
}

/// `{ "version": n }`, the optimistic-concurrency token of Genesys entities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// The entity version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// The whole document. `S` is how agent schedules and history entries are read: parsed in place (the default), or
/// kept as raw JSON text so that they can be parsed in parallel afterwards.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a, S: Deserialize<'de>", serialize = "S: Serialize"))]
#[allow(missing_docs)]
pub struct WireSnapshot<'a, S = WireAgentSchedule<'a>> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Text<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Option::is_none")]
    pub business_unit: Option<WireBusinessUnit<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Option::is_none")]
    pub schedule: Option<WireSchedule<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub activity_codes: Vec<WireActivityCode<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<WireAgent<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub agent_schedules: Vec<S>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<S>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub time_off_requests: Vec<WireTimeOffRequest<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub shift_trades: Vec<WireShiftTrade<'a>>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Option::is_none")]
    pub source: Option<WireSource<'a>>,
}

wire! {
    /// Where the document came from, written by importers of platforms that cannot supply everything: `kind`
    /// names the platform (`cxone`), `lacks` the lists its exports do not carry (`timeOffRequests`,
    /// `shiftTrades`), so that reports can say which rules had nothing to judge instead of passing them.
    pub struct WireSource<'a> {
        kind: Option<Text<'a>>,
        lacks: Vec<Text<'a>>,
    }
}

wire! {
    /// The business unit: its zone decides every local date.
    pub struct WireBusinessUnit<'a> {
        id: Option<Text<'a>>,
        name: Option<Text<'a>>,
        time_zone: Option<Text<'a>>,
        start_day_of_week: Option<Text<'a>>,
    }
}

wire! {
    /// The schedule being gated.
    pub struct WireSchedule<'a> {
        id: Option<Text<'a>>,
        week_date: Option<Text<'a>>,
        week_count: Option<i64>,
        published: Option<bool>,
        metadata: Option<Metadata>,
        description: Option<Text<'a>>,
    }
}

wire! {
    /// An activity code of the business unit.
    pub struct WireActivityCode<'a> {
        id: Option<Text<'a>>,
        name: Option<Text<'a>>,
        category: Option<Text<'a>>,
        counts_as_paid_time: Option<bool>,
        counts_as_work_time: Option<bool>,
    }
}

wire! {
    /// An agent; `tags` and `params` reach rule scripts.
    pub struct WireAgent<'a> {
        id: Option<Text<'a>>,
        name: Option<Text<'a>>,
        management_unit_id: Option<Text<'a>>,
        tags: Vec<Text<'a>>,
        skills: Vec<Text<'a>>,
        params: BTreeMap<String, serde_json::Value>,
    }
}

wire! {
    /// One agent's schedule for the week (also the shape of a `history` entry).
    pub struct WireAgentSchedule<'a> {
        user: Option<UserRef<'a>>,
        metadata: Option<Metadata>,
        shifts: Vec<WireShift<'a>>,
        full_day_time_off_markers: Vec<WireMarker<'a>>,
    }
}

wire! {
    /// A shift.
    pub struct WireShift<'a> {
        id: Option<Text<'a>>,
        start_date: Option<Text<'a>>,
        length_minutes: Option<i64>,
        activities: Vec<WireActivity<'a>>,
        manually_edited: Option<bool>,
    }
}

wire! {
    /// An activity inside a shift.
    pub struct WireActivity<'a> {
        start_date: Option<Text<'a>>,
        length_minutes: Option<i64>,
        activity_code_id: Option<Text<'a>>,
        description: Option<Text<'a>>,
        paid: Option<bool>,
        time_off_request_id: Option<Text<'a>>,
    }
}

wire! {
    /// A full-day time-off marker: a local date of the business unit.
    pub struct WireMarker<'a> {
        business_unit_date: Option<Text<'a>>,
        length_minutes: Option<i64>,
        activity_code_id: Option<Text<'a>>,
        description: Option<Text<'a>>,
        paid: Option<bool>,
        time_off_request_id: Option<Text<'a>>,
    }
}

wire! {
    /// A time-off request.
    pub struct WireTimeOffRequest<'a> {
        id: Option<Text<'a>>,
        user: Option<UserRef<'a>>,
        status: Option<Text<'a>>,
        is_full_day_request: Option<bool>,
        full_day_management_unit_dates: Vec<Text<'a>>,
        partial_day_start_date_times: Vec<Text<'a>>,
        daily_duration_minutes: Option<i64>,
        activity_code_id: Option<Text<'a>>,
        paid: Option<bool>,
        submitted_date: Option<Text<'a>>,
        reviewed_date: Option<Text<'a>>,
        notes: Option<Text<'a>>,
    }
}

wire! {
    /// A shift trade.
    pub struct WireShiftTrade<'a> {
        id: Option<Text<'a>>,
        state: Option<Text<'a>>,
        initiating_user: Option<UserRef<'a>>,
        initiating_shift_id: Option<Text<'a>>,
        initiating_shift_start: Option<Text<'a>>,
        initiating_shift_end: Option<Text<'a>>,
        receiving_user: Option<UserRef<'a>>,
        receiving_shift_id: Option<Text<'a>>,
        receiving_shift_start: Option<Text<'a>>,
        receiving_shift_end: Option<Text<'a>>,
        reviewed_date: Option<Text<'a>>,
    }
}

/// The JSON Schema (draft 2020-12) of `shiftgate.snapshot/1`, as `shiftgate schema` prints it.
pub const JSON_SCHEMA: &str = include_str!("schema.json");
