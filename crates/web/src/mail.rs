//! Outgoing e-mail over SMTP (lettre). Messages are queued as jobs in the database in the same
//! step as what caused them, so a crash or an unreachable relay delays a message but never
//! loses it, and any worker replica sends it (retried with back-off).
//!
//! Transport: plain SMTP to a relay (`smtp://host:port`), the usual set-up for a server inside
//! a government network; the relay does TLS onward. Direct STARTTLS is not built in yet.

use centinela_store::{Db, jobs};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// Job kind of a queued e-mail.
pub const JOB_KIND: &str = "mail";

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("--smtp-url must look like smtp://host:port, not {0:?}")]
    Url(String),
    #[error("--mail-from is not an e-mail address: {0}")]
    From(String),
}

/// Where mail goes and whom it comes from.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub from: String,
}

impl MailSettings {
    pub fn parse(url: &str, from: &str) -> Result<Self, MailError> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| MailError::Url(url.into()))?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| MailError::Url(url.into()))?),
            None => (rest.trim_end_matches('/'), 25),
        };
        if host.is_empty() {
            return Err(MailError::Url(url.into()));
        }
        from.parse::<Mailbox>()
            .map_err(|e| MailError::From(e.to_string()))?;
        Ok(MailSettings {
            host: host.to_string(),
            port,
            from: from.to_string(),
        })
    }
}

/// One queued message: plain text, one copy to each recipient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// Queues a message (nothing is queued without recipients).
pub async fn enqueue(db: &Db, mail: &Mail) -> Result<(), centinela_store::StoreError> {
    if mail.to.is_empty() {
        return Ok(());
    }
    let payload = serde_json::to_string(mail).unwrap_or_default();
    jobs::enqueue(db, JOB_KIND, &payload, None).await?;
    Ok(())
}

/// Sends a queued message; an error is kept on the job and it is retried.
pub async fn send(settings: &MailSettings, payload: &str) -> Result<(), String> {
    let mail: Mail = serde_json::from_str(payload).map_err(|e| format!("bad mail job: {e}"))?;
    let from: Mailbox = settings.from.parse().map_err(|e| format!("from: {e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port)
        .build();
    let mut builder = Message::builder()
        .from(from)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN);
    let mut any = false;
    for to in &mail.to {
        // An address that does not parse is skipped, not retried forever.
        if let Ok(m) = to.parse::<Mailbox>() {
            builder = builder.to(m);
            any = true;
        } else {
            tracing::warn!(address = %to, "skipping an invalid recipient");
        }
    }
    if !any {
        return Ok(());
    }
    let message = builder
        .body(mail.body.clone())
        .map_err(|e| format!("building the message: {e}"))?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP {}:{}: {e}", settings.host, settings.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let s =
            MailSettings::parse("smtp://relay.gob.example:2525", "centinela@gob.example").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("relay.gob.example", 2525));
        let s = MailSettings::parse("smtp://relay", "a@b.example").unwrap();
        assert_eq!(s.port, 25);
        for bad in ["relay:25", "smtp://", "smtp://h:x", "http://h:25"] {
            assert!(MailSettings::parse(bad, "a@b.example").is_err(), "{bad}");
        }
        assert!(MailSettings::parse("smtp://h:25", "not an address").is_err());
    }
}
