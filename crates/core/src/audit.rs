//! Canonical hashing of records for the audit trail.
//!
//! The state hash is SHA-256 over the record's canonical JSON: object keys sorted, no
//! insignificant whitespace. `serde_json::Value` keeps maps sorted (no `preserve_order`
//! feature), so serialising through it is canonical.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub fn canonical_json<T: Serialize>(record: &T) -> Vec<u8> {
    let value = serde_json::to_value(record).expect("records serialise to JSON");
    serde_json::to_vec(&value).expect("JSON values serialise")
}

/// Lowercase hex SHA-256 of the record's canonical JSON.
pub fn state_hash<T: Serialize>(record: &T) -> String {
    hex::encode(Sha256::digest(canonical_json(record)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": "é"}});
        let b = json!({"a": {"x": "é", "y": [1, 2]}, "b": 1});
        assert_eq!(state_hash(&a), state_hash(&b));
        let text = String::from_utf8(canonical_json(&a)).unwrap();
        assert_eq!(text, r#"{"a":{"x":"é","y":[1,2]},"b":1}"#);
    }

    #[test]
    fn empty_object_vector() {
        // SHA-256("{}")
        assert_eq!(
            state_hash(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
