//! Trust services of Centinela: an RFC 3161 time-stamping authority (with
//! the RFC 5816 ESSCertIDv2 profile), CAdES-B-T e-seals over documents, and
//! sealed registered-delivery evidence (ETSI EN 319 522 event names).
//!
//! Everything here is a library over bytes: no database, no web server, no
//! clock other than the one passed in or `SystemTime::now()`. The web crate
//! serves `POST /tsa` with [`tsp::TimeStampAuthority::respond`] and
//! `GET /tsa/certificate` with
//! [`tsp::TimeStampAuthority::certificate_chain_pem`]. The transparency log
//! lives in the `tlog` crate; this crate only produces its
//! [`tlog::Entry`] statements.
//!
//! Signatures are ECDSA P-256 with SHA-256 (ring); DER goes through
//! RustCrypto's `der`, `x509-cert` and `cms` types.
//!
//! ```
//! use trust::cert::DevelopmentPki;
//! use trust::tsp::{self, HashAlgorithm, TimeStampAuthority, TimeStampRequest, TsaConfig};
//!
//! let pki = DevelopmentPki::generate("Centinela").unwrap();
//! let tsa = TimeStampAuthority::new(pki.tsa, TsaConfig::default()).unwrap();
//! let digest = HashAlgorithm::Sha256.digest(b"incident report v3");
//! let request = TimeStampRequest::new(HashAlgorithm::Sha256, &digest)
//!     .unwrap()
//!     .with_nonce(&[0x2a; 8])
//!     .unwrap()
//!     .with_cert_req(true)
//!     .to_der()
//!     .unwrap();
//! let response = tsa.respond(&request);
//! let token = tsp::parse_response(&response.der).unwrap();
//! let verified = tsp::verify_token(&token, &[], &[pki.root]).unwrap();
//! assert_eq!(verified.hashed_message, digest);
//! ```

pub use x509_cert::Certificate;

pub mod cades;
pub mod cert;
mod cms;
pub mod evidence;
pub mod key;
pub mod oid;
pub mod tsp;

/// Errors of the trust services.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A private key could not be generated or loaded.
    #[error("key: {0}")]
    Key(String),
    /// A certificate is unusable for its purpose.
    #[error("certificate: {0}")]
    Certificate(String),
    /// A PEM file is malformed or holds the wrong kind of block.
    #[error("PEM: {0}")]
    Pem(String),
    /// DER encoding or decoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// A digest has the wrong length for its algorithm.
    #[error("digest: {0}")]
    Digest(String),
    /// The signing key refused to sign (randomness failure).
    #[error("signing failed")]
    Signing,
    /// A file could not be read or written.
    #[error("I/O: {0}")]
    Io(String),
    /// Evidence fields are invalid.
    #[error("evidence: {0}")]
    Evidence(String),
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .try_into()
        .expect("32 bytes")
}
