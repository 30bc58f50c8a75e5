//! X.509 certificates (RFC 5280): the development PKI, loading production
//! identities from PEM, and the few chain checks the verifiers need.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{BitString, OctetString};
use der::oid::AssociatedOid;
use der::pem::LineEnding;
use der::{Decode, Encode, EncodePem};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::key::{self, SigningKey};
use crate::{Error, oid, sha256};

/// What a certificate is for; decides its extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// A self-signed root CA: basicConstraints CA, keyCertSign and cRLSign.
    Root,
    /// A time-stamping unit: keyUsage digitalSignature and one critical
    /// extendedKeyUsage holding only id-kp-timeStamping (RFC 3161 §2.3).
    TimeStamping,
    /// An e-seal: keyUsage digitalSignature and nonRepudiation.
    Seal,
}

/// A private key with its certificate and the chain above it (issuers up
/// to and including the root).
#[derive(Debug)]
pub struct Identity {
    key: SigningKey,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

impl Identity {
    /// Pairs a key with its certificate and chain; fails if the certificate
    /// is not for this key.
    pub fn new(
        key: SigningKey,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, Error> {
        let spki = &certificate.tbs_certificate.subject_public_key_info;
        if spki.subject_public_key.as_bytes() != Some(key.public_key()) {
            return Err(Error::Certificate(
                "the certificate is not for this private key".into(),
            ));
        }
        Ok(Self {
            key,
            certificate,
            chain,
        })
    }

    /// Loads a production identity: a PKCS#8 PEM private key and a PEM file
    /// with the certificate first, then its issuers.
    pub fn from_pem(key_pem: &str, chain_pem: &str) -> Result<Self, Error> {
        let key = SigningKey::from_pkcs8_pem(key_pem)?;
        let mut certs = Certificate::load_pem_chain(chain_pem.as_bytes())
            .map_err(|e| Error::Pem(e.to_string()))?;
        if certs.is_empty() {
            return Err(Error::Pem("no CERTIFICATE block".into()));
        }
        let leaf = certs.remove(0);
        Self::new(key, leaf, certs)
    }

    /// [`Identity::from_pem`] reading two files.
    pub fn from_pem_files(key_path: &Path, chain_path: &Path) -> Result<Self, Error> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| Error::Io(format!("{}: {e}", p.display())))
        };
        Self::from_pem(&read(key_path)?, &read(chain_path)?)
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The certificate of the key.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The issuers above the certificate, nearest first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The certificate followed by its chain, as PEM (what
    /// `GET /tsa/certificate` serves).
    pub fn certificate_chain_pem(&self) -> String {
        std::iter::once(&self.certificate)
            .chain(&self.chain)
            .map(|c| c.to_pem(LineEnding::LF).expect("certificates encode"))
            .collect()
    }

    /// A new self-signed root CA for `key` (for development authorities, such
    /// as the one that issues institutions' e-seal certificates).
    pub fn self_signed_root(
        subject: &str,
        key: SigningKey,
        lifetime: Duration,
    ) -> Result<Self, Error> {
        let certificate = build_certificate(None, &key, subject, &key, Profile::Root, lifetime)?;
        Self::new(key, certificate, Vec::new())
    }

    /// Issues a certificate for `subject_key` signed by this identity.
    pub fn issue(
        &self,
        subject: &str,
        subject_key: &SigningKey,
        profile: Profile,
        lifetime: Duration,
    ) -> Result<Certificate, Error> {
        build_certificate(
            Some(&self.certificate),
            &self.key,
            subject,
            subject_key,
            profile,
            lifetime,
        )
    }
}

/// Builds and signs a certificate. x509-cert's builder wants RustCrypto
/// `signature` signers; we sign the encoded TBSCertificate with ring instead.
fn build_certificate(
    issuer: Option<&Certificate>,
    issuer_key: &SigningKey,
    subject: &str,
    subject_key: &SigningKey,
    profile: Profile,
    lifetime: Duration,
) -> Result<Certificate, Error> {
    let subject_name = Name::from_str(subject).map_err(|e| Error::Certificate(e.to_string()))?;
    let issuer_name = issuer.map_or_else(
        || subject_name.clone(),
        |c| c.tbs_certificate.subject.clone(),
    );
    let mut serial = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut serial)
        .map_err(|_| Error::Signing)?;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    let ski = key_identifier(subject_key.public_key());
    let aki = key_identifier(issuer_key.public_key());

    let key_usage = match profile {
        Profile::Root => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
        Profile::TimeStamping => KeyUsages::DigitalSignature.into(),
        Profile::Seal => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
    };
    let mut extensions = vec![
        extension(
            &BasicConstraints {
                ca: profile == Profile::Root,
                path_len_constraint: None,
            },
            true,
        )?,
        extension(&KeyUsage(key_usage), true)?,
        extension(&SubjectKeyIdentifier(OctetString::new(ski)?), false)?,
    ];
    if issuer.is_some() {
        extensions.push(extension(
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
            false,
        )?);
    }
    if profile == Profile::TimeStamping {
        extensions.push(extension(
            &ExtendedKeyUsage(vec![oid::ID_KP_TIME_STAMPING]),
            true,
        )?);
    }
    // Backdate a minute so that a just-issued certificate is valid for peers
    // whose clocks lag slightly.
    let not_before = SystemTime::now() - Duration::from_secs(60);
    let validity = Validity {
        not_before: not_before.try_into()?,
        not_after: (not_before + lifetime).try_into()?,
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial)?,
        signature: key::ecdsa_with_sha256(),
        issuer: issuer_name,
        validity,
        subject: subject_name,
        subject_public_key_info: subject_key.spki(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = issuer_key.sign(&tbs.to_der()?)?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: key::ecdsa_with_sha256(),
        signature: BitString::from_bytes(&signature)?,
    })
}

fn extension<T: Encode + AssociatedOid>(value: &T, critical: bool) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the key.
fn key_identifier(public_key: &[u8]) -> Vec<u8> {
    sha256(public_key)[..20].to_vec()
}

/// A development PKI: a root, a time-stamping unit and an e-seal identity,
/// all ECDSA P-256. What `centinela tsa init` writes; never for production.
#[derive(Debug)]
pub struct DevelopmentPki {
    /// Self-signed root certificate (the trust anchor verifiers are given).
    pub root: Certificate,
    /// The time-stamping unit (TSA certificate + root).
    pub tsa: Identity,
    /// An institution's e-seal (seal certificate + root).
    pub seal: Identity,
    /// PKCS#8 DER of the TSA key, to write out.
    pub tsa_pkcs8: Vec<u8>,
    /// PKCS#8 DER of the seal key, to write out.
    pub seal_pkcs8: Vec<u8>,
}

impl DevelopmentPki {
    /// Generates the keys and certificates. `organization` goes into every
    /// subject name (`O=`); it must not contain `,`, `=` or `+`.
    pub fn generate(organization: &str) -> Result<Self, Error> {
        if organization.is_empty() || organization.contains([',', '=', '+', '\\', '"']) {
            return Err(Error::Certificate(format!(
                "unsupported organization name {organization:?}"
            )));
        }
        let year = Duration::from_secs(365 * 24 * 3600);
        let (root_key, _) = SigningKey::generate()?;
        let root_subject = format!("CN={organization} Development Root CA,O={organization}");
        let root = build_certificate(
            None,
            &root_key,
            &root_subject,
            &root_key,
            Profile::Root,
            10 * year,
        )?;
        let root_identity = Identity::new(root_key, root.clone(), Vec::new())?;
        let (tsa_key, tsa_pkcs8) = SigningKey::generate()?;
        let tsa_cert = root_identity.issue(
            &format!("CN={organization} Development TSA,O={organization}"),
            &tsa_key,
            Profile::TimeStamping,
            5 * year,
        )?;
        let (seal_key, seal_pkcs8) = SigningKey::generate()?;
        let seal_cert = root_identity.issue(
            &format!("CN={organization} Development E-Seal,O={organization}"),
            &seal_key,
            Profile::Seal,
            5 * year,
        )?;
        Ok(Self {
            tsa: Identity::new(tsa_key, tsa_cert, vec![root.clone()])?,
            seal: Identity::new(seal_key, seal_cert, vec![root.clone()])?,
            root,
            tsa_pkcs8,
            seal_pkcs8,
        })
    }

    /// The root certificate as PEM.
    pub fn root_pem(&self) -> String {
        self.root
            .to_pem(LineEnding::LF)
            .expect("certificates encode")
    }

    /// Writes `root.pem`, `tsa.pem` (certificate then chain), `tsa.key`,
    /// `seal.pem` and `seal.key` (PKCS#8 PEM, mode 0600 on Unix) into `dir`,
    /// refusing to overwrite existing keys.
    pub fn write_to(&self, dir: &Path) -> Result<(), Error> {
        let io = |p: &Path, e: std::io::Error| Error::Io(format!("{}: {e}", p.display()));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let write = |name: &str, text: &str, secret: bool| -> Result<(), Error> {
            let path = dir.join(name);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            if secret {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            #[cfg(not(unix))]
            let _ = secret;
            let mut file = options.open(&path).map_err(|e| io(&path, e))?;
            std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| io(&path, e))
        };
        write("root.pem", &self.root_pem(), false)?;
        write("tsa.pem", &self.tsa.certificate_chain_pem(), false)?;
        write("tsa.key", &key::pkcs8_to_pem(&self.tsa_pkcs8)?, true)?;
        write("seal.pem", &self.seal.certificate_chain_pem(), false)?;
        write("seal.key", &key::pkcs8_to_pem(&self.seal_pkcs8)?, true)
    }
}

/// A certificate as PEM.
pub fn pem(cert: &Certificate) -> String {
    cert.to_pem(LineEnding::LF).expect("certificates encode")
}

/// Subject of a certificate, RFC 4514 string.
pub fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate.subject.to_string()
}

/// SHA-256 of the DER certificate (the ESSCertIDv2 hash).
pub fn fingerprint(cert: &Certificate) -> [u8; 32] {
    sha256(&cert.to_der().expect("certificates encode"))
}

/// Does `cert` carry a critical extendedKeyUsage holding only id-kp-timeStamping?
pub fn is_time_stamping_only(cert: &Certificate) -> bool {
    let Some(exts) = &cert.tbs_certificate.extensions else {
        return false;
    };
    let ekus: Vec<_> = exts
        .iter()
        .filter(|e| e.extn_id == ExtendedKeyUsage::OID)
        .collect();
    match ekus.as_slice() {
        [e] => {
            e.critical
                && ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                    .is_ok_and(|eku| eku.0 == [oid::ID_KP_TIME_STAMPING])
        }
        _ => false,
    }
}

/// Is `at` within the certificate's validity period?
pub fn valid_at(cert: &Certificate, at: SystemTime) -> bool {
    let v = &cert.tbs_certificate.validity;
    v.not_before.to_system_time() <= at && at <= v.not_after.to_system_time()
}

/// Builds a path from `leaf` to one of `roots` through `intermediates`,
/// checking each ECDSA P-256 signature and validity at `at`. Returns the
/// subject of the root reached.
pub fn verify_chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    at: SystemTime,
) -> Result<String, String> {
    let mut current = leaf.clone();
    for _ in 0..8 {
        if !valid_at(&current, at) {
            return Err(format!(
                "certificate {} is not valid at that time",
                subject(&current)
            ));
        }
        let tbs = current
            .tbs_certificate
            .to_der()
            .map_err(|e| e.to_string())?;
        let sig = current
            .signature
            .as_bytes()
            .ok_or("certificate signature has unused bits")?;
        let issuer = &current.tbs_certificate.issuer;
        let signed_by = |c: &Certificate| {
            &c.tbs_certificate.subject == issuer
                && key::verify_p256(&c.tbs_certificate.subject_public_key_info, &tbs, sig).is_ok()
        };
        if let Some(root) = roots.iter().find(|r| signed_by(r)) {
            if !valid_at(root, at) {
                return Err(format!("root {} is not valid at that time", subject(root)));
            }
            return Ok(subject(root));
        }
        match intermediates
            .iter()
            .find(|c| signed_by(c) && **c != current)
        {
            Some(next) => current = next.clone(),
            None => {
                return Err(format!(
                    "no trusted issuer found for {} (issuer {})",
                    subject(&current),
                    issuer
                ));
            }
        }
    }
    Err("certificate chain too long".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_pki_profiles_and_chain() {
        let pki = DevelopmentPki::generate("Centinela").unwrap();
        assert!(is_time_stamping_only(pki.tsa.certificate()));
        assert!(!is_time_stamping_only(pki.seal.certificate()));
        assert!(!is_time_stamping_only(&pki.root));
        let now = SystemTime::now();
        for id in [&pki.tsa, &pki.seal] {
            let root =
                verify_chain(id.certificate(), &[], std::slice::from_ref(&pki.root), now).unwrap();
            assert!(root.contains("Development Root CA"));
        }
        let other = DevelopmentPki::generate("Other").unwrap();
        assert!(verify_chain(pki.tsa.certificate(), &[], &[other.root], now).is_err());
    }

    #[test]
    fn identity_round_trips_through_pem() {
        let pki = DevelopmentPki::generate("Centinela").unwrap();
        let pem = pki.tsa.certificate_chain_pem();
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);
        let key_pem = key::pkcs8_to_pem(&pki.tsa_pkcs8).unwrap();
        let loaded = Identity::from_pem(&key_pem, &pem).unwrap();
        assert_eq!(loaded.certificate(), pki.tsa.certificate());
        assert_eq!(loaded.chain(), std::slice::from_ref(&pki.root));
        // A key that is not the certificate's is refused.
        let seal_key = key::pkcs8_to_pem(&pki.seal_pkcs8).unwrap();
        assert!(Identity::from_pem(&seal_key, &pem).is_err());
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use crate::tsp::{TimeStampAuthority, TsaConfig};

    #[test]
    fn init_writes_files_that_load_and_refuses_to_overwrite() {
        let dir = std::env::temp_dir().join(format!("trust-init-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pki = DevelopmentPki::generate("Centinela").unwrap();
        pki.write_to(&dir).unwrap();
        let tsa = Identity::from_pem_files(&dir.join("tsa.key"), &dir.join("tsa.pem")).unwrap();
        assert_eq!(tsa.certificate(), pki.tsa.certificate());
        assert!(TimeStampAuthority::new(tsa, TsaConfig::default()).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("tsa.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
        assert!(
            pki.write_to(&dir).is_err(),
            "existing keys are never overwritten"
        );
        // A certificate without the timeStamping EKU cannot run a TSA.
        let seal = Identity::from_pem_files(&dir.join("seal.key"), &dir.join("seal.pem")).unwrap();
        assert!(TimeStampAuthority::new(seal, TsaConfig::default()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn authority_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TimeStampAuthority>();
        assert_send_sync::<Identity>();
    }
}
