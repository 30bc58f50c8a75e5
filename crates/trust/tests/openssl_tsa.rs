//! Our TSA answers requests made by `openssl ts -query`, and its replies
//! verify with `openssl ts -verify` and print with `openssl ts -reply -text`.

mod common;

use common::{Scratch, openssl, openssl_ok};
use der::EncodePem;
use trust::cert::DevelopmentPki;
use trust::tsp::{Outcome, TimeStampAuthority, TsaConfig};

struct Fixture {
    dir: Scratch,
    tsa: TimeStampAuthority,
}

fn fixture(tag: &str) -> Fixture {
    let dir = Scratch::new(tag);
    let pki = DevelopmentPki::generate("Centinela Test").unwrap();
    dir.write("root.pem", pki.root_pem());
    dir.write(
        "tsa.pem",
        pki.tsa
            .certificate()
            .to_pem(der::pem::LineEnding::LF)
            .unwrap(),
    );
    dir.write("data.txt", b"Incident report 2026-0042, version 3\n");
    let tsa = TimeStampAuthority::new(pki.tsa, TsaConfig::default()).unwrap();
    Fixture { dir, tsa }
}

impl Fixture {
    fn query(&self, args: &[&str]) -> Vec<u8> {
        let mut all = vec!["ts", "-query", "-data", "data.txt", "-out", "req.tsq"];
        all.extend_from_slice(args);
        openssl_ok(&self.dir.0, &all);
        std::fs::read(self.dir.path("req.tsq")).unwrap()
    }

    fn answer(&self, request: &[u8]) -> Outcome {
        let resp = self.tsa.respond(request);
        self.dir.write("resp.tsr", &resp.der);
        resp.outcome
    }

    fn verify(&self, extra: &[&str]) -> String {
        let mut all = vec![
            "ts",
            "-verify",
            "-in",
            "resp.tsr",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "tsa.pem",
        ];
        all.extend_from_slice(extra);
        openssl_ok(&self.dir.0, &all)
    }

    fn reply_text(&self) -> String {
        openssl_ok(&self.dir.0, &["ts", "-reply", "-in", "resp.tsr", "-text"])
    }
}

#[test]
fn every_hash_with_and_without_nonce_and_cert_verifies() {
    let f = fixture("matrix");
    for hash in ["-sha256", "-sha384", "-sha512"] {
        for nonce in [true, false] {
            for cert in [true, false] {
                let mut args = vec![hash];
                if !nonce {
                    args.push("-no_nonce");
                }
                if cert {
                    args.push("-cert");
                }
                let req = f.query(&args);
                let outcome = f.answer(&req);
                assert!(
                    matches!(outcome, Outcome::Granted { .. }),
                    "{args:?}: {outcome:?}"
                );
                let out = f.verify(&["-data", "data.txt"]);
                assert!(out.contains("Verification: OK"), "{args:?}: {out}");
                let out = f.verify(&["-queryfile", "req.tsq"]);
                assert!(out.contains("Verification: OK"), "{args:?}: {out}");

                let text = f.reply_text();
                assert!(text.contains("Status: Granted."), "{text}");
                assert!(text.contains("Policy OID: 0.4.0.2023.1.1"), "{text}");
                assert!(text.contains("Accuracy: 0x01 seconds"), "{text}");
                let algo = &hash[1..];
                assert!(text.contains(&format!("Hash Algorithm: {algo}")), "{text}");
                assert_eq!(text.contains("Nonce: unspecified"), !nonce, "{text}");
                // certReq honoured: the TSA certificate is embedded iff asked.
                let without_untrusted = openssl(
                    &f.dir.0,
                    &[
                        "ts", "-verify", "-in", "resp.tsr", "-data", "data.txt", "-CAfile",
                        "root.pem",
                    ],
                );
                assert_eq!(
                    without_untrusted.ok, cert,
                    "{args:?}: {}",
                    without_untrusted.stderr
                );
            }
        }
    }
}

#[test]
fn digest_verification_and_tampered_data() {
    let f = fixture("digest");
    let req = f.query(&["-sha256", "-cert"]);
    f.answer(&req);
    let digest = openssl_ok(&f.dir.0, &["dgst", "-sha256", "-r", "data.txt"]);
    let hex = digest.split_whitespace().next().unwrap().to_owned();
    assert!(f.verify(&["-digest", &hex]).contains("Verification: OK"));
    f.dir
        .write("other.txt", b"Incident report 2026-0042, version 4\n");
    let r = openssl(
        &f.dir.0,
        &[
            "ts",
            "-verify",
            "-in",
            "resp.tsr",
            "-data",
            "other.txt",
            "-CAfile",
            "root.pem",
        ],
    );
    assert!(!r.ok, "tampered data must not verify");
}

#[test]
fn sha1_is_refused_with_bad_alg() {
    let f = fixture("sha1");
    let req = f.query(&["-sha1", "-cert"]);
    match f.answer(&req) {
        Outcome::Rejected(r) => assert_eq!(r.failure, trust::tsp::FailureInfo::BadAlg),
        other => panic!("{other:?}"),
    }
    let text = f.reply_text();
    assert!(text.contains("Status: Rejected"), "{text}");
    assert!(
        text.contains("unrecognized or unsupported algorithm"),
        "{text}"
    );
}

#[test]
fn unknown_policy_is_refused_and_known_policy_accepted() {
    let f = fixture("policy");
    let req = f.query(&["-sha256", "-tspolicy", "1.2.3.4.5"]);
    match f.answer(&req) {
        Outcome::Rejected(r) => assert_eq!(r.failure, trust::tsp::FailureInfo::UnacceptedPolicy),
        other => panic!("{other:?}"),
    }
    let text = f.reply_text();
    assert!(text.contains("policy is not supported"), "{text}");
    let req = f.query(&["-sha256", "-tspolicy", "0.4.0.2023.1.1"]);
    assert!(matches!(f.answer(&req), Outcome::Granted { .. }));
    assert!(
        f.verify(&["-queryfile", "req.tsq"])
            .contains("Verification: OK")
    );
}

#[test]
fn malformed_request_gets_a_parseable_rejection() {
    let f = fixture("malformed");
    f.answer(b"\x30\x03\x02\x01");
    let text = f.reply_text();
    assert!(text.contains("Status: Rejected"), "{text}");
    assert!(
        text.contains("the data submitted has the wrong format"),
        "{text}"
    );
}

/// Tokens from OpenSSL's reference TSA (fractional genTime, unsorted
/// certificate SET with the chain) pass our verifier; a flipped byte fails.
#[test]
fn our_verifier_accepts_openssl_reference_tokens() {
    let dir = Scratch::new("reference");
    let pki = DevelopmentPki::generate("Centinela Test").unwrap();
    dir.write("root.pem", pki.root_pem());
    dir.write(
        "tsa.pem",
        pki.tsa
            .certificate()
            .to_pem(der::pem::LineEnding::LF)
            .unwrap(),
    );
    dir.write("tsa.key", trust::key::pkcs8_to_pem(&pki.tsa_pkcs8).unwrap());
    dir.write("serial", "01\n");
    dir.write("data.txt", b"reference");
    dir.write(
        "tsa.cnf",
        "[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ./serial\nsigner_cert = tsa.pem\n\
         signer_key = tsa.key\ncerts = root.pem\nsigner_digest = sha256\n\
         default_policy = 0.4.0.2023.1.1\ndigests = sha256, sha384, sha512\n\
         accuracy = secs:1\nclock_precision_digits = 3\ness_cert_id_alg = sha256\n",
    );
    openssl_ok(
        &dir.0,
        &[
            "ts", "-query", "-data", "data.txt", "-sha384", "-cert", "-out", "req.tsq",
        ],
    );
    openssl_ok(
        &dir.0,
        &[
            "ts",
            "-reply",
            "-config",
            "tsa.cnf",
            "-queryfile",
            "req.tsq",
            "-out",
            "ossl.tsr",
        ],
    );
    let text = openssl_ok(&dir.0, &["ts", "-reply", "-in", "ossl.tsr", "-text"]);
    let stamp = text.lines().find(|l| l.starts_with("Time stamp:")).unwrap();
    assert!(
        stamp.contains('.'),
        "expected a fractional genTime: {stamp}"
    );
    let resp = std::fs::read(dir.path("ossl.tsr")).unwrap();
    let token = trust::tsp::parse_response(&resp).unwrap();
    let roots = [pki.root.clone()];
    let v = trust::tsp::verify_token(&token, &[], &roots).unwrap();
    assert_eq!(
        v.hashed_message,
        trust::tsp::HashAlgorithm::Sha384.digest(b"reference")
    );
    let mut bad = token.clone();
    let n = bad.len();
    bad[n - 10] ^= 0x01; // inside the signature
    assert!(trust::tsp::verify_token(&bad, &[], &roots).is_err());
}
