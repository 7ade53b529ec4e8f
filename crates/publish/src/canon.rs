//! Canonical JSON and SHA-256: the payload hash, the live-state hash and the audit chain all hash the same
//! canonical form, so key order or whitespace never changes a hash.
//!
//! Canonical here means: object keys sorted by their UTF-16 code units (as RFC 8785 JCS does), no whitespace,
//! strings escaped by serde_json. Our payloads hold only integers, so JCS's number rules reduce to serde_json's.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Writes `v` in canonical form.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `sha256:<hex>` of the canonical form of a JSON value: how payloads and live states are named in the audit.
pub fn value_hash(v: &Value) -> String {
    format!("sha256:{}", sha256_hex(canonical_json(v).as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_whitespace_do_not_change_the_hash() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": [ {"y": "x", "x": null} ], "c": {"é": true}}"#).unwrap();
        let b = json!({"c": {"é": true}, "a": [{"x": null, "y": "x"}], "b": 1});
        assert_eq!(canonical_json(&a), r#"{"a":[{"x":null,"y":"x"}],"b":1,"c":{"é":true}}"#);
        assert_eq!(value_hash(&a), value_hash(&b));
        assert_ne!(value_hash(&a), value_hash(&json!({"b": 2})));
        assert!(value_hash(&a).starts_with("sha256:") && value_hash(&a).len() == 7 + 64);
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(canonical_json(&json!({"k\"": "a\nb"})), r#"{"k\"":"a\nb"}"#);
    }
}
