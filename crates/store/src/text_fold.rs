//! Case and accent folding as SQLite's search index does it, for text SQLite stores folded.
//!
//! The incident search index (FTS5, `tokenize = 'trigram remove_diacritics 1'`) folds what it
//! indexes and what it is asked. A common term is found sooner by walking the list and testing
//! each row than through the index, and that test needs the same folding of the same text,
//! stored beside the row: SQLite's own `lower()` folds ASCII only, so the folding is done here.
//!
//! FTS5 folds each character on its own, by a table of its own (Unicode's simple case folding
//! of an older version, then diacritics off Latin letters: `µ` is `μ`, `ſ` is `s`, `ǖ` is `u`,
//! `Ϳ` stays). `data/search/fts5-fold.txt` is that table, read off SQLite's tokenizer for every
//! character of the Basic Multilingual Plane by the test below, which checks it on every run
//! (`CENTINELA_REGENERATE_FOLD=1` rewrites it after an SQLite upgrade changes the tokenizer).
//! Characters outside the plane are left as they are, as FTS5 does.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../../data/search/fts5-fold.txt");

/// The characters FTS5 changes, and what it makes of each (`None`: it drops the character).
static FOLDS: LazyLock<HashMap<char, Option<char>>> = LazyLock::new(|| parse(TABLE));

fn parse(table: &str) -> HashMap<char, Option<char>> {
    let cp = |h: &str, l: &str| {
        u32::from_str_radix(h, 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or_else(|| panic!("fts5-fold.txt: bad code point in {l:?}"))
    };
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [from, "-"] => (cp(from, l), None),
            [from, to] => (cp(from, l), Some(cp(to, l))),
            _ => panic!("fts5-fold.txt: want two code points in {l:?}"),
        })
        .collect()
}

/// `s` folded as the search index folds it: `"Campaña ÉXITO"` → `"campana exito"`.
pub fn fold(s: &str) -> String {
    s.chars().filter_map(fold_char).collect()
}

fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    FOLDS.get(&c).copied().unwrap_or(Some(c))
}

/// What the search index holds for an incident (title, the draft's description, reference,
/// apart by U+001F as in the index's trigger), folded.
pub fn incident_text(title: &str, draft: &str, reference: &str) -> String {
    let description = serde_json::from_str::<serde_json::Value>(draft)
        .ok()
        .and_then(|d| d.get("description")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    fold(&format!("{title}\u{1f}{description}\u{1f}{reference}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_like_the_trigram_tokenizer() {
        for (text, folded) in [
            ("Intrusión", "intrusion"),
            ("CAMPAÑA", "campana"),
            ("Pingüino ÁÉÍÓÚ", "pinguino aeiou"),
            ("Ça va, Øresund", "ca va, øresund"),
            ("50%_OFF", "50%_off"),
            ("Ǖ µ ſ İ", "u μ s i"),
            // Combining diacritics are dropped.
            ("Accio\u{301}n", "accion"),
            // Outside the Basic Multilingual Plane: left as is.
            ("𝐀b", "𝐀b"),
            ("ΆΘΗΝΑ Москва", "άθηνα москва"),
            ("", ""),
        ] {
            assert_eq!(fold(text), folded, "{text}");
        }
    }

    /// Every character of the Basic Multilingual Plane, tripled, through SQLite's own trigram
    /// tokenizer: the term it indexes is this module's folding of it.
    #[tokio::test]
    async fn agrees_with_sqlite_on_every_bmp_character() {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        for sql in [
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'trigram remove_diacritics 1')",
            "CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')",
            "BEGIN",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        let chars: Vec<char> = (1..=0xFFFF).filter_map(char::from_u32).collect();
        for c in &chars {
            sqlx::query("INSERT INTO t (rowid, body) VALUES ($1, $2)")
                .bind(u32::from(*c))
                .bind(c.to_string().repeat(3))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
        let terms: HashMap<u32, String> =
            sqlx::query_as::<_, (String, u32)>("SELECT term, doc FROM v")
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .into_iter()
                .map(|(term, doc)| (doc, term))
                .collect();
        // What indexes nothing is dropped (some combining diacritics): `a◌́bc` is `abc`.
        let mut theirs: HashMap<char, Option<char>> = HashMap::new();
        for c in &chars {
            let Some(term) = terms.get(&u32::from(*c)) else {
                theirs.insert(*c, None);
                continue;
            };
            let folded: Vec<char> = term.chars().collect();
            assert!(
                folded.len() == 3 && folded.iter().all(|f| *f == folded[0]),
                "U+{:04X} indexed as {term:?}",
                u32::from(*c)
            );
            if folded[0] != *c {
                theirs.insert(*c, Some(folded[0]));
            }
        }
        for (c, dropped) in &theirs {
            if dropped.is_none() {
                let (doc, text) = (0x10_0000 + u32::from(*c), format!("a{c}bc"));
                sqlx::query("INSERT INTO t (rowid, body) VALUES ($1, $2)")
                    .bind(doc)
                    .bind(&text)
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let terms: Vec<(String,)> = sqlx::query_as("SELECT term FROM v WHERE doc = $1")
                    .bind(doc)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                assert_eq!(terms, [("abc".to_string(),)], "{text:?}");
            }
        }
        if std::env::var_os("CENTINELA_REGENERATE_FOLD").is_some() {
            let mut pairs: Vec<_> = theirs.iter().filter(|(c, _)| !c.is_ascii()).collect();
            pairs.sort();
            let mut out = String::from(
                "# What SQLite's FTS5 trigram tokenizer (remove_diacritics 1) makes of each non-ASCII\n\
                 # character of the Basic Multilingual Plane it changes: code point, then the folded\n\
                 # code point, or - where the character is dropped.\n\
                 # Read off the tokenizer by crates/store/src/text_fold.rs's test; do not edit by hand.\n",
            );
            for (from, to) in pairs {
                let to = to.map_or("-".into(), |t| format!("{:04X}", u32::from(t)));
                out.push_str(&format!("{:04X} {to}\n", u32::from(*from)));
            }
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/search/fts5-fold.txt"
            );
            std::fs::write(path, out).unwrap();
            return;
        }
        let mut differ: Vec<String> = chars
            .iter()
            .filter(|c| fold_char(**c) != theirs.get(*c).copied().unwrap_or(Some(**c)))
            .map(|c| format!("U+{:04X} {c}", u32::from(*c)))
            .collect();
        differ.truncate(40);
        assert!(
            differ.is_empty(),
            "fold differs from SQLite's tokenizer on {differ:?}; CENTINELA_REGENERATE_FOLD=1 rewrites the table"
        );
    }

    #[test]
    fn incident_text_is_title_description_reference() {
        for (draft, folded) in [
            (
                r#"{"description":"Correo FALSO","x":1}"#,
                "phishing\u{1f}correo falso\u{1f}cen-2026-000001",
            ),
            (r#"{"x":1}"#, "phishing\u{1f}\u{1f}cen-2026-000001"),
            ("not json", "phishing\u{1f}\u{1f}cen-2026-000001"),
            (
                r#"{"description":7}"#,
                "phishing\u{1f}\u{1f}cen-2026-000001",
            ),
        ] {
            assert_eq!(
                incident_text("Phishing", draft, "CEN-2026-000001"),
                folded,
                "{draft}"
            );
        }
    }
}
