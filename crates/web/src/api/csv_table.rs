//! CSV import and export shared by the inventory tables (software, assets, digital services)
//! and networks: documented columns matched by header name (case, spaces and a byte-order
//! mark ignored, so a spreadsheet's export reads), every problem reported with its line, and
//! the same writer for exports so that an export imports back unchanged.

use crate::error::{ApiError, field_message};
use crate::i18n::Lang;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use centinela_core::validate::FieldError;
use serde::{Deserialize, Serialize};

/// Most rows one import may carry.
pub const MAX_ROWS: usize = 50_000;

/// The documented columns of one table.
pub struct Columns {
    /// Every column, in export order.
    pub all: &'static [&'static str],
    /// Columns the header must name.
    pub required: &'static [&'static str],
    /// Other accepted header names: (alias, column).
    pub aliases: &'static [(&'static str, &'static str)],
}

impl Columns {
    fn header_error(&self) -> Vec<FieldError> {
        vec![FieldError::new("csv", "err-csv-header").arg("columns", self.all.join(","))]
    }
}

/// One data record, read by column name.
pub struct Row<'a> {
    /// The record's line in the file.
    pub line: u64,
    record: &'a csv::StringRecord,
    index: &'a [(&'static str, usize)],
}

impl Row<'_> {
    /// The cell of `column` (trimmed), or empty when the file has no such column.
    pub fn get(&self, column: &str) -> &str {
        self.index
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, i)| self.record.get(*i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// A yes/no cell: empty is no; `true/false`, `yes/no`, `sí/no` and `1/0` are accepted.
    pub fn flag(&self, column: &str, errors: &mut Vec<FieldError>) -> bool {
        match self.get(column).to_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "sí" | "si" | "1" => true,
            _ => {
                errors.push(FieldError::new(column, "err-csv-flag"));
                false
            }
        }
    }
}

/// A row that failed, with its line in the file (from 1, the header being line 1), or its item
/// number in a JSON array.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// What a file held: the valid rows and the problems of the others.
pub struct Parsed<T> {
    pub rows: Vec<T>,
    errors: Vec<(u64, FieldError)>,
}

impl<T> Parsed<T> {
    /// Rows with at least one problem.
    pub fn rejected(&self) -> usize {
        let mut lines: Vec<u64> = self.errors.iter().map(|(l, _)| *l).collect();
        lines.dedup();
        lines.len()
    }

    /// The valid rows, or (the default for imports: nothing half-imported) every problem as
    /// a field error named after its line.
    pub fn all_or_nothing(self) -> Result<Vec<T>, Vec<FieldError>> {
        if self.errors.is_empty() {
            return Ok(self.rows);
        }
        Err(self
            .errors
            .into_iter()
            .map(|(line, e)| FieldError {
                field: format!("line {line}: {}", e.field),
                ..e
            })
            .collect())
    }

    /// The problems in the caller's language, for an import that keeps the valid rows.
    pub fn row_errors(&self, lang: Lang) -> Vec<RowError> {
        self.errors
            .iter()
            .map(|(line, e)| RowError {
                line: *line as usize,
                field: e.field.clone(),
                message: field_message(lang, e),
            })
            .collect()
    }
}

/// What reading a file gives: its rows and their problems, or why the file is unusable.
pub type ReadResult<T> = Result<Parsed<T>, Vec<FieldError>>;

/// Reads a CSV with `columns`, turning each record into a `T` with `check`. Fails as a
/// whole only when the header is unusable; row problems are collected with their lines.
pub fn read<T>(
    bytes: &[u8],
    columns: &Columns,
    mut check: impl FnMut(&Row) -> Result<T, Vec<FieldError>>,
) -> ReadResult<T> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| columns.header_error())?
        .iter()
        .map(|s| s.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let index: Vec<(&'static str, usize)> = columns
        .all
        .iter()
        .filter_map(|c| {
            let alias = columns
                .aliases
                .iter()
                .filter(|(_, to)| to == c)
                .map(|(from, _)| *from);
            std::iter::once(*c)
                .chain(alias)
                .find_map(|name| headers.iter().position(|h| h == name))
                .map(|i| (*c, i))
        })
        .collect();
    if columns
        .required
        .iter()
        .any(|r| !index.iter().any(|(c, _)| c == r))
    {
        return Err(columns.header_error());
    }
    let mut parsed = Parsed {
        rows: vec![],
        errors: vec![],
    };
    let mut record = csv::StringRecord::new();
    // Lines are counted here from byte offsets: after a CRLF the reader places the next record
    // at the LF (and its own line count one short), so the byte at the offset counts too.
    let mut counted = (0usize, 1u64);
    let mut line_at = |offset: u64| {
        let offset = (offset as usize + 1).min(bytes.len());
        if offset > counted.0 {
            let newlines = bytes[counted.0..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted = (offset, counted.1 + newlines as u64);
        }
        counted.1
    };
    loop {
        let start = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_at(record.position().map_or(start, |p| p.byte()));
                match check(&Row {
                    line,
                    record: &record,
                    index: &index,
                }) {
                    Ok(row) => parsed.rows.push(row),
                    Err(es) => parsed.errors.extend(es.into_iter().map(|e| (line, e))),
                }
            }
            Err(e) => {
                let line = line_at(e.position().map_or(start, |p| p.byte()));
                parsed.errors.push((
                    line,
                    FieldError::new("csv", "err-csv-row").arg("line", line),
                ));
                // Bad bytes or a wrong number of cells spoil one record; only a read
                // failure ends the file.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
        if parsed.rows.len() + parsed.errors.len() > MAX_ROWS {
            return Err(vec![
                FieldError::new("csv", "err-too-many").arg("max", MAX_ROWS),
            ]);
        }
    }
    Ok(parsed)
}

/// Writes `rows` under the header `columns`.
pub fn write<R, I, S>(columns: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = I>,
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(vec![]);
    // Writing to memory cannot fail.
    let _ = w.write_record(columns);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A yes/no cell as exports write it.
pub fn flag(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

/// A CSV download named `filename`.
pub fn attachment(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Refuses a body that is not `text/csv`.
pub fn require_csv(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if media.starts_with("text/csv") {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-csv-media-type",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: Columns = Columns {
        all: &["name", "flag"],
        required: &["name"],
        aliases: &[("nombre", "name")],
    };

    fn names(bytes: &[u8]) -> ReadResult<(u64, String, bool)> {
        read(bytes, &COLUMNS, |row| {
            let mut errors = vec![];
            let flag = row.flag("flag", &mut errors);
            if row.get("name").is_empty() {
                errors.push(FieldError::new("name", "err-required"));
            }
            if errors.is_empty() {
                Ok((row.line, row.get("name").to_string(), flag))
            } else {
                Err(errors)
            }
        })
    }

    fn problems(p: Parsed<(u64, String, bool)>) -> Vec<String> {
        p.all_or_nothing()
            .unwrap_err()
            .into_iter()
            .map(|e| format!("{} {}", e.field, e.key))
            .collect()
    }

    #[test]
    fn headers_by_name_with_bom_alias_case_and_crlf() {
        let p = names(b"\xef\xbb\xbfFLAG , Nombre\r\nsi,\"a, b\"\r\n,c\r\n").unwrap();
        assert_eq!(
            p.all_or_nothing().unwrap(),
            [(2, "a, b".to_string(), true), (3, "c".to_string(), false)]
        );
        let p = names(b"name,flag\r\n\"x\r\ny\",1\r\n,maybe\r\nz,1\r\n").unwrap();
        assert_eq!(p.rows[0].0, 2);
        assert_eq!(p.rows[1].0, 5);
        assert_eq!(
            problems(p),
            ["line 4: flag err-csv-flag", "line 4: name err-required"]
        );
    }

    #[test]
    fn unusable_files_are_refused_whole() {
        for bytes in [&b""[..], b"flag\nyes\n", b"\n"] {
            let e = names(bytes).err().expect("refused");
            assert_eq!(e[0].key, "err-csv-header", "{bytes:?}");
            assert_eq!(e[0].args[0].1, "name,flag");
        }
    }

    #[test]
    fn bad_rows_are_named_by_line_and_the_rest_read_on() {
        let bytes = b"name,flag\nok,true\n\xff\xfe,true\nshort\n,maybe\n\"quoted\nacross lines\",0\nlast,1\n";
        let p = names(bytes).unwrap();
        assert_eq!(p.rejected(), 3);
        assert_eq!(p.rows.len(), 3, "ok, the quoted one, last");
        assert_eq!(p.rows[1].1, "quoted\nacross lines");
        assert_eq!(p.rows[2].0, 8, "a quoted newline counts as a line");
        assert_eq!(
            problems(p),
            [
                "line 3: csv err-csv-row",
                "line 4: csv err-csv-row",
                "line 5: flag err-csv-flag",
                "line 5: name err-required"
            ]
        );
    }

    #[test]
    fn export_reads_back() {
        let out = write(
            &["name", "flag"],
            [["a \"b\", c", flag(true)], ["d", flag(false)]],
        );
        let p = names(out.as_bytes()).unwrap();
        let rows: Vec<_> = p.rows.into_iter().map(|r| (r.1, r.2)).collect();
        assert_eq!(
            rows,
            [("a \"b\", c".to_string(), true), ("d".to_string(), false)]
        );
    }
}
