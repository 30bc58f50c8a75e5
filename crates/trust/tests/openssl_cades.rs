//! Our CAdES-B-T seals verify with `openssl cms -verify` (binary, detached,
//! also in its `-cades` mode, which checks signing-certificate-v2), and the
//! embedded signature time-stamp verifies with `openssl ts -verify`.

mod common;

use std::time::SystemTime;

use common::{Scratch, openssl, openssl_ok};
use trust::cades;
use trust::cert::DevelopmentPki;
use trust::tsp::{TimeStampAuthority, TsaConfig};

#[test]
fn openssl_verifies_seal_and_its_timestamp() {
    let dir = Scratch::new("cades");
    let pki = DevelopmentPki::generate("Centinela Test").unwrap();
    dir.write("root.pem", pki.root_pem());
    dir.write("tsa.pem", pki.tsa.certificate_chain_pem());
    // Binary content with CR/LF and NUL: -binary must keep it byte for byte.
    let doc = b"Incident notice\r\n\x00\x01 binary tail\n".to_vec();
    dir.write("doc.bin", &doc);
    let seal_identity = &pki.seal;
    let root = pki.root.clone();
    let tsa = TimeStampAuthority::new(
        trust::cert::Identity::from_pem(
            &trust::key::pkcs8_to_pem(&pki.tsa_pkcs8).unwrap(),
            &pki.tsa.certificate_chain_pem(),
        )
        .unwrap(),
        TsaConfig::default(),
    )
    .unwrap();
    let p7s = cades::seal(seal_identity, &tsa, &doc, SystemTime::now()).unwrap();
    dir.write("seal.p7s", &p7s);
    assert!(cades::verify(&p7s, &doc, &[root]).is_valid());

    let base = [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "seal.p7s",
        "-content",
        "doc.bin",
        "-CAfile",
        "root.pem",
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ];
    let out = openssl_ok(&dir.0, &base);
    assert!(out.contains("Verification successful"), "{out}");
    let mut cades_mode = base.to_vec();
    cades_mode.push("-cades");
    let out = openssl_ok(&dir.0, &cades_mode);
    assert!(out.contains("CAdES Verification successful"), "{out}");

    // The signature time-stamp token covers SHA-256 of the signature value.
    let token = cades::timestamp_token(&p7s).unwrap().unwrap();
    dir.write("token.der", &token);
    let imprint: String = cades::signature_imprint(&p7s)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let out = openssl_ok(
        &dir.0,
        &[
            "ts",
            "-verify",
            "-token_in",
            "-in",
            "token.der",
            "-digest",
            &imprint,
            "-CAfile",
            "root.pem",
        ],
    );
    assert!(out.contains("Verification: OK"), "{out}");

    // The attributes openssl sees.
    let printed = openssl_ok(
        &dir.0,
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "seal.p7s",
        ],
    );
    for attr in [
        "contentType",
        "messageDigest",
        "signingTime",
        "id-smime-aa-signingCertificateV2",
        "id-smime-aa-timeStampToken",
    ] {
        assert!(printed.contains(attr), "{attr} missing:\n{printed}");
    }

    // A changed document fails.
    dir.write("other.bin", b"Incident notice, altered");
    let mut other = base.to_vec();
    other[8] = "other.bin";
    let r = openssl(&dir.0, &other);
    assert!(!r.ok, "altered document verified: {}", r.stdout);
}
