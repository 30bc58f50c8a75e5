//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys.
//!
//! A note is UTF-8 text ending in a newline, then an empty line, then one
//! signature line per signer: `— <key name> <base64(key id || signature)>`.
//! Key ids are the first four bytes of `SHA-256(name || 0x0A || type || public key)`,
//! read big-endian; for Ed25519 the type byte is `0x01` and the signature
//! covers the text alone.
//!
//! Key strings use the format of Go's `golang.org/x/mod/sumdb/note`:
//! verifier `<name>+<hex key id>+<base64(0x01 || public key)>` and signer
//! `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};

use crate::hash::{from_hex, sha256};

/// Signature type byte of plain Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;

/// Verifiers give up on notes with more signature lines than this (the spec
/// asks for at least 16; Go allows 100).
pub const MAX_SIGNATURES: usize = 100;

/// Notes larger than this are rejected before parsing, as Go does.
pub const MAX_NOTE_SIZE: usize = 1 << 20;

const EM_DASH_PREFIX: &str = "\u{2014} ";

/// What is wrong with a key, a note or a signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    /// A key name is empty, contains white space or `+`.
    #[error("invalid key name {0:?}")]
    InvalidName(String),
    /// A verifier or signer key string is malformed.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    /// The key id in a key string does not match the key.
    #[error("key id does not match the key")]
    KeyIdMismatch,
    /// The key type byte is not one this crate implements.
    #[error("unsupported key type {0:#04x}")]
    UnsupportedKeyType(u8),
    /// The note text is not valid note text.
    #[error("invalid note text: {0}")]
    InvalidText(&'static str),
    /// The note as a whole is malformed.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A known key's signature did not verify.
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },
    /// No known key signed the note.
    #[error("note has no signature from a known key")]
    UnverifiedNote,
    /// The note has more signatures than verifiers will look at.
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// Key generation or signing failed in the crypto library.
    #[error("crypto failure: {0}")]
    Crypto(&'static str),
}

/// Whether `name` may be a key name: non-empty, no Unicode white space, no `+`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains('+')
}

/// Key id of a key: `SHA-256(name || "\n" || type || key)[0..4]`, big-endian.
pub fn key_id(name: &str, key_type: u8, key: &[u8]) -> u32 {
    let mut input = Vec::with_capacity(name.len() + 2 + key.len());
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(key_type);
    input.extend_from_slice(key);
    let h = sha256(&input);
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Parses `<hex8>` as written in key strings (exactly 8 lowercase or
/// uppercase hex digits).
fn parse_key_id(s: &str) -> Result<u32, NoteError> {
    let bytes = from_hex(s)
        .filter(|b| b.len() == 4)
        .ok_or(NoteError::MalformedKey("key id must be 8 hex digits"))?;
    Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// A public key that checks note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    public_key: [u8; 32],
}

impl Verifier {
    /// An Ed25519 verifier for `name`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_name(name) {
            return Err(NoteError::InvalidName(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, ALG_ED25519, &public_key),
            public_key,
        })
    }

    /// Parses a verifier key string `<name>+<hex key id>+<base64(0x01 || key)>`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey("expected name+id+key"));
        };
        if !is_valid_name(name) {
            return Err(NoteError::InvalidName(name.to_owned()));
        }
        let id = parse_key_id(id)?;
        let key = B64
            .decode(key)
            .map_err(|_| NoteError::MalformedKey("key is not base64"))?;
        let (&alg, public_key) = key
            .split_first()
            .ok_or(NoteError::MalformedKey("empty key"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedKeyType(alg));
        }
        let public_key: [u8; 32] = public_key
            .try_into()
            .map_err(|_| NoteError::MalformedKey("Ed25519 public key must be 32 bytes"))?;
        let v = Self::new(name, public_key)?;
        if v.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(v)
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Raw Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// Whether `sig` is this key's signature of `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.public_key)
            .verify(msg, sig)
            .is_ok()
    }
}

impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = Vec::with_capacity(33);
        key.push(ALG_ED25519);
        key.extend_from_slice(&self.public_key);
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, B64.encode(key))
    }
}

/// A private key that signs notes.
pub struct Signer {
    verifier: Verifier,
    seed: [u8; 32],
    key_pair: Ed25519KeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the seed.
        f.debug_struct("Signer")
            .field("verifier", &self.verifier.to_string())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `name` from a 32-byte Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        let key_pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| NoteError::Crypto("bad Ed25519 seed"))?;
        let public_key: [u8; 32] = key_pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| NoteError::Crypto("unexpected public key length"))?;
        Ok(Self {
            verifier: Verifier::new(name, public_key)?,
            seed,
            key_pair,
        })
    }

    /// A new random key for `name`.
    pub fn generate(name: &str) -> Result<Self, NoteError> {
        use ring::rand::SecureRandom as _;
        let mut seed = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| NoteError::Crypto("no system randomness"))?;
        Self::from_seed(name, seed)
    }

    /// Parses a signer key string `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`.
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey(
                "signer key must start with PRIVATE+KEY+",
            ))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey("expected PRIVATE+KEY+name+id+key"));
        };
        let id = parse_key_id(id)?;
        let key = B64
            .decode(key)
            .map_err(|_| NoteError::MalformedKey("key is not base64"))?;
        let (&alg, seed) = key
            .split_first()
            .ok_or(NoteError::MalformedKey("empty key"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedKeyType(alg));
        }
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| NoteError::MalformedKey("Ed25519 seed must be 32 bytes"))?;
        let signer = Self::from_seed(name, seed)?;
        if signer.verifier.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// The signer key string (secret: store it like a password).
    pub fn to_key_string(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ALG_ED25519);
        key.extend_from_slice(&self.seed);
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.verifier.name,
            self.verifier.key_id,
            B64.encode(key)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.verifier.name
    }

    /// Raw Ed25519 signature of `msg`.
    pub fn sign_bytes(&self, msg: &[u8]) -> [u8; 64] {
        let sig = self.key_pair.sign(msg);
        let mut out = [0u8; 64];
        out.copy_from_slice(sig.as_ref());
        out
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key id (first four bytes of the decoded signature field).
    pub key_id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, with its trailing newline.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("{EM_DASH_PREFIX}{} {}\n", self.name, B64.encode(bytes))
    }
}

/// A parsed note. After [`open`], `sigs` holds the signatures that verified
/// and `unverified_sigs` those from unknown keys; after [`parse`], every
/// signature is in `unverified_sigs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    /// Signatures checked against a known key.
    pub sigs: Vec<NoteSignature>,
    /// Signatures from keys the verifier did not know.
    pub unverified_sigs: Vec<NoteSignature>,
}

/// Checks the spec's rules for note text: non-empty, ends in a newline, no
/// control characters other than newline.
pub fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::InvalidText("text must end in a newline"));
    }
    if text.chars().any(|c| c != '\n' && c.is_control()) {
        return Err(NoteError::InvalidText("text contains a control character"));
    }
    Ok(())
}

/// Signs `text` with each signer and returns the complete note.
pub fn sign(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::Malformed("a note needs at least one signature"));
    }
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 120);
    out.push_str(text);
    out.push('\n');
    for s in signers {
        let line = NoteSignature {
            name: s.verifier.name.clone(),
            key_id: s.verifier.key_id,
            signature: s.sign_bytes(text.as_bytes()).to_vec(),
        };
        out.push_str(&line.to_line());
    }
    Ok(out)
}

/// Splits a note into text and signature lines without checking any signature.
pub fn parse(msg: &[u8]) -> Result<Note, NoteError> {
    if msg.len() > MAX_NOTE_SIZE {
        return Err(NoteError::Malformed("note is too large"));
    }
    let msg = std::str::from_utf8(msg).map_err(|_| NoteError::InvalidText("not UTF-8"))?;
    // The text ends at the last empty line.
    let split = msg
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no empty line before the signatures"))?;
    let (text, sig_block) = (&msg[..=split], &msg[split + 2..]);
    check_text(text)?;
    if !sig_block.ends_with('\n') {
        return Err(NoteError::Malformed(
            "signature block must end in a newline",
        ));
    }
    let mut sigs = Vec::new();
    for line in sig_block[..sig_block.len() - 1].split('\n') {
        if sigs.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let rest = line
            .strip_prefix(EM_DASH_PREFIX)
            .ok_or(NoteError::Malformed(
                "signature line must start with an em dash",
            ))?;
        let (name, b64) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "signature line needs a name and a signature",
        ))?;
        if !is_valid_name(name) {
            return Err(NoteError::InvalidName(name.to_owned()));
        }
        let bytes = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("signature is not base64"))?;
        if bytes.len() < 5 {
            return Err(NoteError::Malformed("signature too short"));
        }
        sigs.push(NoteSignature {
            name: name.to_owned(),
            key_id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            signature: bytes[4..].to_vec(),
        });
    }
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signatures"));
    }
    Ok(Note {
        text: text.to_owned(),
        sigs: Vec::new(),
        unverified_sigs: sigs,
    })
}

/// Parses a note and checks its signatures against `verifiers`.
///
/// Signatures from unknown (name, key id) pairs are kept aside unverified; a
/// known key whose signature fails rejects the note; at least one known key
/// must have signed.
pub fn open(msg: &[u8], verifiers: &[Verifier]) -> Result<Note, NoteError> {
    let mut note = parse(msg)?;
    let mut verified = Vec::new();
    let mut unknown = Vec::new();
    for sig in std::mem::take(&mut note.unverified_sigs) {
        match verifiers
            .iter()
            .find(|v| v.name == sig.name && v.key_id == sig.key_id)
        {
            Some(v) => {
                if !v.verify(note.text.as_bytes(), &sig.signature) {
                    return Err(NoteError::InvalidSignature {
                        name: sig.name,
                        key_id: sig.key_id,
                    });
                }
                // A repeated valid line adds nothing.
                if !verified.contains(&sig) {
                    verified.push(sig);
                }
            }
            None => unknown.push(sig),
        }
    }
    if verified.is_empty() {
        return Err(NoteError::UnverifiedNote);
    }
    note.sigs = verified;
    note.unverified_sigs = unknown;
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard base64 may contain '+', the field separator: the key is the rest of the line.
    #[test]
    fn keys_whose_base64_contains_plus_round_trip() {
        let mut found = 0;
        for seed in 0u8..=255 {
            let signer = Signer::from_seed("example.com/log", [seed; 32]).unwrap();
            let skey = signer.to_key_string();
            let vkey = signer.verifier().to_string();
            if skey.matches('+').count() > 4 || vkey.matches('+').count() > 2 {
                found += 1;
                assert_eq!(Signer::parse(&skey).unwrap().verifier(), signer.verifier());
                assert_eq!(Verifier::parse(&vkey).unwrap(), *signer.verifier());
            }
        }
        assert!(found > 0, "some seed gives a '+' in base64");
    }

    fn signer(name: &str, byte: u8) -> Signer {
        Signer::from_seed(name, [byte; 32]).unwrap()
    }

    #[test]
    fn key_strings_round_trip() {
        let s = signer("audit.example/log1", 7);
        let v = Verifier::parse(&s.verifier().to_string()).unwrap();
        assert_eq!(&v, s.verifier());
        let s2 = Signer::parse(&s.to_key_string()).unwrap();
        assert_eq!(s2.verifier(), s.verifier());
        assert!(
            s.to_key_string()
                .starts_with("PRIVATE+KEY+audit.example/log1+")
        );
    }

    #[test]
    fn key_id_follows_the_spec() {
        let s = signer("example.com/log", 1);
        let mut input = b"example.com/log\n\x01".to_vec();
        input.extend_from_slice(s.verifier().public_key());
        let h = sha256(&input);
        assert_eq!(s.verifier().key_id().to_be_bytes(), h[..4]);
    }

    #[test]
    fn rejects_bad_keys() {
        let good = signer("n", 3).verifier().to_string();
        let (name_id, key) = good.rsplit_once('+').unwrap();
        let cases = [
            ("", "empty"),
            ("n+0000", "too few parts"),
            ("a b+00000000+AQ==", "space in name"),
            (&format!("{name_id}+{key}+x"), "extra part"),
            (&good.replacen("n+", "m+", 1), "key id mismatch"),
            (&format!("{name_id}+AgAA"), "unknown type"),
        ];
        for (k, why) in cases {
            assert!(Verifier::parse(k).is_err(), "{why}: {k}");
        }
    }

    #[test]
    fn sign_and_open() {
        let a = signer("a.example/log", 1);
        let b = signer("b.example/witness", 2);
        let msg = sign("hello\nworld\n", &[&a, &b]).unwrap();
        let note = open(msg.as_bytes(), &[a.verifier().clone()]).unwrap();
        assert_eq!(note.text, "hello\nworld\n");
        assert_eq!(note.sigs.len(), 1);
        assert_eq!(note.unverified_sigs.len(), 1);
        let both = [a.verifier().clone(), b.verifier().clone()];
        assert_eq!(open(msg.as_bytes(), &both).unwrap().sigs.len(), 2);

        let stranger = signer("c.example", 3);
        assert_eq!(
            open(msg.as_bytes(), &[stranger.verifier().clone()]),
            Err(NoteError::UnverifiedNote)
        );
    }

    #[test]
    fn tampering_is_detected() {
        let a = signer("a.example/log", 1);
        let v = [a.verifier().clone()];
        let msg = sign("origin\n5\nAAAA\n", &[&a]).unwrap();
        let tampered = msg.replacen('5', "6", 1);
        assert!(matches!(
            open(tampered.as_bytes(), &v),
            Err(NoteError::InvalidSignature { .. })
        ));
        // Every single-byte change anywhere is rejected one way or another.
        for i in 0..msg.len() {
            let mut bytes = msg.clone().into_bytes();
            bytes[i] ^= 0x01;
            assert!(open(&bytes, &v).is_err(), "byte {i}");
        }
    }

    #[test]
    fn malformed_notes() {
        let a = signer("a", 1);
        let good = sign("t\n", &[&a]).unwrap();
        let cases: Vec<(String, &str)> = vec![
            ("t\n".into(), "no signatures"),
            ("t\n\n".into(), "empty signature block"),
            (good.trim_end().into(), "missing final newline"),
            (good.replace('\u{2014}', "-"), "hyphen instead of em dash"),
            (format!("t\x07\n{}", &good[2..]), "control character"),
        ];
        for (msg, why) in cases {
            assert!(parse(msg.as_bytes()).is_err(), "{why}");
        }
        assert!(sign("no newline", &[&a]).is_err());
        assert!(sign("tab\there\n", &[&a]).is_err());
    }

    #[test]
    fn accepts_many_signatures() {
        let signers: Vec<Signer> = (0..20).map(|i| signer(&format!("w{i}"), i)).collect();
        let refs: Vec<&Signer> = signers.iter().collect();
        let msg = sign("x\n", &refs).unwrap();
        let vs: Vec<Verifier> = signers.iter().map(|s| s.verifier().clone()).collect();
        assert_eq!(open(msg.as_bytes(), &vs).unwrap().sigs.len(), 20);
    }
}
