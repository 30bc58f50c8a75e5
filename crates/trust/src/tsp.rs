//! RFC 3161 Time-Stamp Protocol with the RFC 5816 ESSCertIDv2 update: the
//! request and response structures, the authority that answers requests,
//! and a token verifier.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::content_info::ContentInfo;
use der::asn1::{Any, BitString, GeneralizedTime, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use crate::cert::{self, Identity};
use crate::{Error, cms as cms_sd, oid, sha256};

/// Largest request accepted, in bytes. A SHA-512 request with a 20-byte
/// nonce and a policy is under 120 bytes; 4 KiB leaves room for extensions
/// (which we refuse with their own failure code).
pub const MAX_REQUEST_LEN: usize = 4096;

/// HTTP content type of requests (RFC 3161 §3.4).
pub const CONTENT_TYPE_QUERY: &str = "application/timestamp-query";
/// HTTP content type of replies (RFC 3161 §3.4).
pub const CONTENT_TYPE_REPLY: &str = "application/timestamp-reply";

/// Hash algorithms accepted in a message imprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => oid::ID_SHA256,
            Self::Sha384 => oid::ID_SHA384,
            Self::Sha512 => oid::ID_SHA512,
        }
    }

    /// The algorithm with this OID, if supported.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.oid() == *oid)
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        self.ring().output_len()
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.ring(), data).as_ref().to_vec()
    }

    fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
            Self::Sha512 => &ring::digest::SHA512,
        }
    }
}

/// PKIFailureInfo (RFC 3161 §2.4.2): why a request was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureInfo {
    /// Unrecognized or unsupported algorithm identifier.
    BadAlg = 0,
    /// Transaction not permitted or supported (wrong version, too large).
    BadRequest = 2,
    /// The data submitted has the wrong format.
    BadDataFormat = 5,
    /// The TSA's time source is not available.
    TimeNotAvailable = 14,
    /// The requested TSA policy is not supported.
    UnacceptedPolicy = 15,
    /// The requested extension is not supported.
    UnacceptedExtension = 16,
    /// The additional information requested could not be understood.
    AddInfoNotAvailable = 17,
    /// The request cannot be handled due to system failure.
    SystemFailure = 25,
}

impl FailureInfo {
    /// The bit number in PKIFailureInfo.
    pub fn bit(self) -> u8 {
        self as u8
    }

    /// DER named bit list with one bit set: trailing zero bits are dropped
    /// (X.690 §11.2.2), so the string ends at the set bit.
    fn bit_string(self) -> BitString {
        let bit = usize::from(self.bit());
        let mut bytes = vec![0u8; bit / 8 + 1];
        bytes[bit / 8] = 0x80 >> (bit % 8);
        BitString::new(7 - (bit % 8) as u8, bytes).expect("valid bit string")
    }

    fn from_bits(bits: &BitString) -> Option<Self> {
        use FailureInfo::*;
        let set = bits.bits().position(|b| b)?;
        [
            BadAlg,
            BadRequest,
            BadDataFormat,
            TimeNotAvailable,
            UnacceptedPolicy,
            UnacceptedExtension,
            AddInfoNotAvailable,
            SystemFailure,
        ]
        .into_iter()
        .find(|f| usize::from(f.bit()) == set)
    }
}

/// A refused request: the failure code and a reason for humans (sent as
/// the PKIStatusInfo statusString).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason} ({failure:?})")]
pub struct Rejection {
    /// The PKIFailureInfo bit.
    pub failure: FailureInfo,
    /// Why, in English.
    pub reason: String,
}

impl Rejection {
    fn new(failure: FailureInfo, reason: impl Into<String>) -> Self {
        Self {
            failure,
            reason: reason.into(),
        }
    }
}

/// MessageImprint (RFC 3161 §2.4.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// TimeStampReq (RFC 3161 §2.4.1), as on the wire.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampReq {
    version: Int,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// A checked time-stamp request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeStampRequest {
    imprint: MessageImprint,
    hash_algorithm: HashAlgorithm,
    policy: Option<ObjectIdentifier>,
    nonce: Option<Int>,
    cert_req: bool,
}

impl TimeStampRequest {
    /// A request for `digest`, computed with `algorithm` (client side).
    pub fn new(algorithm: HashAlgorithm, digest: &[u8]) -> Result<Self, Error> {
        if digest.len() != algorithm.output_len() {
            return Err(Error::Digest(format!(
                "{algorithm:?} digests are {} bytes, not {}",
                algorithm.output_len(),
                digest.len()
            )));
        }
        Ok(Self {
            imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: algorithm.oid(),
                    parameters: None,
                },
                hashed_message: OctetString::new(digest.to_vec())?,
            },
            hash_algorithm: algorithm,
            policy: None,
            nonce: None,
            cert_req: false,
        })
    }

    /// Adds a nonce (big-endian, positive).
    pub fn with_nonce(mut self, nonce: &[u8]) -> Result<Self, Error> {
        self.nonce = Some(positive_int(nonce)?);
        Ok(self)
    }

    /// Asks for the TSA certificate in the token.
    pub fn with_cert_req(mut self, cert_req: bool) -> Self {
        self.cert_req = cert_req;
        self
    }

    /// Asks for a TSA policy.
    pub fn with_policy(mut self, policy: ObjectIdentifier) -> Self {
        self.policy = Some(policy);
        self
    }

    /// DER TimeStampReq.
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        Ok(TimeStampReq {
            version: Int::new(&[1])?,
            message_imprint: self.imprint.clone(),
            req_policy: self.policy,
            nonce: self.nonce.clone(),
            cert_req: self.cert_req,
            extensions: None,
        }
        .to_der()?)
    }

    /// Parses and checks a DER TimeStampReq, classifying every problem with
    /// its RFC 3161 failure code. Never panics.
    pub fn parse(der: &[u8]) -> Result<Self, Rejection> {
        if der.len() > MAX_REQUEST_LEN {
            return Err(Rejection::new(
                FailureInfo::BadRequest,
                format!("request larger than {MAX_REQUEST_LEN} bytes"),
            ));
        }
        let req = TimeStampReq::from_der(der).map_err(|e| {
            Rejection::new(
                FailureInfo::BadDataFormat,
                format!("malformed TimeStampReq: {e}"),
            )
        })?;
        if req.version.as_bytes() != [1] {
            return Err(Rejection::new(
                FailureInfo::BadDataFormat,
                "unsupported TimeStampReq version",
            ));
        }
        let alg = &req.message_imprint.hash_algorithm;
        let hash_algorithm = HashAlgorithm::from_oid(&alg.oid).ok_or_else(|| {
            Rejection::new(
                FailureInfo::BadAlg,
                format!(
                    "unsupported hash algorithm {} (SHA-256, SHA-384, SHA-512 accepted)",
                    alg.oid
                ),
            )
        })?;
        if alg
            .parameters
            .as_ref()
            .is_some_and(|p| p.tag() != Tag::Null || !p.value().is_empty())
        {
            return Err(Rejection::new(
                FailureInfo::BadAlg,
                "hash algorithm parameters must be absent or NULL",
            ));
        }
        if req.message_imprint.hashed_message.as_bytes().len() != hash_algorithm.output_len() {
            return Err(Rejection::new(
                FailureInfo::BadDataFormat,
                "hashed message length does not match the hash algorithm",
            ));
        }
        if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err(Rejection::new(
                FailureInfo::UnacceptedExtension,
                "request extensions are not supported",
            ));
        }
        Ok(Self {
            imprint: req.message_imprint,
            hash_algorithm,
            policy: req.req_policy,
            nonce: req.nonce,
            cert_req: req.cert_req,
        })
    }

    /// The imprint's hash algorithm.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash_algorithm
    }

    /// The hashed message.
    pub fn hashed_message(&self) -> &[u8] {
        self.imprint.hashed_message.as_bytes()
    }

    /// The requested policy.
    pub fn policy(&self) -> Option<ObjectIdentifier> {
        self.policy
    }

    /// The nonce, two's-complement big-endian as sent.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_ref().map(Int::as_bytes)
    }

    /// Whether the TSA certificate was requested.
    pub fn cert_req(&self) -> bool {
        self.cert_req
    }
}

/// Minimal positive INTEGER from unsigned big-endian bytes.
fn positive_int(unsigned: &[u8]) -> Result<Int, Error> {
    let start = unsigned
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(unsigned.len());
    let trimmed = &unsigned[start..];
    let mut bytes = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| *b & 0x80 != 0) {
        bytes.push(0);
    }
    bytes.extend_from_slice(trimmed);
    Ok(Int::new(&bytes)?)
}

/// Accuracy (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<u32>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

/// TSTInfo (RFC 3161 §2.4.2). `gen_time` is kept raw so that tokens from
/// TSAs that send fractional seconds (which der's GeneralizedTime refuses)
/// still verify; see [`parse_generalized_time`].
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// PKIStatusInfo (RFC 3161 §2.4.2, from RFC 4210).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// TimeStampResp (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

const STATUS_GRANTED: u8 = 0;
const STATUS_REJECTION: u8 = 2;

/// How serial numbers are chosen.
#[derive(Debug)]
pub enum SerialNumbers {
    /// 128 random bits per token (unique with overwhelming probability, no
    /// state to persist).
    Random,
    /// A counter; the caller starts it above every serial already issued
    /// (e.g. from a database sequence) and persists what it hands out.
    Counter(AtomicU64),
}

impl SerialNumbers {
    fn next(&self) -> Result<Vec<u8>, Error> {
        match self {
            Self::Random => {
                let mut b = [0u8; 16];
                ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
                    .map_err(|_| Error::Signing)?;
                Ok(b.to_vec())
            }
            Self::Counter(c) => Ok(c.fetch_add(1, Ordering::Relaxed).to_be_bytes().to_vec()),
        }
    }
}

/// Settings of a time-stamping authority.
#[derive(Debug)]
pub struct TsaConfig {
    /// The policy of the tokens we issue.
    pub policy: ObjectIdentifier,
    /// Other policies a request may ask for (ours is always accepted).
    pub accepted_policies: Vec<ObjectIdentifier>,
    /// Accuracy, in seconds, sent in every token (genTime is truncated to
    /// whole seconds).
    pub accuracy_seconds: u32,
    /// Serial number source.
    pub serials: SerialNumbers,
}

impl Default for TsaConfig {
    fn default() -> Self {
        Self {
            policy: oid::ETSI_BEST_PRACTICES_TSA_POLICY,
            accepted_policies: Vec::new(),
            accuracy_seconds: 1,
            serials: SerialNumbers::Random,
        }
    }
}

/// What happened to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A token was issued.
    Granted {
        /// Serial number, unsigned big-endian.
        serial: Vec<u8>,
        /// genTime (whole seconds).
        gen_time: SystemTime,
        /// SHA-256 of the DER TimeStampToken (for the transparency log).
        token_sha256: [u8; 32],
    },
    /// The request was refused.
    Rejected(Rejection),
}

/// A DER TimeStampResp and what it says.
#[derive(Clone, Debug)]
pub struct TimeStampResponse {
    /// The DER TimeStampResp, the body of `application/timestamp-reply`.
    pub der: Vec<u8>,
    /// Granted or rejected.
    pub outcome: Outcome,
}

impl TimeStampResponse {
    /// The transparency-log statement for a granted token: kind
    /// `tsa.token`, record id = serial in hex, digest = SHA-256 of the token.
    pub fn log_entry(&self) -> Option<tlog::entry::Entry> {
        let Outcome::Granted {
            serial,
            gen_time,
            token_sha256,
        } = &self.outcome
        else {
            return None;
        };
        let hex: String = serial.iter().map(|b| format!("{b:02x}")).collect();
        tlog::entry::Entry::new("tsa.token", &hex, *token_sha256, unix_ms(*gen_time)).ok()
    }
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An RFC 3161 time-stamping authority: stateless apart from the serial
/// counter, `Send + Sync`, one per process.
#[derive(Debug)]
pub struct TimeStampAuthority {
    identity: Identity,
    config: TsaConfig,
    signing_certificate: Attribute,
}

impl TimeStampAuthority {
    /// An authority signing with `identity`, whose certificate must carry a
    /// critical extendedKeyUsage with only id-kp-timeStamping.
    pub fn new(identity: Identity, config: TsaConfig) -> Result<Self, Error> {
        if !cert::is_time_stamping_only(identity.certificate()) {
            return Err(Error::Certificate(
                "the TSA certificate must have one critical extended key usage: timeStamping"
                    .into(),
            ));
        }
        let signing_certificate = cms_sd::signing_certificate_v2(identity.certificate())?;
        Ok(Self {
            identity,
            config,
            signing_certificate,
        })
    }

    /// The TSA certificate.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn certificate(&self) -> &Certificate {
        self.identity.certificate()
    }

    /// The TSA certificate followed by its chain up to the root, as PEM
    /// (the body of `GET /tsa/certificate`, `application/pem-certificate-chain`).
    pub fn certificate_chain_pem(&self) -> String {
        self.identity.certificate_chain_pem()
    }

    /// Answers a DER TimeStampReq with a DER TimeStampResp. Never fails:
    /// every problem becomes a rejection response.
    pub fn respond(&self, request: &[u8]) -> TimeStampResponse {
        self.respond_at(request, SystemTime::now())
    }

    /// [`Self::respond`] with a given clock reading.
    pub fn respond_at(&self, request: &[u8], now: SystemTime) -> TimeStampResponse {
        let result = TimeStampRequest::parse(request).and_then(|req| {
            if let Some(p) = req.policy
                && p != self.config.policy
                && !self.config.accepted_policies.contains(&p)
            {
                return Err(Rejection::new(
                    FailureInfo::UnacceptedPolicy,
                    format!("policy {p} is not offered"),
                ));
            }
            self.grant(&req, now).map_err(|e| {
                Rejection::new(
                    FailureInfo::SystemFailure,
                    format!("cannot issue a token: {e}"),
                )
            })
        });
        match result {
            Ok(granted) => granted,
            Err(rejection) => rejection_response(rejection),
        }
    }

    /// A token over `digest` (for our own signatures, e.g. CAdES B-T): no
    /// nonce, TSA certificate included.
    pub fn stamp(
        &self,
        algorithm: HashAlgorithm,
        digest: &[u8],
        now: SystemTime,
    ) -> Result<Vec<u8>, Error> {
        let req = TimeStampRequest::new(algorithm, digest)?.with_cert_req(true);
        Ok(self.issue(&req, now)?.0.to_der()?)
    }

    fn grant(&self, req: &TimeStampRequest, now: SystemTime) -> Result<TimeStampResponse, Error> {
        let (token, outcome) = self.issue(req, now)?;
        let der = TimeStampResp {
            status: PkiStatusInfo {
                status: STATUS_GRANTED,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(token),
        }
        .to_der()?;
        Ok(TimeStampResponse { der, outcome })
    }

    /// Builds and signs a TimeStampToken.
    fn issue(
        &self,
        req: &TimeStampRequest,
        now: SystemTime,
    ) -> Result<(ContentInfo, Outcome), Error> {
        let serial = self.config.serials.next()?;
        let serial_int = positive_int(&serial)?;
        let gen_time = GeneralizedTime::from_system_time(now)?;
        let gen_time_whole = gen_time.to_system_time();
        let tst = TstInfo {
            version: 1,
            policy: self.config.policy,
            message_imprint: req.imprint.clone(),
            serial_number: serial_int.clone(),
            gen_time: Any::encode_from(&gen_time)?,
            accuracy: Some(Accuracy {
                seconds: Some(self.config.accuracy_seconds),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: None,
            extensions: None,
        }
        .to_der()?;
        let sd = cms_sd::sign(cms_sd::Signing {
            identity: &self.identity,
            signing_certificate: &self.signing_certificate,
            econtent_type: oid::ID_CT_TST_INFO,
            econtent: Some(&tst),
            content_digest: sha256(&tst),
            signing_time: gen_time_whole,
            // RFC 3161 §2.4.1: the certificate iff certReq; the chain is
            // served at /tsa/certificate.
            certificates: if req.cert_req {
                vec![self.identity.certificate().clone()]
            } else {
                Vec::new()
            },
        })?;
        let token = cms_sd::to_content_info(&sd)?;
        let token_sha256 = sha256(&token.to_der()?);
        Ok((
            token,
            Outcome::Granted {
                serial: serial_int
                    .as_bytes()
                    .iter()
                    .copied()
                    .skip_while(|b| *b == 0)
                    .collect(),
                gen_time: gen_time_whole,
                token_sha256,
            },
        ))
    }
}

fn rejection_response(rejection: Rejection) -> TimeStampResponse {
    let der = TimeStampResp {
        status: PkiStatusInfo {
            status: STATUS_REJECTION,
            status_string: Some(vec![rejection.reason.clone()]),
            fail_info: Some(rejection.failure.bit_string()),
        },
        time_stamp_token: None,
    }
    .to_der()
    // Only strings and fixed fields: encoding cannot fail.
    .expect("rejection encodes");
    TimeStampResponse {
        der,
        outcome: Outcome::Rejected(rejection),
    }
}

/// The status of a DER TimeStampResp: `Ok(token DER)` when granted,
/// `Err(failure, status string)` otherwise (client side, tests).
pub fn parse_response(der: &[u8]) -> Result<Vec<u8>, (Option<FailureInfo>, String)> {
    let resp = TimeStampResp::from_der(der).map_err(|e| (None, format!("malformed: {e}")))?;
    let text = resp.status.status_string.unwrap_or_default().join("; ");
    if resp.status.status > 1 {
        return Err((
            resp.status
                .fail_info
                .as_ref()
                .and_then(FailureInfo::from_bits),
            text,
        ));
    }
    let token = resp
        .time_stamp_token
        .ok_or((None, "granted without a token".into()))?;
    token.to_der().map_err(|e| (None, e.to_string()))
}

/// Parses a GeneralizedTime `YYYYMMDDhhmmss[.f+]Z`, fractions allowed.
pub(crate) fn parse_generalized_time(value: &Any) -> Result<SystemTime, String> {
    if value.tag() != Tag::GeneralizedTime {
        return Err("genTime is not a GeneralizedTime".into());
    }
    let s = std::str::from_utf8(value.value()).map_err(|_| "genTime is not ASCII")?;
    let s = s.strip_suffix('Z').ok_or("genTime must end in Z")?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err("genTime must be YYYYMMDDhhmmss".into());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return Err("bad genTime fraction".into());
    }
    let n = |r: std::ops::Range<usize>| whole[r].parse::<u16>().expect("digits");
    let dt = der::DateTime::new(
        n(0..4),
        n(4..6) as u8,
        n(6..8) as u8,
        n(8..10) as u8,
        n(10..12) as u8,
        n(12..14) as u8,
    )
    .map_err(|e| format!("genTime: {e}"))?;
    let nanos = format!("{frac:0<9}")[..9].parse::<u32>().unwrap_or(0);
    Ok(UNIX_EPOCH + dt.unix_duration() + Duration::from_nanos(u64::from(nanos)))
}

/// A token that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The TSA policy.
    pub policy: ObjectIdentifier,
    /// The imprint's hash algorithm.
    pub hash_algorithm: HashAlgorithm,
    /// The time-stamped digest.
    pub hashed_message: Vec<u8>,
    /// Serial number, two's-complement big-endian.
    pub serial: Vec<u8>,
    /// genTime.
    pub gen_time: SystemTime,
    /// The nonce, if any.
    pub nonce: Option<Vec<u8>>,
    /// Subject of the TSA certificate.
    pub tsa_subject: String,
    /// Subject of the trusted root the TSA chains to.
    pub root_subject: String,
}

/// Verifies a DER TimeStampToken: SignedData over a TSTInfo, one signer,
/// content-type and message-digest attributes, an ECDSA P-256 signature,
/// signing-certificate-v2 naming the TSA certificate, a TSA certificate
/// with a critical timeStamping-only EKU that chains to one of `roots` at
/// genTime. `certs` supplies certificates the token lacks (certReq false).
pub fn verify_token(
    token: &[u8],
    certs: &[Certificate],
    roots: &[Certificate],
) -> Result<VerifiedToken, String> {
    let sd = cms_sd::decode_signed_data(token)?;
    if sd.encap_content_info.econtent_type != oid::ID_CT_TST_INFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the token has no TSTInfo")?
        .decode_as::<OctetString>()
        .map_err(|e| format!("eContent: {e}"))?;
    let tst = TstInfo::from_der(econtent.as_bytes()).map_err(|e| format!("TSTInfo: {e}"))?;
    let (_, found) = cms_sd::check_signer(&sd, certs)?;
    if found.content_type != oid::ID_CT_TST_INFO {
        return Err("content-type attribute is not id-ct-TSTInfo".into());
    }
    if found.message_digest != sha256(econtent.as_bytes()) {
        return Err("message-digest does not match the TSTInfo".into());
    }
    found.signature?;
    found.signing_certificate?;
    if !cert::is_time_stamping_only(&found.certificate) {
        return Err("the TSA certificate lacks a critical timeStamping-only EKU".into());
    }
    let gen_time = parse_generalized_time(&tst.gen_time)?;
    let intermediates: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            cms::cert::CertificateChoices::Other(_) => None,
        })
        .chain(certs.iter().cloned())
        .collect();
    let root_subject = cert::verify_chain(&found.certificate, &intermediates, roots, gen_time)?;
    let hash_algorithm = HashAlgorithm::from_oid(&tst.message_imprint.hash_algorithm.oid)
        .ok_or("unsupported imprint hash algorithm")?;
    Ok(VerifiedToken {
        policy: tst.policy,
        hash_algorithm,
        hashed_message: tst.message_imprint.hashed_message.as_bytes().to_vec(),
        serial: tst.serial_number.as_bytes().to_vec(),
        gen_time,
        nonce: tst.nonce.map(|n| n.as_bytes().to_vec()),
        tsa_subject: cert::subject(&found.certificate),
        root_subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::DevelopmentPki;

    #[test]
    fn failure_info_bit_strings_are_der_named_bit_lists() {
        let cases: [(FailureInfo, &[u8]); 5] = [
            (FailureInfo::BadAlg, &[0x03, 0x02, 0x07, 0x80]),
            (FailureInfo::BadRequest, &[0x03, 0x02, 0x05, 0x20]),
            (FailureInfo::BadDataFormat, &[0x03, 0x02, 0x02, 0x04]),
            (
                FailureInfo::UnacceptedPolicy,
                &[0x03, 0x03, 0x00, 0x00, 0x01],
            ),
            (
                FailureInfo::SystemFailure,
                &[0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40],
            ),
        ];
        for (info, der) in cases {
            let bits = info.bit_string();
            assert_eq!(bits.to_der().unwrap(), der, "{info:?}");
            assert_eq!(FailureInfo::from_bits(&bits), Some(info));
        }
    }

    fn request(alg_oid: &str, digest_len: usize) -> Vec<u8> {
        TimeStampReq {
            version: Int::new(&[1]).unwrap(),
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: ObjectIdentifier::new_unwrap(alg_oid),
                    parameters: None,
                },
                hashed_message: OctetString::new(vec![7; digest_len]).unwrap(),
            },
            req_policy: None,
            nonce: None,
            cert_req: false,
            extensions: None,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn request_checks_classify_failures() {
        let ok = |r: Result<TimeStampRequest, Rejection>| r.map(|_| ()).map_err(|e| e.failure);
        let cases: Vec<(&str, Vec<u8>, Result<(), FailureInfo>)> = vec![
            ("sha256", request("2.16.840.1.101.3.4.2.1", 32), Ok(())),
            ("sha384", request("2.16.840.1.101.3.4.2.2", 48), Ok(())),
            ("sha512", request("2.16.840.1.101.3.4.2.3", 64), Ok(())),
            (
                "sha1",
                request("1.3.14.3.2.26", 20),
                Err(FailureInfo::BadAlg),
            ),
            (
                "md5",
                request("1.2.840.113549.2.5", 16),
                Err(FailureInfo::BadAlg),
            ),
            (
                "short sha256",
                request("2.16.840.1.101.3.4.2.1", 31),
                Err(FailureInfo::BadDataFormat),
            ),
            ("empty", Vec::new(), Err(FailureInfo::BadDataFormat)),
            (
                "oversized",
                vec![0x30; MAX_REQUEST_LEN + 1],
                Err(FailureInfo::BadRequest),
            ),
        ];
        for (name, der, want) in cases {
            assert_eq!(ok(TimeStampRequest::parse(&der)), want, "{name}");
        }
        let mut v2 = request("2.16.840.1.101.3.4.2.1", 32);
        assert_eq!(v2[4], 1, "version byte");
        v2[4] = 2;
        assert_eq!(
            ok(TimeStampRequest::parse(&v2)),
            Err(FailureInfo::BadDataFormat)
        );
    }

    #[test]
    fn extensions_are_refused() {
        let mut req = TimeStampReq::from_der(&request("2.16.840.1.101.3.4.2.1", 32)).unwrap();
        req.extensions = Some(vec![x509_cert::ext::Extension {
            extn_id: ObjectIdentifier::new_unwrap("1.2.3.4"),
            critical: false,
            extn_value: OctetString::new(vec![5, 0]).unwrap(),
        }]);
        let err = TimeStampRequest::parse(&req.to_der().unwrap()).unwrap_err();
        assert_eq!(err.failure, FailureInfo::UnacceptedExtension);
    }

    #[test]
    fn token_fields_and_sorted_signed_attributes() {
        let pki = DevelopmentPki::generate("Unit").unwrap();
        let root = pki.root.clone();
        let tsa = TimeStampAuthority::new(
            pki.tsa,
            TsaConfig {
                serials: SerialNumbers::Counter(AtomicU64::new(0x80)),
                ..TsaConfig::default()
            },
        )
        .unwrap();
        let digest = HashAlgorithm::Sha384.digest(b"x");
        let req = TimeStampRequest::new(HashAlgorithm::Sha384, &digest)
            .unwrap()
            .with_nonce(&[0xff, 1])
            .unwrap();
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let now = UNIX_EPOCH + Duration::from_millis(secs * 1000 + 999);
        let resp = tsa.respond_at(&req.to_der().unwrap(), now);
        let Outcome::Granted {
            serial, gen_time, ..
        } = &resp.outcome
        else {
            panic!("{:?}", resp.outcome)
        };
        assert_eq!(serial, &[0x80]);
        assert_eq!(*gen_time, UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(resp.log_entry().unwrap().record_id(), "80");
        let token = parse_response(&resp.der).unwrap();
        // certReq false: the TSA certificate must come from elsewhere.
        assert!(verify_token(&token, &[], std::slice::from_ref(&root)).is_err());
        let v = verify_token(&token, &[tsa.certificate().clone()], &[root]).unwrap();
        assert_eq!(v.hashed_message, digest);
        assert_eq!(v.nonce.as_deref(), Some(&[0x00, 0xff, 0x01][..]));
        assert_eq!(v.serial, [0x00, 0x80]);
        assert_eq!(v.gen_time, *gen_time);

        let sd = cms_sd::decode_signed_data(&token).unwrap();
        assert!(sd.certificates.is_none());
        let attrs = sd
            .signer_infos
            .0
            .get(0)
            .unwrap()
            .signed_attrs
            .clone()
            .unwrap();
        let encoded: Vec<Vec<u8>> = attrs.iter().map(|a| a.to_der().unwrap()).collect();
        assert_eq!(encoded.len(), 4);
        assert!(
            encoded.windows(2).all(|w| w[0] < w[1]),
            "SET OF sorted by encoding"
        );
    }

    #[test]
    fn serials_are_unique_and_random_ones_differ() {
        let pki = DevelopmentPki::generate("Unit").unwrap();
        let tsa = TimeStampAuthority::new(pki.tsa, TsaConfig::default()).unwrap();
        let req = TimeStampRequest::new(HashAlgorithm::Sha256, &[1; 32])
            .unwrap()
            .to_der()
            .unwrap();
        let serial = |r: TimeStampResponse| match r.outcome {
            Outcome::Granted { serial, .. } => serial,
            Outcome::Rejected(r) => panic!("{r}"),
        };
        let a = serial(tsa.respond(&req));
        let b = serial(tsa.respond(&req));
        assert_ne!(a, b);
        assert!(a.len() >= 14 && a.len() <= 16);
    }

    #[test]
    fn fractional_gen_time_is_accepted_when_verifying() {
        let any = |s: &str| Any::new(Tag::GeneralizedTime, s.as_bytes().to_vec()).unwrap();
        let t = parse_generalized_time(&any("20261125060526.361Z")).unwrap();
        let d = t.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(d.subsec_millis(), 361);
        assert!(parse_generalized_time(&any("20261125060526Z")).is_ok());
        for bad in [
            "20261125060526",
            "20261125060526.Z",
            "2026112506052Z",
            "20261325060526Z",
        ] {
            assert!(parse_generalized_time(&any(bad)).is_err(), "{bad}");
        }
    }
}
