//! Field-level validation errors that the interface translates.
//!
//! A rule returns the field's name and a message key (a Fluent id with arguments), never a
//! sentence: the web layer renders it in the user's language.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// Fluent message id, e.g. `err-too-long`.
    pub key: &'static str,
    /// Fluent arguments, e.g. `("max", "200")`.
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: &str, key: &'static str) -> Self {
        FieldError {
            field: field.to_string(),
            key,
            args: vec![],
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// Collects every failing field of a form, so the user sees all problems at once.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    /// Required text, trimmed, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        let v = value.trim();
        if v.is_empty() {
            self.0.push(FieldError::new(field, "err-required"));
        } else {
            self.optional_text(field, v, max);
        }
    }

    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.0
                .push(FieldError::new(field, "err-too-long").arg("max", max));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.0.push(FieldError::new(field, "err-control-chars"));
        }
    }

    pub fn email(&mut self, field: &str, value: &str) {
        if !is_email(value) {
            self.0.push(FieldError::new(field, "err-email"));
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// A deliberately plain address check: one `@`, a dotted domain, no spaces or angle brackets
/// (which would allow header injection in mail later).
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 254
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
    {
        return false;
    }
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && domain.split('.').all(|l| !l.is_empty() && l.len() <= 63)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let cases = [
            ("ana@sat.gob.mx", true),
            ("a.b+c@x.example", true),
            ("no-at.example", false),
            ("a@b", false),
            ("a@@b.mx", false),
            ("a b@c.mx", false),
            ("a@c.mx\r\nBcc: x@y.z", false),
            ("<a@c.mx>", false),
            ("a@.mx", false),
        ];
        for (input, ok) in cases {
            assert_eq!(is_email(input), ok, "{input}");
        }
    }

    #[test]
    fn text_rules() {
        let mut c = Checks::default();
        c.text("name", "  ", 10);
        c.text("acronym", "ABCDEFGHIJK", 10);
        c.text("ok", "SAT", 10);
        c.optional_text("note", "bell\u{7}", 10);
        let keys: Vec<_> = c.0.iter().map(|e| (e.field.as_str(), e.key)).collect();
        assert_eq!(
            keys,
            [
                ("name", "err-required"),
                ("acronym", "err-too-long"),
                ("note", "err-control-chars")
            ]
        );
    }
}
