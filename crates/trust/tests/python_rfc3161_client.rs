//! Python's `rfc3161-client` (a strict DER parser, Trail of Bits) decodes and
//! verifies our tokens and decodes our requests.
//!
//! The interpreter comes from `CENTINELA_TRUST_PY`, by default
//! `/var/tmp/centinela-venv-trust/bin/python`. Without it the test fails
//! and prints the install command.

mod common;

use std::process::Command;

use common::Scratch;
use trust::cert::DevelopmentPki;
use trust::tsp::{HashAlgorithm, TimeStampAuthority, TimeStampRequest, TsaConfig};

const DEFAULT_PY: &str = "/var/tmp/centinela-venv-trust/bin/python";
const INSTALL: &str = "python3 -m venv /var/tmp/centinela-venv-trust && \
                       /var/tmp/centinela-venv-trust/bin/pip install rfc3161-client";

const SCRIPT: &str = r#"
import sys
from cryptography import x509
from rfc3161_client import (HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response,
                            VerifierBuilder, VerificationError)

mode, data_path = sys.argv[1:3]
data = open(data_path, "rb").read()
if mode == "build":
    # A request made by the peer itself, for our TSA to answer.
    alg = HashAlgorithm[sys.argv[3]]
    req = TimestampRequestBuilder().data(data).hash_algorithm(alg).nonce(nonce=True) \
        .cert_request(cert_request=True).build()
    open("req.tsq", "wb").write(req.as_bytes())
    open("nonce.txt", "w").write(str(req.nonce))
    raise SystemExit(0)

root = x509.load_pem_x509_certificate(open("root.pem", "rb").read())
nonce = int(open("nonce.txt").read())
resp = decode_timestamp_response(open("resp.tsr", "rb").read())
assert resp.status == 0, resp.status
tst = resp.tst_info
assert tst.version == 1
assert tst.policy.dotted_string == "0.4.0.2023.1.1", tst.policy
assert tst.nonce == nonce, (tst.nonce, nonce)
assert tst.accuracy.seconds == 1
assert len(resp.signed_data.certificates) == 1
VerifierBuilder().add_root_certificate(root).nonce(nonce).build().verify_message(resp, data)
try:
    VerifierBuilder().add_root_certificate(root).build().verify_message(resp, data + b"!")
    raise SystemExit("tampered data verified")
except VerificationError:
    pass
rej = decode_timestamp_response(open("rejected.tsr", "rb").read())
assert rej.status == 2, rej.status
print("OK serial", tst.serial_number, "genTime", tst.gen_time.isoformat())
"#;

#[test]
fn rfc3161_client_decodes_and_verifies_our_tokens() {
    let py = std::env::var("CENTINELA_TRUST_PY").unwrap_or_else(|_| DEFAULT_PY.to_owned());
    let probe = Command::new(&py)
        .args(["-c", "import rfc3161_client"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "Python with rfc3161-client not found at {py}; install it with:\n  {INSTALL}\n\
         (or set CENTINELA_TRUST_PY to an interpreter that has it)"
    );

    let dir = Scratch::new("python");
    let pki = DevelopmentPki::generate("Centinela Test").unwrap();
    let data = b"advisory CEN-2026-17: patch now".as_slice();
    dir.write("root.pem", pki.root_pem());
    dir.write("data.bin", data);
    let tsa = TimeStampAuthority::new(pki.tsa, TsaConfig::default()).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(&py)
            .arg("-c")
            .arg(SCRIPT)
            .args(args)
            .current_dir(&dir.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    dir.write("rejected.tsr", tsa.respond(b"\x30\x00").der);
    // Requests built by us, for each hash.
    for alg in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        let nonce = [0x9f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
        let req = TimeStampRequest::new(alg, &alg.digest(data))
            .unwrap()
            .with_nonce(&nonce)
            .unwrap()
            .with_cert_req(true)
            .to_der()
            .unwrap();
        dir.write(
            "nonce.txt",
            u128::from_be_bytes({
                let mut b = [0u8; 16];
                b[16 - nonce.len()..].copy_from_slice(&nonce);
                b
            })
            .to_string(),
        );
        dir.write("resp.tsr", tsa.respond(&req).der);
        run(&["verify", "data.bin"]);
    }
    // Requests built by rfc3161-client.
    for alg in ["SHA256", "SHA512"] {
        run(&["build", "data.bin", alg]);
        let req = std::fs::read(dir.path("req.tsq")).unwrap();
        dir.write("resp.tsr", tsa.respond(&req).der);
        run(&["verify", "data.bin"]);
    }
}
