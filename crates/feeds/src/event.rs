//! Events with IntelMQ's flat, dotted field names, and their JSON-lines form.
//!
//! An [`Event`] is reused row after row: its values live in one text buffer and its keys are
//! borrowed from the report's header plan, so parsing a row allocates nothing.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::ops::Range;

/// A field name with its JSON rendering (`"source.ip":`) computed once per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldKey {
    name: Box<str>,
    json: Box<[u8]>,
}

impl FieldKey {
    pub fn new(name: &str) -> FieldKey {
        let mut json = Vec::with_capacity(name.len() + 3);
        write_json_str(&mut json, name);
        json.push(b':');
        FieldKey {
            name: name.into(),
            json: json.into(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stored<'p> {
    Text(u32, u32),
    /// Text that needs no JSON escaping (validated addresses, times, host names).
    Plain(u32, u32),
    /// Borrowed from the plan or the report definition: constants are not copied per row.
    Const(&'p str),
    Int(i64),
    Float(f64),
}

/// A field value as read back from an [`Event`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
}

impl FieldValue<'_> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match *self {
            FieldValue::Text(s) => s.into(),
            FieldValue::Int(i) => i.into(),
            FieldValue::Float(f) => {
                serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
            }
        }
    }
}

/// One normalised event. Keys follow IntelMQ (`time.source`, `source.ip`, `extra.owner`, …).
#[derive(Debug, Clone, Default)]
pub struct Event<'p> {
    fields: Vec<(&'p FieldKey, Stored<'p>)>,
    text: String,
    pub(crate) source_ip: Option<IpAddr>,
    pub(crate) source_port: Option<u16>,
    pub(crate) source_asn: Option<u32>,
    pub(crate) reverse_dns: Option<Range<usize>>,
    pub(crate) identifier: &'p str,
}

impl<'p> Event<'p> {
    pub(crate) fn clear(&mut self) {
        self.fields.clear();
        self.text.clear();
        self.source_ip = None;
        self.source_port = None;
        self.source_asn = None;
        self.reverse_dns = None;
        self.identifier = "";
    }

    /// Appends text through `f` and returns its range in the text buffer.
    pub(crate) fn push_text_with(&mut self, f: impl FnOnce(&mut String)) -> Range<usize> {
        let start = self.text.len();
        f(&mut self.text);
        start..self.text.len()
    }

    pub(crate) fn set_text_range(&mut self, key: &'p FieldKey, r: Range<usize>) {
        self.fields
            .push((key, Stored::Text(r.start as u32, r.end as u32)));
    }

    /// Like [`Event::set_text_range`] for text the caller has validated to contain no
    /// character JSON escapes (no quote, backslash or control character).
    pub(crate) fn set_plain_range(&mut self, key: &'p FieldKey, r: Range<usize>) {
        debug_assert!(!needs_escape(self.text[r.clone()].as_bytes()));
        self.fields
            .push((key, Stored::Plain(r.start as u32, r.end as u32)));
    }

    pub(crate) fn set_text(&mut self, key: &'p FieldKey, value: &str) -> Range<usize> {
        let r = self.push_text_with(|t| t.push_str(value));
        self.set_text_range(key, r.clone());
        r
    }

    pub(crate) fn set_const(&mut self, key: &'p FieldKey, value: &'p str) {
        self.fields.push((key, Stored::Const(value)));
    }

    pub(crate) fn set_int(&mut self, key: &'p FieldKey, v: i64) {
        self.fields.push((key, Stored::Int(v)));
    }

    pub(crate) fn set_float(&mut self, key: &'p FieldKey, v: f64) {
        self.fields.push((key, Stored::Float(v)));
    }

    pub(crate) fn text_at(&self, r: Range<usize>) -> &str {
        &self.text[r]
    }

    fn value(&self, v: Stored<'p>) -> FieldValue<'_> {
        match v {
            Stored::Const(s) => FieldValue::Text(s),
            Stored::Text(a, b) | Stored::Plain(a, b) => {
                FieldValue::Text(&self.text[a as usize..b as usize])
            }
            Stored::Int(i) => FieldValue::Int(i),
            Stored::Float(f) => FieldValue::Float(f),
        }
    }

    /// The value of `key`, e.g. `event.get("source.ip")`.
    pub fn get(&self, key: &str) -> Option<FieldValue<'_>> {
        self.fields
            .iter()
            .find(|(k, _)| k.name() == key)
            .map(|&(_, v)| self.value(v))
    }

    /// All fields in output order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, FieldValue<'_>)> {
        self.fields.iter().map(|&(k, v)| (k.name(), self.value(v)))
    }

    pub fn source_ip(&self) -> Option<IpAddr> {
        self.source_ip
    }

    pub fn source_port(&self) -> Option<u16> {
        self.source_port
    }

    pub fn source_asn(&self) -> Option<u32> {
        self.source_asn
    }

    /// `source.reverse_dns`, lowercase without trailing dot.
    pub fn reverse_dns(&self) -> Option<&str> {
        self.reverse_dns.clone().map(|r| &self.text[r])
    }

    /// `classification.identifier`.
    pub fn identifier(&self) -> &str {
        self.identifier
    }

    /// The event as a flat JSON object (for tests and for callers that store events).
    pub fn to_json_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.fields()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect()
    }

    /// Appends the event as one JSON line (flat dotted keys, like IntelMQ's file output with
    /// `hierarchical_output: false`).
    pub fn write_json_line(&self, out: &mut Vec<u8>) {
        // One reservation per event instead of one per field (escapes may still grow it).
        out.reserve(self.text.len() + self.fields.len() * 48 + 64);
        out.push(b'{');
        for (i, &(k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&k.json);
            match v {
                Stored::Text(a, b) => write_json_str(out, &self.text[a as usize..b as usize]),
                Stored::Plain(a, b) => {
                    out.push(b'"');
                    out.extend_from_slice(&self.text.as_bytes()[a as usize..b as usize]);
                    out.push(b'"');
                }
                Stored::Const(s) => write_json_str(out, s),
                Stored::Int(n) => write_int(out, n),
                Stored::Float(f) => write_float(out, f),
            }
        }
        out.extend_from_slice(b"}\n");
    }
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

fn write_float(out: &mut Vec<u8>, f: f64) {
    if !f.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let mut s = String::new();
    let _ = write!(s, "{f}");
    if !s.contains(['.', 'e']) {
        s.push_str(".0");
    }
    out.extend_from_slice(s.as_bytes());
}

/// 0 = copy, 1 = short escape, 2 = \u00XX.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 2;
        i += 1;
    }
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 1;
    t[b'\n' as usize] = 1;
    t[b'\r' as usize] = 1;
    t[b'\t' as usize] = 1;
    t
};

/// Whether `bytes` holds a quote, a backslash or a control character. Eight bytes at a time
/// (SWAR): most values are short, too short for the vector loop a plain scan compiles to.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Nonzero iff some byte of w is zero (the classic has-zero-byte test).
    let zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let mut words = bytes.chunks_exact(8);
    for c in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        // Bytes below 0x20: exact as an "any" test for thresholds up to 0x80.
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        if control | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| ESCAPE[b as usize] != 0)
}

pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let e = ESCAPE[b as usize];
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_escape_agrees_with_a_plain_scan_for_every_byte_at_every_position() {
        let naive = |b: &[u8]| b.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
        for len in 0..=19 {
            for pos in 0..len {
                for byte in 0..=255u8 {
                    // Background of bytes that sit near the thresholds without crossing them.
                    let mut v: Vec<u8> = (0..len)
                        .map(|i| [b' ', b'!', b'#', b']', 0x7f, 0xc3][i % 6])
                        .collect();
                    v[pos] = byte;
                    assert_eq!(
                        needs_escape(&v),
                        naive(&v),
                        "len {len}, byte {byte:#x} at {pos}"
                    );
                }
            }
        }
    }

    #[test]
    fn json_line_round_trips_through_serde() {
        let keys = [
            FieldKey::new("a.b"),
            FieldKey::new("n"),
            FieldKey::new("f"),
            FieldKey::new("neg"),
        ];
        let mut e = Event::default();
        let tricky = "q\"b\\s\n\r\t\u{0}\u{1f}é😀";
        e.set_text(&keys[0], tricky);
        e.set_int(&keys[1], 1234567890123);
        e.set_float(&keys[2], 12.0);
        e.set_int(&keys[3], i64::MIN);
        let mut out = Vec::new();
        e.write_json_line(&mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["a.b"], tricky);
        assert_eq!(v["n"], 1234567890123i64);
        assert_eq!(v["f"], 12.0);
        assert_eq!(v["neg"], i64::MIN);
        assert_eq!(serde_json::Value::Object(e.to_json_map()), v);
        assert!(String::from_utf8(out).unwrap().contains("\"f\":12.0"));
    }
}
