//! Webhook subscriptions and their deliveries.
//!
//! Deliveries come from the event outbox: one dispatcher at a time (whichever replica takes
//! the cursor row's lock) reads the events past the cursor, records a delivery per matching
//! subscription and moves the cursor, in one transaction, so each event is delivered to each
//! subscription once however many replicas run. Sending is a job (`webhook`), retried with
//! the queue's backoff.

use crate::audit::{self, Change};
use crate::events::Event;
use crate::incidents::IncidentRow;
use crate::{Actor, Db, Result, StoreError, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Webhook {
    pub id: Uuid,
    /// The institution whose incidents it reports; `None` for a national subscription.
    pub institution_id: Option<Uuid>,
    pub url: String,
    /// The HMAC-SHA256 key; shown once, when the subscription is made.
    #[serde(skip)]
    pub secret: String,
    /// Space-separated event names.
    pub events: String,
    pub active: bool,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: i64,
    pub event: String,
    /// The JSON body sent.
    pub payload: String,
    /// `queued`, `delivered` or `failed` (the last attempt failed; retried until the queue gives up).
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, institution_id, url, secret, events, active, created_by, created_at";
const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, event, payload, state, attempts, last_status, last_error, created_at, delivered_at";

pub struct NewWebhook {
    pub institution_id: Option<Uuid>,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
}

pub async fn create(db: &Db, actor: &Actor, n: &NewWebhook) -> Result<Webhook> {
    let mut tx = db.begin().await?;
    if let Some(i) = n.institution_id {
        crate::constituency::ensure_institution(&mut tx, i).await?;
    }
    let w = Webhook {
        id: Uuid::new_v4(),
        institution_id: n.institution_id,
        url: n.url.clone(),
        secret: n.secret.clone(),
        events: n.events.join(" "),
        active: true,
        created_by: actor.email.clone(),
        created_at: now(),
    };
    tx.execute(
        &format!("INSERT INTO webhooks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
        args![
            w.id,
            w.institution_id,
            &w.url,
            &w.secret,
            &w.events,
            w.active,
            &w.created_by,
            w.created_at
        ],
    )
    .await?;
    // The secret stays out of the audit statement.
    let change = Change::new(
        "create",
        "webhook",
        w.id,
        w.institution_id,
        &serde_json::json!({"url": w.url, "events": w.events}),
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(w)
}

pub async fn delete(db: &Db, actor: &Actor, w: &Webhook) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute("DELETE FROM webhooks WHERE id = $1", args![w.id])
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let change = Change::new(
        "delete",
        "webhook",
        w.id,
        w.institution_id,
        &serde_json::json!({"url": w.url}),
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await
}

pub async fn get(db: &Db, id: Uuid) -> Result<Webhook> {
    db.fetch_one(
        &format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"),
        args![id],
    )
    .await
}

/// An institution's subscriptions, or the national ones (`None`).
pub async fn list(db: &Db, institution: Option<Uuid>) -> Result<Vec<Webhook>> {
    match institution {
        Some(i) => {
            db.fetch_all(
                &format!("SELECT {COLUMNS} FROM webhooks WHERE institution_id = $1 ORDER BY created_at, id"),
                args![i],
            )
            .await
        }
        None => {
            db.fetch_all(
                &format!("SELECT {COLUMNS} FROM webhooks WHERE institution_id IS NULL ORDER BY created_at, id"),
                args![],
            )
            .await
        }
    }
}

pub async fn deliveries(db: &Db, webhook: Uuid, limit: i64) -> Result<Vec<Delivery>> {
    db.fetch_all(
        &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id LIMIT $2"),
        args![webhook, limit],
    )
    .await
}

pub async fn get_delivery(db: &Db, id: Uuid) -> Result<Delivery> {
    db.fetch_one(
        &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"),
        args![id],
    )
    .await
}

/// What the dispatcher makes of one outbox event (with the incident it is about, if any, and
/// the institutions it was shared with when the event happened): for each subscription it concerns,
/// the event name and the body to send.
pub trait Plan {
    fn deliveries(
        &self,
        event: &Event,
        incident: Option<&IncidentRow>,
        recipients: &[Uuid],
        hooks: &[Webhook],
    ) -> Vec<(Uuid, String, String)>;
}

/// One dispatcher pass: under the cursor's lock, turns the events past the cursor into
/// deliveries (and their jobs) and moves the cursor. Returns the deliveries made.
pub async fn dispatch(
    db: &Db,
    plan: &(dyn Plan + Sync),
    job_kind: &str,
    batch: i64,
) -> Result<Vec<Uuid>> {
    #[derive(FromRow)]
    struct Cursor {
        last_event_id: i64,
    }
    #[derive(FromRow)]
    struct Shared {
        institution_id: Uuid,
    }
    let mut tx = db.begin().await?;
    // Taking the row's write lock first makes the pass exclusive on both backends.
    tx.execute(
        "UPDATE webhook_cursor SET last_event_id = last_event_id WHERE id = 1",
        args![],
    )
    .await?;
    let cursor: Cursor = tx
        .fetch_one(
            "SELECT last_event_id FROM webhook_cursor WHERE id = 1",
            args![],
        )
        .await?;
    let events: Vec<Event> = tx
        .fetch_all(
            "SELECT id, at, topic, institution_id, payload FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            args![cursor.last_event_id, batch],
        )
        .await?;
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(vec![]);
    };
    let hooks: Vec<Webhook> = tx
        .fetch_all(
            &format!("SELECT {COLUMNS} FROM webhooks WHERE active = $1"),
            args![true],
        )
        .await?;
    let mut made = vec![];
    for e in &events {
        let incident: Option<IncidentRow> =
            match serde_json::from_str::<serde_json::Value>(&e.payload)
                .ok()
                .filter(|p| p["record_kind"] == "incident" && !hooks.is_empty())
                .and_then(|p| {
                    p["record_id"]
                        .as_str()
                        .and_then(|id| Uuid::try_parse(id).ok())
                }) {
                Some(id) => {
                    tx.fetch_optional(
                        &format!(
                            "SELECT {} FROM incidents WHERE id = $1",
                            crate::incidents::COLUMNS
                        ),
                        args![id],
                    )
                    .await?
                }
                None => None,
            };
        let recipients: Vec<Uuid> = match &incident {
            Some(i) => tx
                .fetch_all::<Shared>(
                    // Recipients as of the event: sharing does not replay what came before.
                    "SELECT institution_id FROM incident_recipients WHERE incident_id = $1 AND shared_at <= $2",
                    args![i.id, e.at],
                )
                .await?
                .into_iter()
                .map(|s| s.institution_id)
                .collect(),
            None => vec![],
        };
        for (hook, name, body) in plan.deliveries(e, incident.as_ref(), &recipients, &hooks) {
            let id = Uuid::new_v4();
            tx.execute(
                &format!("INSERT INTO webhook_deliveries ({DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'queued', 0, NULL, NULL, $6, NULL) ON CONFLICT DO NOTHING"),
                args![id, hook, e.id, &name, &body, now()],
            )
            .await?;
            // More attempts than other jobs: a receiver may be down for hours.
            crate::jobs::enqueue_in(
                &mut tx,
                job_kind,
                &serde_json::json!({"delivery": id}).to_string(),
                8,
            )
            .await?;
            made.push(id);
        }
    }
    tx.execute(
        "UPDATE webhook_cursor SET last_event_id = $1 WHERE id = 1",
        args![last],
    )
    .await?;
    tx.commit().await?;
    Ok(made)
}

/// Records the outcome of one attempt.
pub async fn record_attempt(
    db: &Db,
    delivery: Uuid,
    status: Option<u16>,
    error: Option<&str>,
) -> Result<()> {
    let delivered = error.is_none();
    db.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3, state = $4, delivered_at = $5 WHERE id = $1",
        args![
            delivery,
            status.map(i64::from),
            error.map(|e| e.chars().take(500).collect::<String>()),
            if delivered { "delivered" } else { "failed" },
            delivered.then(now)
        ],
    )
    .await?;
    Ok(())
}

/// Announces that a reporting stage of an incident went late (for webhooks and live views).
pub async fn emit_late_stage(
    db: &Db,
    incident: Uuid,
    institution: Uuid,
    stage: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    crate::events::emit(
        &mut tx,
        "incident.late",
        Some(institution),
        &serde_json::json!({"record_kind": "incident", "record_id": incident, "stage": stage}),
    )
    .await?;
    tx.commit().await
}
