//! CSV records with bounded memory, on top of `csv-core`'s state machine.
//!
//! `csv::Reader` grows its record buffer without limit, so one unbalanced quote could pull
//! the rest of a multi-gigabyte report into memory. Driving `csv-core` ourselves lets us
//! cap a record, skip past an oversized one and keep exact line numbers.

use std::io::{self, Read};

/// Where a record sits in its file: `record` counts CSV records (the header is 1),
/// `line` is the physical line its first byte is on (quoted newlines make them differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    pub record: u64,
    pub line: u64,
}

pub(crate) enum Next {
    /// A record is available through [`RecordReader::field`].
    Record,
    /// A record exceeded the byte or field cap and was skipped.
    TooLarge,
    End,
}

/// Iterator over the text fields of one record.
pub(crate) struct TextFields<'a> {
    all: &'a str,
    ends: &'a [usize],
    start: usize,
}

impl<'a> Iterator for TextFields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let (&end, rest) = self.ends.split_first()?;
        self.ends = rest;
        let s = self.all.get(self.start..end);
        self.start = end;
        s
    }
}

pub(crate) struct RecordReader<R> {
    input: R,
    core: csv_core::Reader,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    started: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
    nfields: usize,
    newlines: u64,
    bytes_read: u64,
    position: Position,
    max_record_bytes: usize,
    max_fields: usize,
}

const READ_CHUNK: usize = 256 * 1024;

impl<R: Read> RecordReader<R> {
    pub(crate) fn new(input: R, max_record_bytes: usize, max_fields: usize) -> Self {
        let core = csv_core::ReaderBuilder::new()
            // A bare CR is not a terminator; the CR of a CRLF pair is stripped per record.
            .terminator(csv_core::Terminator::Any(b'\n'))
            .build();
        RecordReader {
            input,
            core,
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            started: false,
            out: vec![0; 4096],
            ends: vec![0; 64],
            nfields: 0,
            newlines: 0,
            bytes_read: 0,
            position: Position::default(),
            max_record_bytes: max_record_bytes.max(64),
            max_fields: max_fields.max(1),
        }
    }

    /// Bytes consumed from the input so far (for progress bars).
    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    pub(crate) fn position(&self) -> Position {
        self.position
    }

    pub(crate) fn field_count(&self) -> usize {
        self.nfields
    }

    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.out[start..self.ends[i]]
    }

    /// The current record's fields as text, or the index of the first field that is not
    /// UTF-8. Validates the record once rather than field by field.
    pub(crate) fn text_fields(&self) -> Result<TextFields<'_>, usize> {
        let n = self.nfields;
        let end = if n == 0 { 0 } else { self.ends[n - 1] };
        if let Ok(all) = std::str::from_utf8(&self.out[..end])
            && self.ends[..n].iter().all(|&e| all.is_char_boundary(e))
        {
            return Ok(TextFields {
                all,
                ends: &self.ends[..n],
                start: 0,
            });
        }
        Err((0..n)
            .find(|&i| std::str::from_utf8(self.field(i)).is_err())
            .unwrap_or(0))
    }

    fn fill(&mut self) -> io::Result<()> {
        // Move an unread tail (only non-empty while checking for a BOM) to the front.
        self.buf.copy_within(self.pos..self.len, 0);
        self.len -= self.pos;
        self.pos = 0;
        loop {
            match self.input.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len += n;
                    self.bytes_read += n as u64;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn skip_bom(&mut self) -> io::Result<()> {
        while self.len - self.pos < 3 && !self.eof {
            self.fill()?;
        }
        if self.buf[self.pos..self.len].starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos += 3;
        }
        self.started = true;
        Ok(())
    }

    pub(crate) fn next_record(&mut self) -> io::Result<Next> {
        use csv_core::ReadRecordResult as R;
        if !self.started {
            self.skip_bom()?;
        }
        let mut outlen = 0;
        let mut endlen = 0;
        let mut skipping = false;
        let start_newlines = self.newlines;
        loop {
            if self.pos == self.len && !self.eof {
                self.fill()?;
            }
            let input = &self.buf[self.pos..self.len];
            let at_eof = input.is_empty();
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            self.newlines += input[..nin].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos += nin;
            outlen += nout;
            endlen += nend;
            match res {
                R::InputEmpty => {}
                R::OutputFull => {
                    if skipping || self.out.len() >= self.max_record_bytes {
                        skipping = true;
                        outlen = 0;
                    } else {
                        let n = (self.out.len() * 2).min(self.max_record_bytes);
                        self.out.resize(n, 0);
                    }
                }
                R::OutputEndsFull => {
                    if skipping || self.ends.len() >= self.max_fields {
                        skipping = true;
                        endlen = 0;
                    } else {
                        let n = (self.ends.len() * 2).min(self.max_fields);
                        self.ends.resize(n, 0);
                    }
                }
                R::Record => {
                    let last_line = if at_eof {
                        self.newlines + 1
                    } else {
                        self.newlines
                    };
                    self.position.record += 1;
                    if skipping {
                        // Where it started (blank lines before it, if any, are not subtracted).
                        self.position.line = (start_newlines + 1).min(last_line);
                        self.nfields = 0;
                        return Ok(Next::TooLarge);
                    }
                    self.nfields = endlen;
                    let inner = self.out[..outlen].iter().filter(|&&b| b == b'\n').count() as u64;
                    self.position.line = last_line.saturating_sub(inner);
                    // Strip the CR of a CRLF terminator from the last field.
                    if endlen > 0 && outlen > 0 && self.out[self.ends[endlen - 1] - 1] == b'\r' {
                        let start = if endlen == 1 {
                            0
                        } else {
                            self.ends[endlen - 2]
                        };
                        if self.ends[endlen - 1] > start {
                            self.ends[endlen - 1] -= 1;
                        }
                    }
                    return Ok(Next::Record);
                }
                R::End => return Ok(Next::End),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outcome = Result<(Vec<String>, u64, u64), (u64, u64)>;

    fn records(input: &[u8], cap: usize) -> Vec<Outcome> {
        let mut r = RecordReader::new(input, cap, 1000);
        let mut v = Vec::new();
        loop {
            match r.next_record().unwrap() {
                Next::Record => {
                    let f = (0..r.field_count())
                        .map(|i| String::from_utf8_lossy(r.field(i)).into_owned())
                        .collect();
                    v.push(Ok((f, r.position().record, r.position().line)));
                }
                Next::TooLarge => v.push(Err((r.position().record, r.position().line))),
                Next::End => return v,
            }
        }
    }

    fn ok(fields: &[&str], record: u64, line: u64) -> Outcome {
        Ok((fields.iter().map(|s| s.to_string()).collect(), record, line))
    }

    #[test]
    fn table() {
        let big = format!("a\n\"{}\"\nb\n", "x".repeat(10_000));
        let cases: Vec<(&str, &[u8], Vec<_>)> = vec![
            (
                "plain LF",
                b"a,b\n1,2\n",
                vec![ok(&["a", "b"], 1, 1), ok(&["1", "2"], 2, 2)],
            ),
            (
                "CRLF",
                b"a,b\r\n1,2\r\n",
                vec![ok(&["a", "b"], 1, 1), ok(&["1", "2"], 2, 2)],
            ),
            (
                "no final newline",
                b"a\n1",
                vec![ok(&["a"], 1, 1), ok(&["1"], 2, 2)],
            ),
            (
                "BOM stripped",
                b"\xEF\xBB\xBFa,b\n",
                vec![ok(&["a", "b"], 1, 1)],
            ),
            ("bare CR is data", b"a\rb\n", vec![ok(&["a\rb"], 1, 1)]),
            (
                "quoted comma and newline",
                b"a,b\n\"x,y\",\"p\nq\"\nz,w\n",
                vec![
                    ok(&["a", "b"], 1, 1),
                    ok(&["x,y", "p\nq"], 2, 2),
                    ok(&["z", "w"], 3, 4),
                ],
            ),
            (
                "quoted CRLF last field",
                b"a,\"b\"\r\n",
                vec![ok(&["a", "b"], 1, 1)],
            ),
            ("empty input", b"", vec![]),
            (
                "too large skipped",
                big.as_bytes(),
                vec![ok(&["a"], 1, 1), Err((2, 2)), ok(&["b"], 3, 3)],
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(records(input, 1024), want, "{name}");
        }
    }

    #[test]
    fn small_reads_keep_bom_and_lines() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let mut r = RecordReader::new(OneByte(b"\xEF\xBB\xBFh\n\"a\nb\"\nc\n"), 1024, 10);
        let mut got = Vec::new();
        while let Next::Record = r.next_record().unwrap() {
            got.push((r.field(0).to_vec(), r.position().line));
        }
        assert_eq!(
            got,
            vec![
                (b"h".to_vec(), 1),
                (b"a\nb".to_vec(), 2),
                (b"c".to_vec(), 4)
            ]
        );
    }
}
