//! CMS SignedData (RFC 5652) as our signers emit it, with the ESS
//! signing-certificate-v2 attribute (RFC 5035), and the checks our
//! verifiers share.
//!
//! Profile: one signer, identified by issuer and serial number; SHA-256
//! digest; ecdsa-with-SHA256 signature over the DER SET OF signed attributes;
//! every SET OF sorted by encoding (der's `SetOfVec` sorts on construction).

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::cert::Identity;
use crate::{Error, key, oid, sha256};

/// ESSCertIDv2 (RFC 5035 §4). `hash_algorithm` is DEFAULT sha256, so DER
/// omits it for SHA-256: `None` means SHA-256.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// IssuerSerial (RFC 5035 §4).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035 §3); policies are not used.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Vec<Any>>,
}

pub(crate) fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::ID_SHA256,
        parameters: None,
    }
}

/// An attribute with a single value.
pub(crate) fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute, Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![Any::from_der(&value.to_der()?)?])?,
    })
}

/// The signing-certificate-v2 attribute naming `cert` by SHA-256 and
/// issuer/serial.
pub(crate) fn signing_certificate_v2(cert: &Certificate) -> Result<Attribute, Error> {
    let id = EssCertIdV2 {
        hash_algorithm: None,
        cert_hash: OctetString::new(sha256(&cert.to_der()?).to_vec())?,
        issuer_serial: Some(IssuerSerial {
            issuer: vec![GeneralName::DirectoryName(
                cert.tbs_certificate.issuer.clone(),
            )],
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
    };
    attribute(
        oid::ID_AA_SIGNING_CERTIFICATE_V2,
        &SigningCertificateV2 {
            certs: vec![id],
            policies: None,
        },
    )
}

/// What to sign.
pub(crate) struct Signing<'a> {
    pub identity: &'a Identity,
    /// Precomputed [`signing_certificate_v2`] of the identity's certificate.
    pub signing_certificate: &'a Attribute,
    pub econtent_type: ObjectIdentifier,
    /// Encapsulated content, or `None` for a detached signature.
    pub econtent: Option<&'a [u8]>,
    /// SHA-256 of the content.
    pub content_digest: [u8; 32],
    pub signing_time: SystemTime,
    /// Certificates to include (SET OF, sorted).
    pub certificates: Vec<Certificate>,
}

/// Builds and signs a SignedData with one signer.
pub(crate) fn sign(s: Signing<'_>) -> Result<SignedData, Error> {
    let cert = s.identity.certificate();
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(oid::ID_CONTENT_TYPE, &s.econtent_type)?,
        attribute(
            oid::ID_MESSAGE_DIGEST,
            &OctetString::new(s.content_digest.to_vec())?,
        )?,
        attribute(oid::ID_SIGNING_TIME, &Time::try_from(s.signing_time)?)?,
        s.signing_certificate.clone(),
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes as a
    // SET OF (universal tag), not the [0] IMPLICIT form stored below.
    let signature = s.identity.key().sign(&signed_attrs.to_der()?)?;
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: key::ecdsa_with_sha256(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let certificates = if s.certificates.is_empty() {
        None
    } else {
        Some(CertificateSet::try_from(
            s.certificates
                .into_iter()
                .map(CertificateChoices::Certificate)
                .collect::<Vec<_>>(),
        )?)
    };
    Ok(SignedData {
        // RFC 5652 §5.1: version 3 when eContentType is not id-data.
        version: if s.econtent_type == oid::ID_DATA {
            CmsVersion::V1
        } else {
            CmsVersion::V3
        },
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: s.econtent_type,
            econtent: s
                .econtent
                .map(|c| Any::encode_from(&OctetString::new(c.to_vec())?))
                .transpose()?,
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer])?,
    })
}

/// DER ContentInfo wrapping a SignedData.
pub(crate) fn to_content_info(sd: &SignedData) -> Result<ContentInfo, Error> {
    Ok(ContentInfo {
        content_type: oid::ID_SIGNED_DATA,
        content: Any::encode_from(sd)?,
    })
}

/// Parses a DER ContentInfo holding a SignedData.
pub(crate) fn decode_signed_data(der: &[u8]) -> Result<SignedData, String> {
    let ci = ContentInfo::from_der(der).map_err(|e| format!("not a CMS ContentInfo: {e}"))?;
    if ci.content_type != oid::ID_SIGNED_DATA {
        return Err(format!(
            "content type {} is not signedData",
            ci.content_type
        ));
    }
    ci.content
        .decode_as::<SignedData>()
        .map_err(|e| format!("malformed SignedData: {e}"))
}

/// Decodes an `Any` as any type, CHOICEs included.
pub(crate) fn decode_any<T: der::DecodeOwned>(any: &Any) -> der::Result<T> {
    T::from_der(&any.to_der()?)
}

/// The single value of the attribute `oid`, if present exactly once.
pub(crate) fn single_attribute(
    attrs: Option<&SetOfVec<Attribute>>,
    oid: ObjectIdentifier,
) -> Result<Option<&Any>, String> {
    let Some(attrs) = attrs else { return Ok(None) };
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(format!("attribute {oid} must appear once with one value"));
    }
    Ok(attr.values.get(0))
}

/// What the checks of one SignerInfo found.
pub(crate) struct SignerFindings {
    pub certificate: Certificate,
    pub content_type: ObjectIdentifier,
    pub message_digest: Vec<u8>,
    #[allow(dead_code)] // read by the CAdES verifier
    pub signing_time: Option<SystemTime>,
    /// `Err` explains why the signature does not verify.
    pub signature: Result<(), String>,
    /// `Err` explains a missing or mismatching signing-certificate(-v2).
    pub signing_certificate: Result<(), String>,
}

/// Finds the certificate of the only signer and checks its signature over
/// the signed attributes. Content digests are the caller's job.
pub(crate) fn check_signer(
    sd: &SignedData,
    extra_certs: &[Certificate],
) -> Result<(SignerInfo, SignerFindings), String> {
    let [signer] = sd.signer_infos.0.as_slice() else {
        return Err(format!(
            "expected exactly one signer, found {}",
            sd.signer_infos.0.len()
        ));
    };
    let embedded = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            CertificateChoices::Other(_) => None,
        });
    let certificate = embedded
        .chain(extra_certs)
        .find(|c| match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                c.tbs_certificate.issuer == ias.issuer
                    && c.tbs_certificate.serial_number == ias.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(_) => false,
        })
        .cloned()
        .ok_or("the signer's certificate is neither in the signature nor supplied")?;
    let attrs = signer.signed_attrs.as_ref();
    if attrs.is_none() {
        return Err("no signed attributes".into());
    }
    let content_type = single_attribute(attrs, oid::ID_CONTENT_TYPE)?
        .ok_or("no content-type attribute")?
        .decode_as::<ObjectIdentifier>()
        .map_err(|e| format!("content-type attribute: {e}"))?;
    let message_digest = single_attribute(attrs, oid::ID_MESSAGE_DIGEST)?
        .ok_or("no message-digest attribute")?
        .decode_as::<OctetString>()
        .map_err(|e| format!("message-digest attribute: {e}"))?
        .into_bytes();
    let signing_time = single_attribute(attrs, oid::ID_SIGNING_TIME)?
        .map(|a| decode_any::<Time>(a).map(|t| t.to_system_time()))
        .transpose()
        .map_err(|e| format!("signing-time attribute: {e}"))?;

    let signature = if signer.signature_algorithm.oid != oid::ECDSA_WITH_SHA256
        || signer.digest_alg.oid != oid::ID_SHA256
    {
        Err(format!(
            "unsupported algorithms {} / {} (ECDSA P-256 with SHA-256 only)",
            signer.signature_algorithm.oid, signer.digest_alg.oid
        ))
    } else {
        attrs
            .expect("checked above")
            .to_der()
            .map_err(|e| e.to_string())
            .and_then(|signed| {
                key::verify_p256(
                    &certificate.tbs_certificate.subject_public_key_info,
                    &signed,
                    signer.signature.as_bytes(),
                )
            })
    };
    let signing_certificate = check_signing_certificate_v2(attrs, &certificate);
    Ok((
        signer.clone(),
        SignerFindings {
            certificate,
            content_type,
            message_digest,
            signing_time,
            signature,
            signing_certificate,
        },
    ))
}

fn check_signing_certificate_v2(
    attrs: Option<&SetOfVec<Attribute>>,
    cert: &Certificate,
) -> Result<(), String> {
    let value = single_attribute(attrs, oid::ID_AA_SIGNING_CERTIFICATE_V2)?
        .ok_or("no signing-certificate-v2 attribute")?;
    let scv2 = value
        .decode_as::<SigningCertificateV2>()
        .map_err(|e| format!("signing-certificate-v2: {e}"))?;
    let first = scv2
        .certs
        .first()
        .ok_or("signing-certificate-v2 is empty")?;
    let hash_oid = first
        .hash_algorithm
        .as_ref()
        .map_or(oid::ID_SHA256, |a| a.oid);
    if hash_oid != oid::ID_SHA256 {
        return Err(format!(
            "signing-certificate-v2 hash {hash_oid} unsupported"
        ));
    }
    let der = cert.to_der().map_err(|e| e.to_string())?;
    if first.cert_hash.as_bytes() != sha256(&der) {
        return Err("signing-certificate-v2 names another certificate".into());
    }
    Ok(())
}
