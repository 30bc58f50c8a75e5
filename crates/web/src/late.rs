//! Late reporting stages: when a stage of the national protocol runs past its deadline
//! without a submission, the people the protocol names (`on_late.notify`) are told once: an
//! official notice to the institution, in the application, with sealed registered-delivery
//! evidence, and an e-mail to the institution's officers and the coordinators.
//!
//! Every worker replica watches; a row per (incident, stage, occurrence) claimed with an
//! insert decides which one tells. Stages that went late more than [`WINDOW`] before the
//! watcher saw them (history imported or seeded, a server that was down for weeks) are
//! recorded without a message: a notice about an old lapse helps nobody.

use crate::AppState;
use crate::api::incidents::{clocks_at, protocol_of};
use crate::api::trust::{self as notices, NoticeRequest};
use crate::mail::{self, Mail};
use centinela_store::incidents as store;
use centinela_store::{Actor, constituency};
use incidents::clock::StageState;
use std::time::Duration;
use time::OffsetDateTime;

/// How long after its deadline a stage is still worth a message.
pub const WINDOW: time::Duration = time::Duration::days(7);
/// Incidents reported longer ago than this are not watched (their stages are settled).
const HORIZON: time::Duration = time::Duration::days(120);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub notified: usize,
    pub mails: usize,
    pub settled_silently: usize,
}

/// One pass over the open incidents at `now`.
pub async fn check_once(state: &AppState, now: OffsetDateTime) -> Result<Pass, String> {
    let mut pass = Pass::default();
    let open = store::open_since(&state.db, now - HORIZON)
        .await
        .map_err(|e| e.to_string())?;
    for row in open {
        let submitted = store::submissions(&state.db, row.id)
            .await
            .map_err(|e| e.to_string())?;
        let Some(protocol) = protocol_of(&row) else {
            continue;
        };
        for (occurrence, c) in clocks_at(&row, &submitted, "es", now)
            .into_iter()
            .enumerate()
        {
            let Some(deadline) = c.deadline else { continue };
            if c.state != StageState::Late || c.notify_on_late.is_empty() {
                continue;
            }
            let claimed = store::claim_late_notice(&state.db, row.id, &c.stage, occurrence as i64)
                .await
                .map_err(|e| e.to_string())?;
            if !claimed {
                continue;
            }
            if now - deadline > WINDOW {
                pass.settled_silently += 1;
                continue;
            }
            let stage_es = protocol
                .stage(&c.stage)
                .map(|s| s.name.get("es").to_string())
                .unwrap_or_else(|| c.stage.clone());
            let stage_en = protocol
                .stage(&c.stage)
                .map(|s| s.name.get("en").to_string())
                .unwrap_or_else(|| c.stage.clone());
            let subject = format!(
                "{}: etapa vencida «{stage_es}» / late stage “{stage_en}”",
                row.reference
            );
            let body = format!(
                "El incidente {reference} («{title}») no ha presentado la etapa «{stage_es}» del protocolo {protocol} {version}; el plazo venció el {deadline} (UTC).\n\n\
                 Incident {reference} (“{title}”) has not submitted the stage “{stage_en}” of protocol {protocol} {version}; the deadline passed on {deadline} (UTC).",
                reference = row.reference,
                title = row.title,
                protocol = row.protocol_id,
                version = row.protocol_version,
            );
            if state.seals.is_some() {
                let req = NoticeRequest {
                    recipient_institution_id: row.institution_id,
                    kind: "late_stage".into(),
                    subject: subject.clone(),
                    body: body.clone(),
                    incident_id: Some(row.id),
                };
                notices::send(state, &Actor::system(), None, &req, "late_stage")
                    .await
                    .map_err(|e| format!("late-stage notice: {}", e.key))?;
            }
            centinela_store::webhooks::emit_late_stage(
                &state.db,
                row.id,
                row.institution_id,
                &c.stage,
            )
            .await
            .map_err(|e| e.to_string())?;
            pass.notified += 1;
            if state.settings.mail.is_some() {
                let to = store::notify_addresses(&state.db, row.institution_id, &c.notify_on_late)
                    .await
                    .map_err(|e| e.to_string())?;
                let institution = constituency::get_institution(&state.db, row.institution_id)
                    .await
                    .map(|i| i.name_es)
                    .unwrap_or_default();
                let mail = Mail {
                    to,
                    subject,
                    body: format!("{institution}\n\n{body}\n"),
                };
                mail::enqueue(&state.db, &mail)
                    .await
                    .map_err(|e| e.to_string())?;
                pass.mails += usize::from(!mail.to.is_empty());
            }
        }
    }
    Ok(pass)
}

/// Watches forever (started on worker replicas), every `every`.
pub async fn watch_forever(state: AppState, every: Duration) {
    loop {
        match check_once(&state, OffsetDateTime::now_utc()).await {
            Ok(p) if p.notified > 0 || p.settled_silently > 0 => {
                tracing::info!(
                    notified = p.notified,
                    mails = p.mails,
                    settled = p.settled_silently,
                    "late stages"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "watching late stages failed; will retry"),
        }
        tokio::time::sleep(every).await;
    }
}
