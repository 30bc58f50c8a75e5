//! Shared JSON reading: size limits, and errors that name the JSON path.

use std::io::{self, BufReader, Read};

use serde::de::DeserializeSeed;

/// Default size limit for one input file: 4 GiB (the whole NVD, all years, is ≈ 2 GiB).
pub const DEFAULT_MAX_BYTES: u64 = 4 << 30;

/// Why a KEV, NVD or CycloneDX document could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The reader failed.
    #[error("read error: {0}")]
    Io(#[source] io::Error),
    /// The input is larger than the configured limit.
    #[error("input is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Malformed JSON, a wrong type, a missing field or a bad value.
    #[error("at {path}: {message} (line {line}, column {column})")]
    Json {
        /// JSON path of the value, such as `vulnerabilities[3].cve.id` (`.` is the root).
        path: String,
        /// Syntax error, wrong data, or premature end of input.
        kind: JsonErrorKind,
        /// What went wrong.
        message: String,
        /// 1-based line of the error in the input.
        line: usize,
        /// 1-based column of the error in the input.
        column: usize,
    },
    /// Well-formed JSON that breaks a rule of the format (a count that does not match, a
    /// wrong `bomFormat`…).
    #[error("at {path}: {message}")]
    Invalid {
        /// JSON path of the value.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The class of a [`LoadError::Json`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Not JSON.
    Syntax,
    /// JSON, but a wrong type, a missing field or an invalid value.
    Data,
    /// The input ends in the middle of a value.
    Eof,
}

impl LoadError {
    /// The JSON path the error names, if any.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            LoadError::Json { path, .. } | LoadError::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        LoadError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    fn from_json(path: String, err: serde_json::Error, limit: u64) -> Self {
        use serde_json::error::Category;
        let kind = match err.classify() {
            Category::Io => {
                return if err.io_error_kind() == Some(io::ErrorKind::FileTooLarge) {
                    LoadError::TooLarge { limit }
                } else {
                    LoadError::Io(io::Error::other(err))
                };
            }
            Category::Syntax => JsonErrorKind::Syntax,
            Category::Data => JsonErrorKind::Data,
            Category::Eof => JsonErrorKind::Eof,
        };
        let (line, column) = (err.line(), err.column());
        let mut message = err.to_string();
        let suffix = format!(" at line {line} column {column}");
        if message.ends_with(&suffix) {
            message.truncate(message.len() - suffix.len());
        }
        LoadError::Json {
            path,
            kind,
            message,
            line,
            column,
        }
    }
}

/// A reader that fails with `FileTooLarge` past `limit` bytes.
struct LimitedReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    "input exceeds the size limit",
                )),
            };
        }
        let max = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

fn run<'de, R, S>(
    mut de: serde_json::Deserializer<R>,
    seed: S,
    limit: u64,
) -> Result<S::Value, LoadError>
where
    R: serde_json::de::Read<'de>,
    S: DeserializeSeed<'de>,
{
    let mut track = serde_path_to_error::Track::new();
    let result = seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    match result {
        Ok(value) => {
            de.end()
                .map_err(|e| LoadError::from_json(".".to_owned(), e, limit))?;
            Ok(value)
        }
        Err(e) => Err(LoadError::from_json(track.path().to_string(), e, limit)),
    }
}

/// Deserialises one document from a reader (buffered here), failing past `limit` bytes.
pub(crate) fn from_reader_seed<R: Read, S, T>(
    reader: R,
    limit: u64,
    seed: S,
) -> Result<T, LoadError>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    let reader = BufReader::with_capacity(
        1 << 16,
        LimitedReader {
            inner: reader,
            remaining: limit,
        },
    );
    run(serde_json::Deserializer::from_reader(reader), seed, limit)
}

/// Deserialises one document from bytes, failing if there are more than `limit`.
///
/// The first pass runs without path tracking (which allocates for every key); only when it
/// fails is the document read again by `locate()`'s seed, with tracking, to name the path.
pub(crate) fn from_slice_seed<'de, S>(
    bytes: &'de [u8],
    limit: u64,
    seed: S,
    locate: impl FnOnce() -> S,
) -> Result<S::Value, LoadError>
where
    S: DeserializeSeed<'de>,
{
    if bytes.len() as u64 > limit {
        return Err(LoadError::TooLarge { limit });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let fast = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match fast {
        Ok(v) => Ok(v),
        Err(_) => run(serde_json::Deserializer::from_slice(bytes), locate(), limit),
    }
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    time::Date::from_calendar_date(year, month, day).ok()
}

/// Parses NVD's `YYYY-MM-DDTHH:MM:SS[.fff]` (UTC, no offset); a trailing `Z` is accepted.
pub(crate) fn parse_timestamp(s: &str) -> Option<time::PrimitiveDateTime> {
    let date = parse_date(s.get(..10)?)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix('T')?;
    let rest = rest.strip_suffix('Z').unwrap_or(rest);
    let (hms, frac) = match rest.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let mut it = hms.split(':');
    let mut field = || -> Option<u8> {
        let p = it.next()?;
        if p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let (h, m, sec) = (field()?, field()?, field()?);
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|c| c.is_ascii_digit()) => {
            let n: u32 = f.parse().ok()?;
            n * 10u32.pow(9 - u32::try_from(f.len()).ok()?)
        }
        Some(_) => return None,
        None => 0,
    };
    let t = time::Time::from_hms_nano(h, m, sec, nanos).ok()?;
    Some(time::PrimitiveDateTime::new(date, t))
}

/// serde helpers for dates in the feeds.
pub(crate) mod serde_date {
    use serde::{Deserialize, Deserializer, de::Error};

    pub(crate) fn date<'de, D: Deserializer<'de>>(d: D) -> Result<time::Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_date(&s)
            .ok_or_else(|| D::Error::custom(format!("expected a date YYYY-MM-DD, found {s:?}")))
    }

    pub(crate) fn opt_date<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<time::Date>, D::Error> {
        let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        s.map(|s| {
            super::parse_date(&s)
                .ok_or_else(|| D::Error::custom(format!("expected a date YYYY-MM-DD, found {s:?}")))
        })
        .transpose()
    }

    pub(crate) fn timestamp<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<time::PrimitiveDateTime, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_timestamp(&s).ok_or_else(|| {
            D::Error::custom(format!(
                "expected a timestamp YYYY-MM-DDTHH:MM:SS[.fff], found {s:?}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(parse_date("2021-11-03").is_some());
        assert!(parse_date("2021-13-03").is_none());
        assert!(parse_date("2021-02-30").is_none());
        assert!(parse_date("21-11-03").is_none());
        assert!(parse_date("2021-1a-03").is_none());
        assert!(parse_date("+021-11-03").is_none());
        let t = parse_timestamp("2021-09-16T15:15:07.387").unwrap();
        assert_eq!(t.millisecond(), 387);
        assert!(parse_timestamp("2021-09-16T15:15:07").is_some());
        assert!(parse_timestamp("2021-09-16T25:15:07").is_none());
        assert!(parse_timestamp("2021-09-16 15:15:07").is_none());
        assert!(parse_timestamp("2021-09-16T15:15:07.").is_none());
    }
}
