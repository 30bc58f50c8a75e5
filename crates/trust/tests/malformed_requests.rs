//! Truncated, mutated and random requests never panic and always get a
//! well-formed DER rejection (or, for harmless mutations, a token).

use trust::cert::DevelopmentPki;
use trust::tsp::{self, HashAlgorithm, Outcome, TimeStampAuthority, TimeStampRequest, TsaConfig};

/// xorshift64*: deterministic, so a failure reproduces.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn tsa() -> TimeStampAuthority {
    let pki = DevelopmentPki::generate("Fuzz").unwrap();
    TimeStampAuthority::new(pki.tsa, TsaConfig::default()).unwrap()
}

fn check(tsa: &TimeStampAuthority, input: &[u8]) {
    let resp = tsa.respond(input);
    match (&resp.outcome, tsp::parse_response(&resp.der)) {
        (Outcome::Granted { .. }, Ok(_)) => {}
        (Outcome::Rejected(r), Err((Some(info), text))) => {
            assert_eq!(r.failure, info);
            assert_eq!(r.reason, text);
        }
        (o, p) => panic!("outcome {o:?} but response parses as {p:?} for {input:02x?}"),
    }
}

fn seed_request() -> Vec<u8> {
    TimeStampRequest::new(HashAlgorithm::Sha512, &[9; 64])
        .unwrap()
        .with_nonce(&[1, 2, 3, 4, 5, 6, 7, 8])
        .unwrap()
        .with_cert_req(true)
        .with_policy(trust::oid::ETSI_BEST_PRACTICES_TSA_POLICY)
        .to_der()
        .unwrap()
}

#[test]
fn every_truncation_is_rejected() {
    let tsa = tsa();
    let req = seed_request();
    for n in 0..req.len() {
        let resp = tsa.respond(&req[..n]);
        assert!(matches!(resp.outcome, Outcome::Rejected(_)), "prefix {n}");
        check(&tsa, &req[..n]);
    }
    check(&tsa, &req);
}

#[test]
fn mutations_and_noise_never_panic() {
    let tsa = tsa();
    let req = seed_request();
    let mut rng = Prng(0x5eed_cafe_f00d_0001);
    for _ in 0..5_000 {
        let mut m = req.clone();
        for _ in 0..=(rng.next() % 4) {
            let i = (rng.next() as usize) % m.len();
            match rng.next() % 4 {
                0 => m[i] ^= 1 << (rng.next() % 8),
                1 => m[i] = rng.next() as u8,
                2 => {
                    m.remove(i);
                }
                _ => m.insert(i, rng.next() as u8),
            }
            if m.is_empty() {
                break;
            }
        }
        check(&tsa, &m);
    }
    for len in [1usize, 2, 3, 16, 200, 5000] {
        let noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(&tsa, &noise);
    }
    // Lengths claiming more than is there, and absurd long-form lengths.
    for input in [
        &b"\x30\x84\xff\xff\xff\xff"[..],
        b"\x30\x80\x00\x00",
        b"\x30\x00",
        b"\x31\x03\x02\x01\x01",
    ] {
        check(&tsa, input);
    }
}
