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
    /// Use [`RecordReader::simple_record`] where it applies (off only to test it).
    fast: bool,
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
            fast: true,
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
        if self.fast
            && let Some((consumed, outlen, endlen)) = self.simple_record()
        {
            self.pos += consumed;
            self.newlines += 1;
            self.position.record += 1;
            self.finish_record(outlen, endlen, self.newlines);
            return Ok(Next::Record);
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
            self.newlines += count_newlines(&input[..nin]);
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
                    self.finish_record(outlen, endlen, last_line);
                    return Ok(Next::Record);
                }
                R::End => return Ok(Next::End),
            }
        }
    }

    /// Sets the field count and line of a record whose fields are in `out`/`ends`, and strips
    /// the CR of a CRLF terminator from its last field.
    fn finish_record(&mut self, outlen: usize, endlen: usize, last_line: u64) {
        self.nfields = endlen;
        let inner = count_newlines(&self.out[..outlen]);
        self.position.line = last_line.saturating_sub(inner);
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
    }

    /// The common record, read without the state machine: one whole line in the buffer whose
    /// fields are unquoted without quotes in them, or quoted without doubled quotes or line
    /// breaks. Returns (input bytes consumed, output length, field count), or `None` for
    /// anything else (blank lines, CR after a closing quote, caps, a line cut by the buffer),
    /// which then goes to csv-core from the same point: both read such a record alike
    /// (`fast_path_agrees_with_csv_core` checks it on random input).
    fn simple_record(&mut self) -> Option<(usize, usize, usize)> {
        let input = &self.buf[self.pos..self.len];
        let end = memchr::memchr(b'\n', input)?;
        let line = &input[..end];
        // Half the cap: csv-core, growing its buffer by doubling, takes such a record whole too.
        if line.is_empty() || line == b"\r" || line.len() > self.max_record_bytes / 2 {
            return None;
        }
        if self.out.len() < line.len() {
            self.out.resize(line.len().next_power_of_two(), 0);
        }
        let mut outlen = 0;
        let mut nfields = 0;
        let mut i = 0;
        loop {
            if nfields == self.ends.len() {
                if nfields >= self.max_fields {
                    return None;
                }
                let n = (self.ends.len() * 2).min(self.max_fields);
                self.ends.resize(n, 0);
            }
            let rest = &line[i..];
            let (field, next) = if rest.first() == Some(&b'"') {
                // Fields are short: a plain loop beats memchr's per-call setup here.
                let close = rest[1..].iter().position(|&b| b == b'"')? + 1;
                match rest.get(close + 1) {
                    None => (&rest[1..close], None),
                    Some(b',') => (&rest[1..close], Some(i + close + 2)),
                    Some(_) => return None,
                }
            } else {
                match rest.iter().position(|&b| b == b',' || b == b'"') {
                    None => (rest, None),
                    Some(c) if rest[c] == b',' => (&rest[..c], Some(i + c + 1)),
                    Some(_) => return None,
                }
            };
            self.out[outlen..outlen + field.len()].copy_from_slice(field);
            outlen += field.len();
            self.ends[nfields] = outlen;
            nfields += 1;
            match next {
                Some(n) => i = n,
                None => return Some((end + 1, outlen, nfields)),
            }
        }
    }
}

/// Line feeds in `b`; memchr skips the usual record's single one in a few vector steps.
fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
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

    /// Hands out its input in pieces of pseudo-random size (1..=max), so records cross reads.
    struct Pieces<'a> {
        data: &'a [u8],
        state: u64,
        max: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            let n = (1 + self.state as usize % self.max)
                .min(buf.len())
                .min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn read_all(input: &[u8], fast: bool, cap: usize, fields: usize, piece: usize) -> Vec<Outcome> {
        let src = Pieces {
            data: input,
            state: 0x9E37_79B9_7F4A_7C15,
            max: piece,
        };
        let mut r = RecordReader::new(src, cap, fields);
        r.fast = fast;
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

    #[test]
    fn fast_path_agrees_with_csv_core() {
        // Bytes that matter to CSV, weighted towards ordinary text.
        const ALPHABET: &[u8] = b"aaaabbbc,,,,\"\"\"\n\n\r \xc3";
        let mut state = 42u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..6_000 {
            let len = (next() % 120) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            let (cap, fields) = if case % 3 == 0 {
                (64, 4)
            } else {
                (1 << 20, 4096)
            };
            for piece in [1, 7, 4096] {
                assert_eq!(
                    read_all(&input, true, cap, fields, piece),
                    read_all(&input, false, cap, fields, piece),
                    "input {:?}, cap {cap}, fields {fields}, reads of up to {piece}",
                    String::from_utf8_lossy(&input)
                );
            }
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
