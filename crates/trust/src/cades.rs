//! E-seals: detached CAdES-B-T signatures (ETSI EN 319 122-1) over
//! documents, and a verifier that explains its verdict.
//!
//! Profile: CMS SignedData, encapContentInfo id-data without eContent;
//! signed attributes content-type, message-digest, signing-time and
//! signing-certificate-v2 (with issuerSerial); the sealing certificate and
//! its chain in `certificates`; one unsigned signature-time-stamp attribute
//! holding an RFC 3161 token from our TSA over SHA-256 of the signature value.

use std::time::SystemTime;

use cms::signed_data::SignerInfos;
use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::cert::{self, Identity};
use crate::tsp::{self, HashAlgorithm, TimeStampAuthority};
use crate::{Error, cms as cms_sd, oid, sha256};

/// File extension of a detached CMS signature.
pub const SEAL_EXTENSION: &str = "p7s";
/// Media type of a detached CMS signature (RFC 5751 §3.2.1).
pub const SEAL_CONTENT_TYPE: &str = "application/pkcs7-signature";

/// Seals `document` with `identity`, time-stamped by `tsa`: a DER `.p7s`.
pub fn seal(
    identity: &Identity,
    tsa: &TimeStampAuthority,
    document: &[u8],
    now: SystemTime,
) -> Result<Vec<u8>, Error> {
    seal_digest(identity, tsa, sha256(document), now)
}

/// [`seal`] from the document's SHA-256 alone: a detached signature needs
/// nothing else, so the document itself never has to reach the sealer.
pub fn seal_digest(
    identity: &Identity,
    tsa: &TimeStampAuthority,
    document_sha256: [u8; 32],
    now: SystemTime,
) -> Result<Vec<u8>, Error> {
    let signing_certificate = cms_sd::signing_certificate_v2(identity.certificate())?;
    let mut sd = cms_sd::sign(cms_sd::Signing {
        identity,
        signing_certificate: &signing_certificate,
        econtent_type: oid::ID_DATA,
        econtent: None,
        content_digest: document_sha256,
        signing_time: now,
        certificates: std::iter::once(identity.certificate())
            .chain(identity.chain())
            .cloned()
            .collect(),
    })?;
    let mut signer = sd.signer_infos.0.get(0).cloned().ok_or(Error::Signing)?;
    // EN 319 122-1 §5.3: the time-stamp imprint is the hash of the value of
    // the SignerInfo signature field (the OCTET STRING contents).
    let imprint = sha256(signer.signature.as_bytes());
    let token = tsa.stamp(HashAlgorithm::Sha256, &imprint, now)?;
    signer.unsigned_attrs = Some(SetOfVec::try_from(vec![Attribute {
        oid: oid::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
        values: SetOfVec::try_from(vec![Any::from_der(&token)?])?,
    }])?);
    sd.signer_infos = SignerInfos::try_from(vec![signer])?;
    Ok(cms_sd::to_content_info(&sd)?.to_der()?)
}

/// One verification step, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Did it pass?
    pub passed: bool,
    /// What was found, in English.
    pub detail: String,
}

impl Check {
    fn pass(detail: impl Into<String>) -> Self {
        Self {
            passed: true,
            detail: detail.into(),
        }
    }

    fn fail(detail: impl Into<String>) -> Self {
        Self {
            passed: false,
            detail: detail.into(),
        }
    }

    fn not_checked() -> Self {
        Self::fail("not checked: the seal could not be read")
    }
}

/// The verdict on a seal, step by step: plain data for a web page or API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealReport {
    /// The seal is a detached CMS SignedData with one signer.
    pub structure: Check,
    /// The message-digest attribute equals SHA-256 of the document.
    pub digest: Check,
    /// The signature over the signed attributes verifies with the
    /// certificate's key.
    pub signature: Check,
    /// signing-certificate-v2 names the certificate, which chains to a
    /// trusted root and was valid when time-stamped.
    pub certificate: Check,
    /// A signature time-stamp is present, verifies, comes from a trusted
    /// TSA and covers this signature.
    pub timestamp: Check,
    /// Subject of the sealing certificate.
    pub signer: Option<String>,
    /// The claimed signing time (signing-time attribute).
    pub signing_time: Option<SystemTime>,
    /// The time-stamp's genTime: the seal existed no later than this.
    pub timestamp_time: Option<SystemTime>,
    /// Subject of the time-stamping unit.
    pub tsa: Option<String>,
}

impl SealReport {
    /// Every check passed.
    pub fn is_valid(&self) -> bool {
        [
            &self.structure,
            &self.digest,
            &self.signature,
            &self.certificate,
            &self.timestamp,
        ]
        .iter()
        .all(|c| c.passed)
    }
}

/// Verifies a DER `.p7s` seal against `document`, trusting `roots` for
/// both the sealing certificate and the TSA. Never fails: every problem is
/// reported in the checks.
pub fn verify(seal: &[u8], document: &[u8], roots: &[Certificate]) -> SealReport {
    verify_digest(seal, &sha256(document), roots)
}

/// [`verify`] from the document's SHA-256 alone.
pub fn verify_digest(seal: &[u8], document_sha256: &[u8; 32], roots: &[Certificate]) -> SealReport {
    let mut report = SealReport {
        structure: Check::not_checked(),
        digest: Check::not_checked(),
        signature: Check::not_checked(),
        certificate: Check::not_checked(),
        timestamp: Check::not_checked(),
        signer: None,
        signing_time: None,
        timestamp_time: None,
        tsa: None,
    };
    let sd = match cms_sd::decode_signed_data(seal) {
        Ok(sd) => sd,
        Err(e) => {
            report.structure = Check::fail(e);
            return report;
        }
    };
    if sd.encap_content_info.econtent_type != oid::ID_DATA
        || sd.encap_content_info.econtent.is_some()
    {
        report.structure = Check::fail("not a detached signature over data (id-data, no eContent)");
        return report;
    }
    let (signer, found) = match cms_sd::check_signer(&sd, &[]) {
        Ok(x) => x,
        Err(e) => {
            report.structure = Check::fail(e);
            return report;
        }
    };
    report.structure = Check::pass("detached CMS SignedData with one signer");
    report.signer = Some(cert::subject(&found.certificate));
    report.signing_time = found.signing_time;

    report.digest = if found.content_type != oid::ID_DATA {
        Check::fail("the content-type attribute is not id-data")
    } else if found.message_digest == document_sha256.as_slice() {
        Check::pass("the document's SHA-256 matches the sealed digest")
    } else {
        Check::fail("the document differs from the one sealed (SHA-256 mismatch)")
    };
    report.signature = match &found.signature {
        Ok(()) => Check::pass("the ECDSA P-256 signature verifies"),
        Err(e) => Check::fail(e.clone()),
    };

    let chain: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            cms::cert::CertificateChoices::Other(_) => None,
        })
        .collect();

    let token = cms_sd::single_attribute(
        signer.unsigned_attrs.as_ref(),
        oid::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
    );
    report.timestamp = match token {
        Err(e) => Check::fail(e),
        Ok(None) => Check::fail("no signature time-stamp (the seal is B-B, not B-T)"),
        Ok(Some(any)) => match any
            .to_der()
            .map_err(|e| e.to_string())
            .and_then(|der| tsp::verify_token(&der, &chain, roots))
        {
            Err(e) => Check::fail(format!("time-stamp token invalid: {e}")),
            Ok(v) => {
                report.timestamp_time = Some(v.gen_time);
                report.tsa = Some(v.tsa_subject.clone());
                if v.hashed_message == v.hash_algorithm.digest(signer.signature.as_bytes()) {
                    Check::pass(format!(
                        "time-stamped by {} (trusted root {})",
                        v.tsa_subject, v.root_subject
                    ))
                } else {
                    Check::fail("the time-stamp does not cover this signature")
                }
            }
        },
    };

    let at = report.timestamp_time.unwrap_or_else(SystemTime::now);
    report.certificate = match &found.signing_certificate {
        Err(e) => Check::fail(e.clone()),
        Ok(()) => match cert::verify_chain(&found.certificate, &chain, roots, at) {
            Ok(root) => Check::pass(format!(
                "{} chains to trusted root {root} and was valid {}",
                cert::subject(&found.certificate),
                if report.timestamp_time.is_some() {
                    "at the time-stamp"
                } else {
                    "now"
                }
            )),
            Err(e) => Check::fail(e),
        },
    };
    report
}

/// The SHA-256 of the signature value a seal's time-stamp must cover
/// (for tests and for re-stamping).
pub fn signature_imprint(seal: &[u8]) -> Result<[u8; 32], Error> {
    let sd = cms_sd::decode_signed_data(seal).map_err(Error::Evidence)?;
    let signer = sd.signer_infos.0.get(0).ok_or(Error::Signing)?;
    Ok(sha256(signer.signature.as_bytes()))
}

/// The DER time-stamp token inside a seal, if any.
pub fn timestamp_token(seal: &[u8]) -> Result<Option<Vec<u8>>, Error> {
    let sd = cms_sd::decode_signed_data(seal).map_err(Error::Evidence)?;
    let signer = sd.signer_infos.0.get(0).ok_or(Error::Signing)?;
    cms_sd::single_attribute(
        signer.unsigned_attrs.as_ref(),
        oid::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
    )
    .map_err(Error::Evidence)?
    .map(|a| a.to_der().map_err(Error::from))
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::DevelopmentPki;
    use crate::tsp::TsaConfig;

    fn setup() -> (DevelopmentPki, TimeStampAuthority) {
        let pki = DevelopmentPki::generate("Seal").unwrap();
        let tsa_id = Identity::from_pem(
            &crate::key::pkcs8_to_pem(&pki.tsa_pkcs8).unwrap(),
            &pki.tsa.certificate_chain_pem(),
        )
        .unwrap();
        (
            pki,
            TimeStampAuthority::new(tsa_id, TsaConfig::default()).unwrap(),
        )
    }

    #[test]
    fn seal_verifies_and_explains_failures() {
        let (pki, tsa) = setup();
        let doc = b"Resolution 12/2026 of the national CSIRT";
        let p7s = seal(&pki.seal, &tsa, doc, SystemTime::now()).unwrap();
        let roots = [pki.root.clone()];
        let ok = verify(&p7s, doc, &roots);
        assert!(ok.is_valid(), "{ok:#?}");
        assert!(ok.signer.as_deref().unwrap().contains("E-Seal"));
        assert!(ok.tsa.as_deref().unwrap().contains("TSA"));

        let other_doc = verify(&p7s, b"Resolution 13/2026", &roots);
        assert!(
            !other_doc.digest.passed && other_doc.signature.passed && other_doc.timestamp.passed
        );

        let untrusted = verify(&p7s, doc, &[DevelopmentPki::generate("X").unwrap().root]);
        assert!(!untrusted.certificate.passed && !untrusted.timestamp.passed);
        assert!(untrusted.digest.passed && untrusted.signature.passed);

        let garbage = verify(b"not a seal", doc, &roots);
        assert!(!garbage.structure.passed && !garbage.is_valid());
    }

    #[test]
    fn a_flipped_signature_byte_fails_signature_and_timestamp_coverage() {
        let (pki, tsa) = setup();
        let doc = b"doc";
        let p7s = seal(&pki.seal, &tsa, doc, SystemTime::now()).unwrap();
        let sig = {
            let sd = cms_sd::decode_signed_data(&p7s).unwrap();
            sd.signer_infos
                .0
                .get(0)
                .unwrap()
                .signature
                .as_bytes()
                .to_vec()
        };
        let at = p7s
            .windows(sig.len())
            .position(|w| w == sig.as_slice())
            .unwrap();
        let mut bad = p7s.clone();
        bad[at + sig.len() - 1] ^= 1;
        let r = verify(&bad, doc, std::slice::from_ref(&pki.root));
        assert!(!r.signature.passed, "{r:#?}");
        assert!(!r.timestamp.passed, "{r:#?}");
        assert!(r.digest.passed);
    }

    #[test]
    fn token_covers_the_signature_value() {
        let (pki, tsa) = setup();
        let p7s = seal(&pki.seal, &tsa, b"x", SystemTime::now()).unwrap();
        let token = timestamp_token(&p7s).unwrap().unwrap();
        let v = tsp::verify_token(&token, &[], std::slice::from_ref(&pki.root)).unwrap();
        assert_eq!(v.hashed_message, signature_imprint(&p7s).unwrap());
    }
}
