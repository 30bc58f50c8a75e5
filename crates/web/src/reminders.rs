//! Campaign reminders by e-mail: an assessment that is not complete (some measure of its
//! profile still unanswered — assessments have no other state) gets a message to its
//! institution's two officers 7 days and 1 day before the campaign's due date, and once when
//! it is overdue.
//!
//! Every worker replica checks; a row per (campaign, institution, kind) claimed with an insert
//! decides which one sends, as for late reporting stages (`late`). Only the tightest reminder
//! that applies is sent, so a campaign started 3 days before its due date gets the 7-day
//! reminder now and the 1-day one later, never both at once. Campaigns overdue for longer than
//! [`OVERDUE_WINDOW`] are left alone: a server down for weeks does not wake up mailing.

use crate::AppState;
use crate::mail::{self, Mail};
use centinela_store::ncaf::{PendingAssessment, claim_reminder, incomplete_assessments};
use centinela_store::{constituency, incidents};
use std::time::Duration;
use time::Date;

/// Days before the due date at which a reminder goes out, widest first.
pub const DAYS_BEFORE: [i64; 2] = [7, 1];
/// How long after the due date the overdue reminder is still sent.
pub const OVERDUE_WINDOW: i64 = 7;

/// The reminder due for an assessment on `today`, if any: `due-7`, `due-1` or `overdue`.
pub fn kind_at(due_on: Date, today: Date) -> Option<String> {
    let left = (due_on - today).whole_days();
    if left < 0 {
        return (-left <= OVERDUE_WINDOW).then(|| "overdue".to_string());
    }
    DAYS_BEFORE
        .iter()
        .rev()
        .find(|&&d| left <= d)
        .map(|d| format!("due-{d}"))
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Reminders claimed by this replica.
    pub reminded: usize,
    /// Messages queued (a reminder to an institution with no officer e-mail queues none).
    pub mails: usize,
}

fn message(p: &PendingAssessment, kind: &str, institution: &str) -> Mail {
    let (es, en) = match kind {
        "overdue" => ("venció el plazo".to_string(), "is overdue".to_string()),
        _ => {
            let days = kind.trim_start_matches("due-");
            (
                format!("vence en {days} día(s)"),
                format!("is due in {days} day(s)"),
            )
        }
    };
    let subject = format!(
        "{title}: la autoevaluación {es} / the assessment {en}",
        title = p.campaign_title
    );
    let body = format!(
        "{institution}\n\n\
         La autoevaluación de la campaña «{title}» {es} (fecha límite: {due}). Medidas respondidas: {answered} de {measures}.\n\
         Respóndala en /institutions/{inst}/assessments/{id}\n\n\
         The assessment of campaign “{title}” {en} (due date: {due}). Measures answered: {answered} of {measures}.\n\
         Answer it at /institutions/{inst}/assessments/{id}\n",
        title = p.campaign_title,
        due = p.due_on,
        answered = p.answered,
        measures = p.measures,
        inst = p.institution_id,
        id = p.assessment_id,
    );
    Mail {
        to: vec![],
        subject,
        body,
    }
}

/// One pass at `today`. Without mail settings there is nothing to send, so nothing is
/// claimed either (reminders start when mail is configured).
pub async fn check_once(state: &AppState, today: Date) -> Result<Pass, String> {
    let mut pass = Pass::default();
    if state.settings.mail.is_none() {
        return Ok(pass);
    }
    let from = today - time::Duration::days(OVERDUE_WINDOW);
    let to = today + time::Duration::days(DAYS_BEFORE[0]);
    let pending = incomplete_assessments(&state.db, from, to)
        .await
        .map_err(|e| e.to_string())?;
    for p in pending {
        let Some(kind) = kind_at(p.due_on, today) else {
            continue;
        };
        let claimed = claim_reminder(&state.db, p.campaign_id, p.institution_id, &kind)
            .await
            .map_err(|e| e.to_string())?;
        if !claimed {
            continue;
        }
        pass.reminded += 1;
        let institution = constituency::get_institution(&state.db, p.institution_id)
            .await
            .map(|i| i.name_es)
            .unwrap_or_default();
        let mut mail = message(&p, &kind, &institution);
        mail.to = incidents::notify_addresses(
            &state.db,
            p.institution_id,
            &[
                "institution:titular".to_string(),
                "institution:responsable".to_string(),
            ],
        )
        .await
        .map_err(|e| e.to_string())?;
        mail::enqueue(&state.db, &mail)
            .await
            .map_err(|e| e.to_string())?;
        pass.mails += usize::from(!mail.to.is_empty());
    }
    Ok(pass)
}

/// Checks forever (started on worker replicas), every `every`.
pub async fn watch_forever(state: AppState, every: Duration) {
    loop {
        let today = time::OffsetDateTime::now_utc().date();
        match check_once(&state, today).await {
            Ok(p) if p.reminded > 0 => {
                tracing::info!(reminded = p.reminded, mails = p.mails, "campaign reminders");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "campaign reminders failed; will retry"),
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_tightest_reminder_applies() {
        let due = date!(2026 - 12 - 10);
        let cases = [
            (date!(2026 - 11 - 30), None, "10 days before"),
            (date!(2026 - 12 - 03), Some("due-7"), "7 days before"),
            (date!(2026 - 12 - 07), Some("due-7"), "3 days before"),
            (date!(2026 - 12 - 09), Some("due-1"), "1 day before"),
            (date!(2026 - 12 - 10), Some("due-1"), "on the due date"),
            (date!(2026 - 12 - 11), Some("overdue"), "1 day late"),
            (date!(2026 - 12 - 17), Some("overdue"), "7 days late"),
            (date!(2026 - 12 - 18), None, "8 days late"),
        ];
        for (today, want, why) in cases {
            assert_eq!(kind_at(due, today).as_deref(), want, "{why}");
        }
    }
}
