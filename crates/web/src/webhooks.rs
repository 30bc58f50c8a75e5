//! Signed webhooks: incident events (reported, severity changed, a reporting stage late)
//! POSTed as JSON to the subscribers' URLs, signed with HMAC-SHA256.
//!
//! Every request carries `X-Centinela-Event`, `X-Centinela-Delivery` (the delivery id, for
//! receivers to drop repeats), `X-Centinela-Timestamp` (Unix seconds) and
//! `X-Centinela-Signature: sha256=<hex>`, the HMAC-SHA256 under the subscription's secret of
//! `<timestamp>.<body>`; receivers recompute it and refuse stale timestamps, so a captured
//! request can neither be altered nor replayed later. The body states what happened and
//! where to read more (the incident's API path), never the report's text: the receiver
//! reads the rest with its own token, under the access policy.
//!
//! Which incidents reach whom: an institution's subscription gets its own incidents and those
//! shared with it (AMBER recipients, from the moment of sharing: `incident.shared` tells it);
//! a national one every incident a coordinator may read. TLP:RED never leaves (it is for
//! named people), nor AMBER+STRICT on national subscriptions.

use axum::http::{Request, Uri, header};
use centinela_store::Db;
use centinela_store::events::Event;
use centinela_store::incidents::IncidentRow;
use centinela_store::webhooks::{self as store, Plan, Webhook};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub const JOB_KIND: &str = "webhook";

/// The events a subscription may ask for, as named in requests.
pub const EVENTS: [&str; 4] = [
    "incident.reported",
    "incident.severity_changed",
    "incident.late",
    "incident.shared",
];

const TIMEOUT: Duration = Duration::from_secs(10);

/// `sha256=<hex>` over `<timestamp>.<body>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("sha256={}", hex::encode(ctx.sign().as_ref()))
}

/// Turns outbox events about incidents into deliveries.
struct IncidentEvents;

impl Plan for IncidentEvents {
    fn deliveries(
        &self,
        event: &Event,
        incident: Option<&IncidentRow>,
        recipients: &[Uuid],
        hooks: &[Webhook],
    ) -> Vec<(Uuid, String, String)> {
        let Some(i) = incident else { return vec![] };
        if !EVENTS.contains(&event.topic.as_str()) || i.tlp == "TLP:RED" {
            return vec![];
        }
        let extra: serde_json::Value = serde_json::from_str(&event.payload).unwrap_or_default();
        let body = serde_json::json!({
            "event": event.topic,
            "at": event.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "incident": {
                "id": i.id,
                "reference": i.reference,
                "institution_id": i.institution_id,
                "level": i.level,
                "significant": i.significant,
                "tlp": i.tlp,
                "state": i.state,
                "class": i.class,
                "kind": i.kind,
                "href": format!("/api/v1/incidents/{}", i.id),
            },
            "stage": extra.get("stage"),
        })
        .to_string();
        hooks
            .iter()
            .filter(|h| h.events.split(' ').any(|e| e == event.topic))
            .filter(|h| match h.institution_id {
                Some(inst) => inst == i.institution_id || recipients.contains(&inst),
                None => i.tlp != "TLP:AMBER+STRICT",
            })
            .map(|h| (h.id, event.topic.clone(), body.clone()))
            .collect()
    }
}

/// One dispatcher pass (any replica; the cursor's lock makes it exclusive).
pub async fn dispatch_once(db: &Db) -> Result<usize, String> {
    store::dispatch(db, &IncidentEvents, JOB_KIND, 500)
        .await
        .map(|v| v.len())
        .map_err(|e| e.to_string())
}

/// Runs the dispatcher every `every`, forever.
pub async fn dispatch_forever(db: Db, every: Duration) {
    loop {
        match dispatch_once(&db).await {
            Ok(n) if n > 0 => tracing::debug!(deliveries = n, "webhook deliveries queued"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook dispatch failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Whether an address may be called: never loopback, link-local (cloud metadata),
/// unspecified or multicast unless the deployment allows it (tests, a local relay).
fn allowed(ip: IpAddr, allow_local: bool) -> bool {
    if allow_local {
        return true;
    }
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || v4.is_multicast())
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// Checks a subscription URL as typed: `http` or `https`, a host, at most 500 characters.
pub fn check_url(url: &str) -> Result<Uri, &'static str> {
    if url.len() > 500 {
        return Err("err-too-long");
    }
    let uri: Uri = url.parse().map_err(|_| "err-webhook-url")?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(h)) if !h.is_empty() => Ok(uri),
        _ => Err("err-webhook-url"),
    }
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Arc::new(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .expect("ring supports the default versions")
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            )
        })
        .clone()
}

/// POSTs `body` to `url` with `headers`; the status, or why there is none.
pub async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    allow_local: bool,
) -> Result<u16, String> {
    let uri = check_url(url).map_err(|_| "not an http(s) URL".to_string())?;
    let https = uri.scheme_str() == Some("https");
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("resolving {host}: {e}"))?
        .collect();
    let addr = addrs
        .into_iter()
        .find(|a| allowed(a.ip(), allow_local))
        .ok_or_else(|| format!("{host} resolves to no address we may call"))?;
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut req = Request::post(path)
        .header(
            header::HOST,
            uri.authority().map(|a| a.as_str()).unwrap_or(&host),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "Centinela-Webhooks/1");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let req = req
        .body(Full::new(bytes::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        if https {
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|_| format!("{host} is not a valid TLS name"))?;
            let tls = tokio_rustls::TlsConnector::from(tls_config())
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS with {host}: {e}"))?;
            send(TokioIo::new(tls), req).await
        } else {
            send(TokioIo::new(tcp), req).await
        }
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
}

async fn send<T>(io: T, req: Request<Full<bytes::Bytes>>) -> Result<u16, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| format!("sending: {e}"))?;
    Ok(res.status().as_u16())
}

/// Runs one delivery job: signs and sends, records the attempt; an error makes the queue
/// retry it later.
pub async fn run_job(db: &Db, payload: &str, allow_local: bool) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
    let id = v["delivery"]
        .as_str()
        .and_then(|s| Uuid::try_parse(s).ok())
        .ok_or("payload without a delivery id")?;
    let d = store::get_delivery(db, id)
        .await
        .map_err(|e| e.to_string())?;
    // A subscription deleted since: nothing left to do.
    let Ok(hook) = store::get(db, d.webhook_id).await else {
        return Ok(());
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let headers = [
        ("x-centinela-event", d.event.clone()),
        ("x-centinela-delivery", d.id.to_string()),
        ("x-centinela-timestamp", timestamp.to_string()),
        (
            "x-centinela-signature",
            signature(&hook.secret, timestamp, d.payload.as_bytes()),
        ),
    ];
    let outcome = post(
        &hook.url,
        &headers,
        d.payload.clone().into_bytes(),
        allow_local,
    )
    .await;
    let (status, error) = match &outcome {
        Ok(s) if (200..300).contains(s) => (Some(*s), None),
        Ok(s) => (Some(*s), Some(format!("HTTP {s}"))),
        Err(e) => (None, Some(e.clone())),
    };
    store::record_attempt(db, id, status, error.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    match error {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_and_body() {
        // Computed independently: printf '1.{}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            signature("key", 1, b"{}"),
            "sha256=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn urls_and_addresses() {
        for (url, ok) in [
            ("https://soc.example.gob.mx/hooks/centinela", true),
            ("http://10.0.0.5:8080/in", true),
            ("ftp://x/y", false),
            ("https:///nohost", false),
            ("not a url", false),
        ] {
            assert_eq!(check_url(url).is_ok(), ok, "{url}");
        }
        for (ip, ok) in [
            ("127.0.0.1", false),
            ("169.254.169.254", false),
            ("0.0.0.0", false),
            ("::1", false),
            ("fe80::1", false),
            ("10.1.2.3", true),
            ("203.0.113.9", true),
            ("2001:db8::1", true),
        ] {
            assert_eq!(allowed(ip.parse().unwrap(), false), ok, "{ip}");
        }
    }
}
