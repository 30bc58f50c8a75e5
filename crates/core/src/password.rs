//! Password policy (OWASP ASVS 4.0.3 V2.1): length, not composition.

use crate::validate::FieldError;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// A few of the most common passwords of at least twelve characters; a deployment that needs
/// a full breached-password list can load one beside this.
const COMMON: &[&str] = &[
    "123456789012",
    "password1234",
    "passwordpassword",
    "qwertyuiopas",
    "contraseña123",
    "contrasena123",
    "administrador",
    "centinela123",
    "111111111111",
    "aaaaaaaaaaaa",
];

pub fn check(field: &str, password: &str, email: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(FieldError::new(field, "err-password-short").arg("min", MIN_LEN));
    }
    if n > MAX_LEN {
        return Err(FieldError::new(field, "err-too-long").arg("max", MAX_LEN));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || lower == email.to_lowercase() {
        return Err(FieldError::new(field, "err-password-common"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let long = "x".repeat(129);
        let cases = [
            ("short", Some("err-password-short")),
            ("exactly12chr", None),
            ("una frase larga y fácil de recordar", None),
            (long.as_str(), Some("err-too-long")),
            ("Password1234", Some("err-password-common")),
            ("ana@sat.gob.mx", Some("err-password-common")),
        ];
        for (pw, expected) in cases {
            assert_eq!(
                check("password", pw, "ana@sat.gob.mx").err().map(|e| e.key),
                expected,
                "{pw}"
            );
        }
    }
}
