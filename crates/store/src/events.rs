//! The event bus: an outbox table written in each change's transaction, read by one task per
//! process and fanned out to that process's subscribers (server-sent events).
//!
//! On PostgreSQL a `NOTIFY` sent after commit (coalesced, see `Db`) wakes every replica's reader; on SQLite the committing
//! transaction wakes the local reader. Either way the reader then reads the outbox from the
//! last id it saw, so a lost notification only delays delivery until the next poll.

use crate::db::{Backend, Tx};
use crate::{Db, Result, args, now};
use serde::Serialize;
use sqlx::FromRow;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::broadcast;
use uuid::Uuid;

pub const CHANNEL: &str = "centinela_events";
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Event {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub topic: String,
    pub institution_id: Option<Uuid>,
    /// JSON text; a compact statement about the change, never the record itself.
    pub payload: String,
}

/// Appends an event to the outbox inside the caller's transaction.
pub async fn emit(
    tx: &mut Tx,
    topic: &str,
    institution: Option<Uuid>,
    payload: &impl Serialize,
) -> Result<()> {
    let payload =
        serde_json::to_string(payload).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
    tx.execute(
        "INSERT INTO events (at, topic, institution_id, payload) VALUES ($1, $2, $3, $4)",
        args![now(), topic, institution, payload],
    )
    .await?;
    // After commit every replica listening hears of it (PostgreSQL); the notification is
    // empty, readers read the outbox from their last id.
    tx.notify_replicas();
    Ok(())
}

/// Adds several events of one topic to the outbox in one statement, in order.
pub async fn emit_many(
    tx: &mut Tx,
    topic: &str,
    events: &[(Option<Uuid>, &impl Serialize)],
) -> Result<()> {
    let at = now();
    for chunk in crate::db::pow2_chunks(events, EVENTS_PER_STATEMENT) {
        let mut params = Vec::with_capacity(chunk.len() * 4);
        for (institution, payload) in chunk {
            let payload = serde_json::to_string(payload)
                .map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
            params.extend(args![at, topic, *institution, payload]);
        }
        tx.execute(
            &format!(
                "INSERT INTO events (at, topic, institution_id, payload) VALUES {}",
                crate::db::value_rows(tx.backend(), chunk.len(), 4)
            ),
            params,
        )
        .await?;
    }
    if !events.is_empty() {
        tx.notify_replicas();
    }
    Ok(())
}

/// Events per multi-row statement: 4 parameters each.
const EVENTS_PER_STATEMENT: usize = 2048;

#[derive(FromRow)]
struct MaxId {
    id: Option<i64>,
}

/// Delivers every event committed after it started to its subscribers.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl EventBus {
    /// Starts the reader task on the current tokio runtime.
    pub async fn start(db: Db) -> Result<EventBus> {
        let (sender, _) = broadcast::channel(1024);
        let last: MaxId = db
            .fetch_one("SELECT MAX(id) AS id FROM events", args![])
            .await?;
        let bus = EventBus { sender };
        tokio::spawn(read_outbox(db, bus.sender.clone(), last.id.unwrap_or(0)));
        Ok(bus)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }
}

async fn read_outbox(db: Db, sender: broadcast::Sender<Arc<Event>>, mut last: i64) {
    let mut listener = match db.pg_pool() {
        Some(pool) => match sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(mut l) => match l.listen(CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN failed; polling the outbox instead");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "no listener connection; polling the outbox instead");
                None
            }
        },
        None => None,
    };
    loop {
        match listener.as_mut() {
            Some(l) => {
                tokio::select! {
                    r = l.try_recv() => if r.is_err() { tokio::time::sleep(POLL).await },
                    _ = db.wake.notified() => {},
                    _ = tokio::time::sleep(POLL) => {},
                }
            }
            None => {
                tokio::select! {
                    _ = db.wake.notified() => {},
                    _ = tokio::time::sleep(POLL) => {},
                }
            }
        }
        if sender.receiver_count() == 0 && db.backend() == Backend::Sqlite {
            // Nobody listens here: skip the read but keep our place.
            if let Ok(m) = db
                .fetch_one::<MaxId>("SELECT MAX(id) AS id FROM events", args![])
                .await
            {
                last = m.id.unwrap_or(last);
            }
            continue;
        }
        loop {
            let batch: Vec<Event> = match db
                .fetch_all(
                    "SELECT id, at, topic, institution_id, payload FROM events WHERE id > $1 ORDER BY id LIMIT 500",
                    args![last],
                )
                .await
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the event outbox failed");
                    break;
                }
            };
            let full = batch.len() == 500;
            for event in batch {
                last = event.id;
                let _ = sender.send(Arc::new(event));
            }
            if !full {
                break;
            }
        }
        if db.pg_pool().is_some_and(|p| p.is_closed()) {
            return;
        }
    }
}
