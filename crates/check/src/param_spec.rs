//! Rule parameters as `meta()` declares them, and the check every configured or per-agent value passes.
//!
//! A declaration is a bare default (`true`, `"chicago-fww"`, `["cba"]`) or a map with the default (`value`; Rhai
//! reserves `default`) and what else is allowed: `#{ value: 600, min: 60, max: 2880 }` (numbers must declare both bounds),
//! `#{ value: "error", one_of: ["error", "warning", "info"] }` (strings and lists of strings). A value from
//! `shiftgate.toml` or from an agent's `params` must have the default's type and lie in what is declared, so a
//! rule never sees a zero divisor, an overflowing product or `NaN` that its author ruled out.

use std::borrow::Cow;
use std::fmt;

use rhai::{Array, Dynamic, ImmutableString, Map};

/// Longest free-text parameter value, in bytes (tags, names).
pub const MAX_TEXT_PARAM: usize = 200;
/// Most items in a list parameter (so a list stays well inside the sandbox's string limit).
pub const MAX_LIST_PARAM: usize = 16;

/// What values a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamKind {
    /// `true` or `false`.
    Bool,
    /// An integer in `[min, max]`.
    Int {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A finite number in `[min, max]` (an integer is taken as a number).
    Float {
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// A string: one of a list, or free text of at most [`MAX_TEXT_PARAM`] bytes.
    Text {
        /// The allowed values, if limited.
        one_of: Option<Vec<String>>,
    },
    /// A list of at most [`MAX_LIST_PARAM`] strings, each one of a list if limited.
    List {
        /// The allowed items, if limited.
        one_of: Option<Vec<String>>,
    },
}

fn quoted(list: &[String]) -> String {
    list.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for ParamKind {
    /// What a value must be, to follow "must be": `an integer from 60 to 2880`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamKind::Bool => f.write_str("true or false"),
            ParamKind::Int { min, max } => write!(f, "an integer from {min} to {max}"),
            ParamKind::Float { min, max } => write!(f, "a number from {min} to {max}"),
            ParamKind::Text { one_of: Some(l) } => write!(f, "one of {}", quoted(l)),
            ParamKind::Text { one_of: None } => write!(f, "a string of at most {MAX_TEXT_PARAM} bytes"),
            ParamKind::List { one_of: Some(l) } => {
                write!(f, "a list of at most {MAX_LIST_PARAM} strings, each one of {}", quoted(l))
            }
            ParamKind::List { one_of: None } => {
                write!(f, "a list of at most {MAX_LIST_PARAM} strings of at most {MAX_TEXT_PARAM} bytes")
            }
        }
    }
}

/// A value given for a parameter, from TOML or JSON, with how it was written (for messages).
pub(crate) enum Given<'a> {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(Cow<'a, str>),
    List(Vec<Given<'a>>),
    /// Anything else: a table, a date, `null`, an integer too large for 64 bits.
    Other,
}

impl<'a> Given<'a> {
    pub(crate) fn from_toml(v: &'a toml::Value) -> Given<'a> {
        match v {
            toml::Value::Integer(i) => Given::Int(*i),
            toml::Value::Float(x) => Given::Float(*x),
            toml::Value::Boolean(b) => Given::Bool(*b),
            toml::Value::String(s) => Given::Text(Cow::Borrowed(s)),
            toml::Value::Array(a) => Given::List(a.iter().map(Given::from_toml).collect()),
            toml::Value::Datetime(_) | toml::Value::Table(_) => Given::Other,
        }
    }

    pub(crate) fn from_json(v: &'a serde_json::Value) -> Given<'a> {
        match v {
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Given::Int(i),
                (None, Some(x)) if !n.is_u64() => Given::Float(x),
                _ => Given::Other,
            },
            serde_json::Value::Bool(b) => Given::Bool(*b),
            serde_json::Value::String(s) => Given::Text(Cow::Borrowed(s)),
            serde_json::Value::Array(a) => Given::List(a.iter().map(Given::from_json).collect()),
            serde_json::Value::Null | serde_json::Value::Object(_) => Given::Other,
        }
    }
}

impl ParamKind {
    /// The value as scripts see it, or `None` if it is not allowed.
    pub(crate) fn accept(&self, given: &Given<'_>) -> Option<Dynamic> {
        match (self, given) {
            (ParamKind::Bool, Given::Bool(b)) => Some(Dynamic::from(*b)),
            (ParamKind::Int { min, max }, Given::Int(i)) => (min..=max).contains(&i).then(|| Dynamic::from(*i)),
            // Integers beyond 2^53 do not survive the conversion; none is a sensible rate or factor.
            (ParamKind::Float { .. }, Given::Int(i)) if i.unsigned_abs() <= 1 << 53 => {
                self.accept(&Given::Float(*i as f64))
            }
            (ParamKind::Float { min, max }, Given::Float(x)) => {
                (x.is_finite() && min <= x && x <= max).then(|| Dynamic::from(*x))
            }
            (ParamKind::Text { one_of }, Given::Text(s)) => text_ok(one_of, s).then(|| text(s)),
            (ParamKind::List { one_of }, Given::List(items)) if items.len() <= MAX_LIST_PARAM => items
                .iter()
                .map(|g| match g {
                    Given::Text(s) if text_ok(one_of, s) => Some(text(s)),
                    _ => None,
                })
                .collect::<Option<Array>>()
                .map(Dynamic::from),
            _ => None,
        }
    }
}

fn text_ok(one_of: &Option<Vec<String>>, s: &str) -> bool {
    match one_of {
        Some(list) => list.iter().any(|x| x == s),
        None => s.len() <= MAX_TEXT_PARAM,
    }
}

fn text(s: &str) -> Dynamic {
    Dynamic::from(ImmutableString::from(s))
}

/// Reads one entry of `meta()`'s `params`: its kind and its default. The error says what is wrong with the
/// declaration (the caller names the parameter).
pub(crate) fn declare(value: &Dynamic) -> Result<(ParamKind, Dynamic), String> {
    let Some(map) = value.clone().try_cast::<Map>() else {
        return bare(value);
    };
    for key in map.keys() {
        if !["value", "min", "max", "one_of"].contains(&key.as_str()) {
            return Err(format!("unknown key `{key}` (a declaration has value, and min and max or one_of)"));
        }
    }
    let default = map.get("value").ok_or("a declaration needs its default `value`")?.clone();
    let (min, max, one_of) = (map.get("min"), map.get("max"), map.get("one_of"));
    let kind = if default.is_int() || default.is_float() {
        if one_of.is_some() {
            return Err("`one_of` is for strings and lists of strings; a number takes min and max".into());
        }
        let (Some(min), Some(max)) = (min, max) else {
            return Err("a number needs both `min` and `max`".into());
        };
        number_kind(&default, min, max)?
    } else {
        if min.is_some() || max.is_some() {
            return Err(format!("`min` and `max` are for numbers, not for a {} default", kind_name(&default)));
        }
        let one_of = one_of.map(allowed).transpose()?;
        match bare(&default)?.0 {
            ParamKind::Text { .. } => ParamKind::Text { one_of },
            ParamKind::List { .. } => ParamKind::List { one_of },
            other => {
                if one_of.is_some() {
                    return Err("`one_of` is for strings and lists of strings".into());
                }
                other
            }
        }
    };
    let given = given_of(&default);
    let default = kind.accept(&given).ok_or_else(|| format!("the default {default} is not {kind}"))?;
    Ok((kind, default))
}

fn kind_name(v: &Dynamic) -> &'static str {
    if v.is_bool() {
        "boolean"
    } else if v.is_string() {
        "string"
    } else if v.is_array() {
        "list"
    } else {
        "non-number"
    }
}

/// A bare default: booleans, strings and lists of strings need no declaration; numbers do.
fn bare(value: &Dynamic) -> Result<(ParamKind, Dynamic), String> {
    let kind = if value.is_bool() {
        ParamKind::Bool
    } else if value.is_string() {
        ParamKind::Text { one_of: None }
    } else if value.is_array() {
        ParamKind::List { one_of: None }
    } else if value.is_int() || value.is_float() {
        return Err(format!(
            "a number needs a range: declare it as #{{ value: {value}, min: ..., max: ... }} with the smallest and largest values that make sense"
        ));
    } else {
        return Err(format!(
            "a default must be a number, true or false, a string or a list of strings, got {}",
            value.type_name()
        ));
    };
    let default = kind.accept(&given_of(value)).ok_or_else(|| format!("the default {value} is not {kind}"))?;
    Ok((kind, default))
}

fn number_kind(default: &Dynamic, min: &Dynamic, max: &Dynamic) -> Result<ParamKind, String> {
    if default.is_int() {
        let (Ok(lo), Ok(hi)) = (min.as_int(), max.as_int()) else {
            return Err("an integer parameter needs integer `min` and `max`".into());
        };
        if lo > hi {
            return Err(format!("`min` {lo} is above `max` {hi}"));
        }
        return Ok(ParamKind::Int { min: lo, max: hi });
    }
    let number = |v: &Dynamic| v.as_float().ok().or_else(|| v.as_int().ok().map(|i| i as f64));
    let (Some(lo), Some(hi)) = (number(min), number(max)) else {
        return Err("a number parameter needs numbers as `min` and `max`".into());
    };
    if !(lo.is_finite() && hi.is_finite()) {
        return Err("`min` and `max` must be finite".into());
    }
    if lo > hi {
        return Err(format!("`min` {lo} is above `max` {hi}"));
    }
    Ok(ParamKind::Float { min: lo, max: hi })
}

fn allowed(v: &Dynamic) -> Result<Vec<String>, String> {
    let bad = || "`one_of` must be a non-empty list of distinct strings".to_string();
    let list = v.clone().try_cast::<Array>().ok_or_else(bad)?;
    let mut out: Vec<String> = Vec::new();
    for item in list {
        let s = item.into_immutable_string().map_err(|_| bad())?.to_string();
        if s.is_empty() || out.contains(&s) {
            return Err(bad());
        }
        out.push(s);
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// A script value as if it were given in a configuration (to check defaults like overrides).
fn given_of(v: &Dynamic) -> Given<'static> {
    if let Ok(i) = v.as_int() {
        Given::Int(i)
    } else if let Ok(x) = v.as_float() {
        Given::Float(x)
    } else if let Ok(b) = v.as_bool() {
        Given::Bool(b)
    } else if let Some(s) = v.clone().try_cast::<ImmutableString>() {
        Given::Text(Cow::Owned(s.to_string()))
    } else if let Some(a) = v.clone().try_cast::<Array>() {
        Given::List(a.iter().map(given_of).collect())
    } else {
        Given::Other
    }
}
