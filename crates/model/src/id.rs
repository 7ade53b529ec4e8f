//! Newtype identifiers, so an agent id can never be passed where a shift id is expected.
//!
//! Ids are cheap to clone (`Arc<str>`): the checker hands them to many findings and to scripts.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::limits::MAX_ID_BYTES;

/// A hash map keyed by ids. foldhash rather than the standard SipHash: reading a large roster looks up an id for
/// every shift and activity, and foldhash is several times faster on short strings. It is seeded at random per map,
/// so ids crafted to collide are no cheaper to find than with SipHash's.
pub(crate) type IdMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Why an id cannot be used, or `None` if it can: every id is at most [`MAX_ID_BYTES`] bytes, with no character
/// that could change how a report reads. Ids reach terminals, CI logs and HTML; a newline in one can forge a line of
/// output (a GitHub workflow command), and a bidirectional override can make one id read as another. The message
/// names the character by code point and never echoes the id. Importers that build ids from other formats ask this
/// before writing a snapshot, so that they can name the place in their own input.
pub fn id_problem(id: &str) -> Option<String> {
    if id.len() > MAX_ID_BYTES {
        return Some(format!("must be at most {MAX_ID_BYTES} bytes, got {} bytes", id.len()));
    }
    let (at, c) = id.chars().enumerate().find(|&(_, c)| hidden_or_control(c))?;
    let what = "must not contain control, line-separator or text-direction characters";
    Some(format!("{what}, found U+{:04X} at character {}", u32::from(c), at + 1))
}

/// Characters no id may contain: C0 and C1 controls (newline, escape, NUL, ...), the Unicode line and paragraph
/// separators, and the invisible marks that reorder text (bidirectional embeddings, overrides and isolates).
fn hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps an id as read from the input.
            pub fn new(id: impl Into<Arc<str>>) -> Self {
                Self(id.into())
            }
            /// The id as written in the input.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }
    };
}

string_id!(
    /// An agent (a Genesys user id).
    AgentId
);
string_id!(
    /// A shift in an agent schedule.
    ShiftId
);
string_id!(
    /// A time-off request.
    TimeOffRequestId
);
string_id!(
    /// A shift trade.
    TradeId
);
string_id!(
    /// An activity code of the business unit.
    ActivityCodeId
);

/// Position of an agent in [`crate::Snapshot::agents`]; the checker's unit of parallel work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentIx(pub u32);

impl AgentIx {
    /// The index as `usize`, for slicing.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// Position of a shift in [`crate::Snapshot::shifts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShiftIx(pub u32);

impl ShiftIx {
    /// The index as `usize`, for slicing.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// Position of an activity code in [`crate::Snapshot::activity_codes`]. Activities carry this rather than the
/// code's id: a large roster has millions of activities, and every parsing thread bumping the reference count of
/// the same few ids was a tenth of reading a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodeIx(pub u32);

impl CodeIx {
    /// No code: what the checker gives the work activity that a shift without activities stands for.
    pub const NONE: CodeIx = CodeIx(u32::MAX);

    /// The index as `usize`, for slicing.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}
