//! The e-seal service: institutions seal documents (detached CAdES-B-T `.p7s`), anyone
//! verifies a document against a seal, and official notices carry sealed registered-delivery
//! evidence.
//!
//! Keys: a sealing CA issues, for every seal, a certificate naming the institution for a fresh
//! P-256 key that is used once and dropped (the Sigstore/Fulcio pattern). No institution
//! private key is stored anywhere, so none can leak or be misused later; the certificate, the
//! time-stamp from our TSA and the log entry together say who sealed what, and when. The CA
//! key is a file (PKCS#8 PEM): `--seal-ca-key` and `--seal-ca-chain` in production, made on
//! first start for the demo.

use axum::extract::multipart::Field;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use trust::Certificate;
use trust::cades::{self, SealReport};
use trust::cert::{self, Identity, Profile};
use trust::evidence::{self, Evidence};
use trust::key::{self, SigningKey};
use trust::tsp::TimeStampAuthority;

use crate::error::ApiError;
use axum::http::StatusCode;

/// How long a per-seal certificate stays valid: long enough that common verifiers (which
/// check validity now, not at the time-stamp) accept the seal for years.
const SEAL_CERT_LIFETIME: Duration = Duration::from_secs(5 * 365 * 24 * 3600);
/// Name of the platform as the issuer of registered-delivery evidence.
pub const ERDS_NAME: &str = "Centinela ERDS";

#[derive(Debug, thiserror::Error)]
pub enum SealSetupError {
    #[error("{0}")]
    Trust(#[from] trust::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The sealing CA, the TSA that stamps every seal, and the roots verifiers trust.
pub struct SealAuthority {
    ca: Identity,
    tsa: Arc<TimeStampAuthority>,
    roots: Vec<Certificate>,
}

impl std::fmt::Debug for SealAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealAuthority")
            .field("ca", &cert::subject(self.ca.certificate()))
            .finish()
    }
}

fn last_of(identity: &Identity) -> Certificate {
    identity
        .chain()
        .last()
        .unwrap_or(identity.certificate())
        .clone()
}

impl SealAuthority {
    pub fn new(ca: Identity, tsa: Arc<TimeStampAuthority>) -> Self {
        let mut roots = vec![last_of(&ca)];
        let tsa_root = last_of(tsa.identity());
        if !roots.contains(&tsa_root) {
            roots.push(tsa_root);
        }
        SealAuthority { ca, tsa, roots }
    }

    /// Loads a production sealing CA (PKCS#8 PEM key, PEM chain).
    pub fn load(
        key: &Path,
        chain: &Path,
        tsa: Arc<TimeStampAuthority>,
    ) -> Result<Arc<Self>, SealSetupError> {
        Ok(Arc::new(Self::new(
            Identity::from_pem_files(key, chain)?,
            tsa,
        )))
    }

    /// The development sealing CA in `dir` (`seal-ca.key`, `seal-ca.pem`), made on first
    /// start.
    pub fn development(
        dir: &Path,
        tsa: Arc<TimeStampAuthority>,
    ) -> Result<Arc<Self>, SealSetupError> {
        let key_path = dir.join("seal-ca.key");
        let chain_path = dir.join("seal-ca.pem");
        if !key_path.exists() {
            let io = |p: &Path| {
                let path = p.display().to_string();
                move |source| SealSetupError::Io { path, source }
            };
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            let (key, pkcs8) = SigningKey::generate()?;
            let ca = Identity::self_signed_root(
                "CN=Centinela Development Seal CA,O=Centinela",
                key,
                Duration::from_secs(10 * 365 * 24 * 3600),
            )?;
            write_new(&chain_path, &ca.certificate_chain_pem(), false).map_err(io(&chain_path))?;
            write_new(&key_path, &key::pkcs8_to_pem(&pkcs8)?, true).map_err(io(&key_path))?;
        }
        Self::load(&key_path, &chain_path, tsa)
    }

    /// The roots a verifier trusts (sealing CA and TSA), as PEM: what `openssl cms -verify
    /// -CAfile` needs.
    pub fn roots_pem(&self) -> String {
        self.roots.iter().map(cert::pem).collect()
    }

    /// Seals the document with this SHA-256 in the name of `organization`, at `now`.
    pub fn seal(
        &self,
        organization: &str,
        document_sha256: [u8; 32],
        now: SystemTime,
    ) -> Result<Vec<u8>, trust::Error> {
        let (key, _) = SigningKey::generate()?;
        let name = subject_safe(organization);
        let certificate = self.ca.issue(
            &format!("CN={name} E-Seal,O={name}"),
            &key,
            Profile::Seal,
            SEAL_CERT_LIFETIME,
        )?;
        let chain = std::iter::once(self.ca.certificate().clone())
            .chain(self.ca.chain().iter().cloned())
            .collect();
        let identity = Identity::new(key, certificate, chain)?;
        cades::seal_digest(&identity, &self.tsa, document_sha256, now)
    }

    /// Verifies a seal against a document's SHA-256, trusting our roots.
    pub fn verify(&self, seal: &[u8], document_sha256: &[u8; 32]) -> SealReport {
        cades::verify_digest(seal, document_sha256, &self.roots)
    }

    /// Encodes and seals registered-delivery evidence.
    pub fn seal_evidence(
        &self,
        e: &Evidence,
        now: SystemTime,
    ) -> Result<(Vec<u8>, Vec<u8>), trust::Error> {
        let canonical = e.canonical()?;
        let seal = self.seal(ERDS_NAME, sha256(&canonical), now)?;
        // Parsing back proves the stored text is canonical.
        evidence::Evidence::from_canonical(&canonical)?;
        Ok((canonical, seal))
    }
}

/// RFC 4514 special characters have no place in our subject names: replace them.
fn subject_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, ',' | '=' | '+' | '\\' | '"' | '<' | '>' | ';' | '#') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if trimmed.is_empty() {
        "Institution".into()
    } else {
        trimmed.chars().take(60).collect()
    }
}

fn write_new(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options.open(path)?.write_all(text.as_bytes())
}

pub use tlog::hash::{sha256, to_hex as hex};

/// Parses 64 hex digits (either case).
pub fn parse_sha256_hex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Largest seal accepted for verification (ours are about 2 KiB).
pub const MAX_SEAL_LEN: usize = 64 * 1024;

/// Hashes a streamed multipart field, refusing more than `limit` bytes.
pub async fn hash_field(mut field: Field<'_>, limit: u64) -> Result<([u8; 32], u64), ApiError> {
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|_| multipart_broken())? {
        n += chunk.len() as u64;
        if n > limit {
            return Err(too_large());
        }
        h.update(&chunk);
    }
    Ok((h.finalize().into(), n))
}

/// Reads a small multipart field whole.
pub async fn small_field(mut field: Field<'_>, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| multipart_broken())? {
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err-too-large")
}

fn multipart_broken() -> ApiError {
    ApiError::bad_request("err-multipart").arg("detail", "")
}

/// A seal as uploaded: DER, or PEM (`-----BEGIN PKCS7-----` / `CMS`), or base64 of DER.
pub fn decode_seal(bytes: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    if bytes.first() == Some(&0x30) {
        return Some(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()
        .filter(|d| d.first() == Some(&0x30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_names_are_made_safe() {
        for (given, expected) in [
            ("Secretaría de Salud", "Secretaría de Salud"),
            ("Banco, S.A.", "Banco S.A."),
            ("a=b+c", "a b c"),
            ("   ", "Institution"),
        ] {
            assert_eq!(subject_safe(given), expected);
        }
    }

    #[test]
    fn sha256_hex_round_trips_and_rejects_junk() {
        let d = sha256(b"x");
        assert_eq!(parse_sha256_hex(&hex(&d)), Some(d));
        assert_eq!(parse_sha256_hex(&hex(&d).to_uppercase()), Some(d));
        for bad in ["", "zz", &"g".repeat(64), &"a".repeat(63), &"é".repeat(32)] {
            assert_eq!(parse_sha256_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn seals_decode_from_der_pem_and_base64() {
        let der = vec![0x30, 0x03, 0x02, 0x01, 0x01];
        assert_eq!(decode_seal(&der), Some(der.clone()));
        let b64 = "MAMCAQE=";
        assert_eq!(decode_seal(b64.as_bytes()), Some(der.clone()));
        let pem = format!("-----BEGIN PKCS7-----\n{b64}\n-----END PKCS7-----\n");
        assert_eq!(decode_seal(pem.as_bytes()), Some(der));
        assert_eq!(decode_seal(b"hello"), None);
    }
}
