//! Registered-delivery evidence (ETSI EN 319 522): what happened to an
//! official notification, encoded canonically, sealed with CAdES-B-T and
//! anchored in the transparency log.
//!
//! The event identifiers follow EN 319 522-3
//! (`http://uri.etsi.org/19522/Event/<Name>`), taken from a third-party
//! profile quoting its Table 2: check against the ETSI text before claiming
//! conformance. The encoding below is ours, not the 522-3 XML: a sealed,
//! byte-exact form that anyone can recompute and check against the log.
//!
//! # Canonical encoding, version 1
//!
//! UTF-8 text, one `name value` line per field, in this order, each ending
//! in `\n`; values have no control characters; repeated fields repeat the
//! line; times are milliseconds since the Unix epoch (UTC), digests lowercase
//! hex SHA-256:
//!
//! ```text
//! centinela-erd-evidence/v1
//! id <evidence identifier>
//! event http://uri.etsi.org/19522/Event/<Name>
//! time <event time>
//! reason <text>            (zero or more; only on negative events)
//! issuer <ERDS issuing the evidence>
//! sender <sender>
//! recipient <recipient>
//! message <message identifier>
//! submitted <submission time>
//! content <sha256 of one user content part>   (one or more)
//! ```

use std::time::SystemTime;

use tlog::entry::Entry;

use crate::cert::Identity;
use crate::tsp::TimeStampAuthority;
use crate::{Error, cades, sha256};

const HEADER: &str = "centinela-erd-evidence/v1";
const EVENT_PREFIX: &str = "http://uri.etsi.org/19522/Event/";

/// Registered-delivery events (EN 319 522-3 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// The sender's message was accepted by the ERDS (submission).
    SubmissionAcceptance,
    /// The sender's message was refused by the ERDS.
    SubmissionRejection,
    /// The message was made available to the recipient (delivery).
    ContentConsignment,
    /// The message could not be made available to the recipient.
    ContentConsignmentFailure,
    /// The recipient accepted the message.
    ConsignmentAcceptance,
    /// The recipient rejected the message.
    ConsignmentRejection,
    /// The content was handed over to the recipient.
    ContentHandover,
    /// Handing the content over failed.
    ContentHandoverFailure,
    /// The recipient accessed the content.
    ContentAccessTracking,
}

impl Event {
    const ALL: [Self; 9] = [
        Self::SubmissionAcceptance,
        Self::SubmissionRejection,
        Self::ContentConsignment,
        Self::ContentConsignmentFailure,
        Self::ConsignmentAcceptance,
        Self::ConsignmentRejection,
        Self::ContentHandover,
        Self::ContentHandoverFailure,
        Self::ContentAccessTracking,
    ];

    /// The EN 319 522 event name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SubmissionAcceptance => "SubmissionAcceptance",
            Self::SubmissionRejection => "SubmissionRejection",
            Self::ContentConsignment => "ContentConsignment",
            Self::ContentConsignmentFailure => "ContentConsignmentFailure",
            Self::ConsignmentAcceptance => "ConsignmentAcceptance",
            Self::ConsignmentRejection => "ConsignmentRejection",
            Self::ContentHandover => "ContentHandover",
            Self::ContentHandoverFailure => "ContentHandoverFailure",
            Self::ContentAccessTracking => "ContentAccessTracking",
        }
    }

    /// The event identifier URI.
    pub fn uri(self) -> String {
        format!("{EVENT_PREFIX}{}", self.name())
    }

    /// The event with this identifier URI.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let name = uri.strip_prefix(EVENT_PREFIX)?;
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Rejections and failures, which carry reasons.
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Self::SubmissionRejection
                | Self::ContentConsignmentFailure
                | Self::ConsignmentRejection
                | Self::ContentHandoverFailure
        )
    }
}

/// One piece of evidence about one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// Unique evidence identifier (also the log record id: 1..=255 bytes).
    pub id: String,
    /// What happened.
    pub event: Event,
    /// When it happened, ms since the Unix epoch.
    pub event_time_ms: u64,
    /// Why, for negative events (at least one); empty otherwise.
    pub reasons: Vec<String>,
    /// The ERDS issuing the evidence.
    pub issuer: String,
    /// The sender.
    pub sender: String,
    /// The recipient.
    pub recipient: String,
    /// The message identifier.
    pub message_id: String,
    /// When the sender submitted the message, ms since the Unix epoch.
    pub submission_time_ms: u64,
    /// SHA-256 of each user content part (at least one).
    pub content_digests: Vec<[u8; 32]>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_text(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(Error::Evidence(format!(
            "{field} must be non-empty text without control characters"
        )));
    }
    Ok(())
}

impl Evidence {
    fn validate(&self) -> Result<(), Error> {
        check_text("id", &self.id)?;
        if self.id.len() > tlog::entry::MAX_RECORD_ID_LEN {
            return Err(Error::Evidence("id longer than 255 bytes".into()));
        }
        for (name, value) in [
            ("issuer", &self.issuer),
            ("sender", &self.sender),
            ("recipient", &self.recipient),
            ("message", &self.message_id),
        ] {
            check_text(name, value)?;
        }
        for r in &self.reasons {
            check_text("reason", r)?;
        }
        if self.event.is_negative() == self.reasons.is_empty() {
            return Err(Error::Evidence(
                "reasons are required on negative events and only there".into(),
            ));
        }
        if self.content_digests.is_empty() {
            return Err(Error::Evidence("at least one content digest".into()));
        }
        Ok(())
    }

    /// The canonical encoding (see the module documentation).
    pub fn canonical(&self) -> Result<Vec<u8>, Error> {
        self.validate()?;
        let mut s = format!(
            "{HEADER}\nid {}\nevent {}\ntime {}\n",
            self.id,
            self.event.uri(),
            self.event_time_ms
        );
        for r in &self.reasons {
            s.push_str(&format!("reason {r}\n"));
        }
        s.push_str(&format!(
            "issuer {}\nsender {}\nrecipient {}\nmessage {}\nsubmitted {}\n",
            self.issuer, self.sender, self.recipient, self.message_id, self.submission_time_ms
        ));
        for d in &self.content_digests {
            s.push_str(&format!("content {}\n", hex(d)));
        }
        Ok(s.into_bytes())
    }

    /// Parses the canonical encoding; anything that would not re-encode to
    /// the same bytes is refused.
    pub fn from_canonical(bytes: &[u8]) -> Result<Self, Error> {
        let bad = |why: &str| Error::Evidence(format!("not canonical evidence: {why}"));
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("no final newline"))?;
        let mut lines = body.split('\n').peekable();
        fn field(
            lines: &mut std::iter::Peekable<std::str::Split<'_, char>>,
            name: &str,
        ) -> Result<String, Error> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .map(str::to_owned)
                .ok_or_else(|| Error::Evidence(format!("not canonical evidence: {name}")))
        }
        if lines.next() != Some(HEADER) {
            return Err(bad("unknown header"));
        }
        let ms = |v: String| v.parse::<u64>().map_err(|_| bad("time"));
        let id = field(&mut lines, "id")?;
        let event = Event::from_uri(&field(&mut lines, "event")?).ok_or_else(|| bad("event"))?;
        let event_time_ms = ms(field(&mut lines, "time")?)?;
        let mut reasons = Vec::new();
        while let Some(r) = lines.peek().and_then(|l| l.strip_prefix("reason ")) {
            reasons.push(r.to_owned());
            lines.next();
        }
        let issuer = field(&mut lines, "issuer")?;
        let sender = field(&mut lines, "sender")?;
        let recipient = field(&mut lines, "recipient")?;
        let message_id = field(&mut lines, "message")?;
        let submission_time_ms = ms(field(&mut lines, "submitted")?)?;
        let mut content_digests = Vec::new();
        for line in lines {
            let h = line
                .strip_prefix("content ")
                .ok_or_else(|| bad("content"))?;
            if h.len() != 64 || !h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(bad("content digest"));
            }
            let mut d = [0u8; 32];
            for (i, byte) in d.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).map_err(|_| bad("hex"))?;
            }
            content_digests.push(d);
        }
        let evidence = Self {
            id,
            event,
            event_time_ms,
            reasons,
            issuer,
            sender,
            recipient,
            message_id,
            submission_time_ms,
            content_digests,
        };
        if evidence.canonical()? != bytes {
            return Err(bad("does not re-encode identically"));
        }
        Ok(evidence)
    }

    /// The transparency-log statement: kind `delivery.evidence`, record id =
    /// evidence id, digest = SHA-256 of the canonical encoding, time = event
    /// time.
    pub fn log_entry(&self) -> Result<Entry, Error> {
        let canonical = self.canonical()?;
        Entry::new(
            "delivery.evidence",
            &self.id,
            sha256(&canonical),
            self.event_time_ms,
        )
        .map_err(|e| Error::Evidence(e.to_string()))
    }
}

/// Evidence with its seal, ready to store, log and hand to both parties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedEvidence {
    /// The canonical encoding (the sealed document).
    pub canonical: Vec<u8>,
    /// Detached CAdES-B-T seal over `canonical` (`.p7s`).
    pub seal: Vec<u8>,
    /// The log statement for the evidence.
    pub entry: Entry,
}

/// Encodes, seals (CAdES-B-T, time-stamped by `tsa`) and prepares the log
/// entry for `evidence`.
pub fn seal(
    evidence: &Evidence,
    identity: &Identity,
    tsa: &TimeStampAuthority,
    now: SystemTime,
) -> Result<SealedEvidence, Error> {
    let canonical = evidence.canonical()?;
    let seal = cades::seal(identity, tsa, &canonical, now)?;
    Ok(SealedEvidence {
        entry: evidence.log_entry()?,
        canonical,
        seal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::DevelopmentPki;
    use crate::tsp::TsaConfig;

    fn sample(event: Event) -> Evidence {
        Evidence {
            id: "ev-2026-000017".into(),
            event,
            event_time_ms: 1_796_000_000_123,
            reasons: if event.is_negative() {
                vec!["recipient mailbox closed".into()]
            } else {
                Vec::new()
            },
            issuer: "erds.centinela.example".into(),
            sender: "CSIRT Nacional".into(),
            recipient: "Ministerio de Salud".into(),
            message_id: "notice/2026/0042".into(),
            submission_time_ms: 1_796_000_000_000,
            content_digests: vec![[0xab; 32], [0x01; 32]],
        }
    }

    #[test]
    fn golden_canonical_form_and_round_trip() {
        let e = sample(Event::SubmissionAcceptance);
        let text = String::from_utf8(e.canonical().unwrap()).unwrap();
        let want = format!(
            "centinela-erd-evidence/v1\nid ev-2026-000017\n\
             event http://uri.etsi.org/19522/Event/SubmissionAcceptance\ntime 1796000000123\n\
             issuer erds.centinela.example\nsender CSIRT Nacional\nrecipient Ministerio de Salud\n\
             message notice/2026/0042\nsubmitted 1796000000000\ncontent {}\ncontent {}\n",
            "ab".repeat(32),
            "01".repeat(32)
        );
        assert_eq!(text, want);
        for event in Event::ALL {
            let e = sample(event);
            let bytes = e.canonical().unwrap();
            assert_eq!(Evidence::from_canonical(&bytes).unwrap(), e, "{event:?}");
        }
    }

    #[test]
    fn invalid_evidence_is_refused() {
        let mut e = sample(Event::ConsignmentRejection);
        e.reasons.clear();
        assert!(e.canonical().is_err(), "negative event without reason");
        let mut e = sample(Event::ContentHandover);
        e.sender = "a\nid forged".into();
        assert!(e.canonical().is_err(), "newline injection");
        let mut e = sample(Event::ContentHandover);
        e.content_digests.clear();
        assert!(e.canonical().is_err());
        let good = sample(Event::ContentHandover).canonical().unwrap();
        let upper = String::from_utf8(good.clone())
            .unwrap()
            .replace("abab", "ABAB");
        assert!(Evidence::from_canonical(upper.as_bytes()).is_err());
        assert!(Evidence::from_canonical(&good[..good.len() - 1]).is_err());
    }

    #[test]
    fn sealed_and_logged() {
        let pki = DevelopmentPki::generate("ERDS").unwrap();
        let tsa_identity = Identity::from_pem(
            &crate::key::pkcs8_to_pem(&pki.tsa_pkcs8).unwrap(),
            &pki.tsa.certificate_chain_pem(),
        )
        .unwrap();
        let tsa = TimeStampAuthority::new(tsa_identity, TsaConfig::default()).unwrap();
        let e = sample(Event::ContentConsignment);
        let sealed = seal(&e, &pki.seal, &tsa, SystemTime::now()).unwrap();
        let report = cades::verify(
            &sealed.seal,
            &sealed.canonical,
            std::slice::from_ref(&pki.root),
        );
        assert!(report.is_valid(), "{report:#?}");
        assert_eq!(sealed.entry.kind(), "delivery.evidence");
        assert_eq!(sealed.entry.record_id(), "ev-2026-000017");
        assert_eq!(*sealed.entry.digest(), sha256(&sealed.canonical));
        assert_eq!(Entry::decode(&sealed.entry.encode()).unwrap(), sealed.entry);
    }
}
