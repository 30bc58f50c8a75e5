//! Small shared types: texts in both interface languages, and positions in source files.

use serde::{Deserialize, Serialize};

/// A text in the two interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub es: String,
    pub en: String,
}

impl Localized {
    /// The text for a language tag (`es`, `es-MX`, `en`…); Spanish is the default.
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.es
        }
    }
}

/// 1-based line and column of a byte offset in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let text = "a = 1\nbé = 2\n";
        let cases = [
            (0, (1, 1)),
            (4, (1, 5)),
            (6, (2, 1)),
            (10, (2, 4)),
            (999, (3, 1)),
        ];
        for (offset, expected) in cases {
            assert_eq!(line_col(text, offset), expected, "{offset}");
        }
    }

    #[test]
    fn language_fallback() {
        let l = Localized {
            es: "hola".into(),
            en: "hello".into(),
        };
        assert_eq!(l.get("en-GB"), "hello");
        assert_eq!(l.get("es-MX"), "hola");
        assert_eq!(l.get("fr"), "hola");
    }
}
