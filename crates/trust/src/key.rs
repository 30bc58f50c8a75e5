//! ECDSA P-256 signing keys (ring), in PKCS#8.

use der::asn1::{Any, BitString};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::Error;
use crate::oid;

/// PEM label of an unencrypted PKCS#8 private key (RFC 7468 §10).
const PKCS8_LABEL: &str = "PRIVATE KEY";

/// An ECDSA P-256 private key that signs with SHA-256.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key and its PKCS#8 v1 DER encoding (keep it secret).
    pub fn generate() -> Result<(Self, Vec<u8>), Error> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| Error::Key("cannot generate a P-256 key".into()))?;
        let pkcs8 = doc.as_ref().to_vec();
        Ok((Self::from_pkcs8_der(&pkcs8)?, pkcs8))
    }

    /// Loads an unencrypted PKCS#8 DER P-256 key (with its public key, as
    /// OpenSSL and ring write it).
    pub fn from_pkcs8_der(pkcs8: &[u8]) -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
            .map_err(|e| Error::Key(format!("not a PKCS#8 ECDSA P-256 key: {e}")))?;
        Ok(Self { pair, rng })
    }

    /// Loads a `-----BEGIN PRIVATE KEY-----` PEM file (PKCS#8). SEC1
    /// `EC PRIVATE KEY` files convert with `openssl pkcs8 -topk8 -nocrypt`.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Error> {
        let (label, der) =
            der::pem::decode_vec(pem.as_bytes()).map_err(|e| Error::Pem(e.to_string()))?;
        if label != PKCS8_LABEL {
            return Err(Error::Pem(format!(
                "expected a {PKCS8_LABEL} (PKCS#8) block, found {label}; \
                 convert with `openssl pkcs8 -topk8 -nocrypt`"
            )));
        }
        Self::from_pkcs8_der(&der)
    }

    /// The uncompressed public point (65 bytes).
    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// The SubjectPublicKeyInfo of the public key.
    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        p256_spki(self.public_key())
    }

    /// An ASN.1 DER ECDSA signature over SHA-256 of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.pair
            .sign(&self.rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| Error::Signing)
    }
}

/// Wraps PKCS#8 DER in a `PRIVATE KEY` PEM block.
pub fn pkcs8_to_pem(pkcs8: &[u8]) -> Result<String, Error> {
    der::pem::encode_string(PKCS8_LABEL, der::pem::LineEnding::LF, pkcs8)
        .map_err(|e| Error::Pem(e.to_string()))
}

/// The algorithm identifier of ecdsa-with-SHA256 (parameters absent, RFC 5758).
pub(crate) fn ecdsa_with_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::ECDSA_WITH_SHA256,
        parameters: None,
    }
}

pub(crate) fn p256_spki(point: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::ID_EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&oid::SECP256R1).expect("OID encodes")),
        },
        subject_public_key: BitString::from_bytes(point).expect("65 bytes"),
    }
}

/// Verifies an ECDSA P-256/SHA-256 DER signature by the key of `spki`.
pub(crate) fn verify_p256(
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    if spki.algorithm.oid != oid::ID_EC_PUBLIC_KEY {
        return Err(format!(
            "unsupported public key algorithm {}",
            spki.algorithm.oid
        ));
    }
    let point = spki
        .subject_public_key
        .as_bytes()
        .ok_or("public key bit string has unused bits")?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point)
        .verify(message, signature)
        .map_err(|_| "ECDSA P-256 signature does not verify".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_sign_verify_and_pem_round_trip() {
        let (key, pkcs8) = SigningKey::generate().unwrap();
        let pem = pkcs8_to_pem(&pkcs8).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = SigningKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let sig = again.sign(b"hello").unwrap();
        assert!(verify_p256(&key.spki(), b"hello", &sig).is_ok());
        assert!(verify_p256(&key.spki(), b"hellO", &sig).is_err());
    }

    #[test]
    fn wrong_pem_label_is_explained() {
        let pem = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        let err = SigningKey::from_pkcs8_pem(pem).unwrap_err().to_string();
        assert!(err.contains("pkcs8"), "{err}");
    }
}
