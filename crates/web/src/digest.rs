//! Exposure digests by e-mail: each institution that chose a cadence (daily or weekly) gets
//! one message per period listing the findings stored or seen again since its previous
//! digest, minus those its suppression rules silence, sent to its officers.
//!
//! Every worker replica checks each minute; the (institution, period) row claimed with an
//! insert decides which replica queues the message, so it goes out once. A digest covers the
//! findings ingestion batches stamped after the previous digest's exposure clock number up to
//! its own (`exposure::claim_digest`), so a batch committing while a digest is claimed goes to
//! this digest or the next. Nothing is sent
//! for a period with nothing new (the claim is still recorded).

use crate::AppState;
use crate::i18n::{Lang, message};
use crate::mail::{self, Mail};
use centinela_core::exposure::Cadence;
use centinela_store::exposure::{self, DigestRow};
use centinela_store::{constituency, incidents};
use std::time::Duration;
use time::OffsetDateTime;

/// Rows listed in a message (the counts per type cover them all).
pub const TOP_ROWS: usize = 50;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub mails: usize,
}

/// One pass at `now`: claims every due digest and queues the messages.
pub async fn check_once(state: &AppState, now: OffsetDateTime) -> Result<Pass, String> {
    let mut pass = Pass::default();
    if state.settings.mail.is_none() {
        // Leave the periods unclaimed for a replica that can send.
        return Ok(pass);
    }
    let err = |e: centinela_store::StoreError| e.to_string();
    for s in exposure::digest_subscribers(&state.db).await.map_err(err)? {
        let Some(cadence) = Cadence::parse(&s.cadence) else {
            continue;
        };
        let Some(period) = exposure::digest_period(cadence, now) else {
            continue;
        };
        let Some(window) =
            exposure::claim_digest(&state.db, s.institution_id, cadence, &period, now)
                .await
                .map_err(err)?
        else {
            continue;
        };
        pass.claimed += 1;
        let rows = exposure::digest_rows(&state.db, s.institution_id, &window, now)
            .await
            .map_err(err)?;
        if rows.is_empty() {
            continue;
        }
        let to = incidents::notify_addresses(
            &state.db,
            s.institution_id,
            &[
                "institution:titular".to_string(),
                "institution:responsable".to_string(),
            ],
        )
        .await
        .map_err(err)?;
        let langs = languages(&state.db, &to).await.map_err(err)?;
        let institution = constituency::get_institution(&state.db, s.institution_id)
            .await
            .map_err(err)?;
        let (subject, body) = compose(&langs, &institution.name_es, cadence, &rows);
        let mail = Mail { to, subject, body };
        mail::enqueue(&state.db, &mail).await.map_err(err)?;
        exposure::digest_sent(&state.db, s.institution_id, &period, rows.len() as i64)
            .await
            .map_err(err)?;
        pass.mails += usize::from(!mail.to.is_empty());
    }
    Ok(pass)
}

/// The recipients' languages: one when they all share it (by their account setting;
/// addresses without an account count as Spanish), both otherwise, Spanish first.
async fn languages(
    db: &centinela_store::Db,
    to: &[String],
) -> Result<Vec<Lang>, centinela_store::StoreError> {
    let mut langs = vec![];
    for locale in exposure::recipient_locales(db, to).await? {
        let lang = Lang::from_tag(&locale).unwrap_or(Lang::Es);
        if !langs.contains(&lang) {
            langs.push(lang);
        }
    }
    langs.sort_by_key(|l| *l != Lang::Es);
    if langs.is_empty() {
        langs.push(Lang::Es);
    }
    Ok(langs)
}

/// Subject and plain-text body in each of `langs`.
pub fn compose(
    langs: &[Lang],
    institution: &str,
    cadence: Cadence,
    rows: &[DigestRow],
) -> (String, String) {
    // Per identifier: findings, and how many of them were seen for the first time.
    let mut per_type: Vec<(&str, usize, usize)> = vec![];
    for r in rows {
        let new = usize::from(r.count == 1);
        match per_type.iter_mut().find(|(k, _, _)| *k == r.identifier) {
            Some((_, n, fresh)) => {
                *n += 1;
                *fresh += new;
            }
            None => per_type.push((&r.identifier, 1, new)),
        }
    }
    per_type.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let n = rows.len().to_string();
    let subject = langs
        .iter()
        .map(|l| {
            message(
                *l,
                &format!("digest-subject-{}", cadence.as_str()),
                &[("institution", institution.into()), ("count", n.clone())],
            )
        })
        .collect::<Vec<_>>()
        .join(" / ");
    let mut body = format!("{institution}\n");
    for lang in langs {
        let m = |k: &str| message(*lang, k, &[]);
        body.push_str(&format!(
            "\n{}\n\n{}\n",
            message(*lang, "digest-intro", &[("count", n.clone())]),
            m("digest-by-type")
        ));
        for (k, c, fresh) in &per_type {
            let fresh = message(*lang, "digest-new", &[("count", fresh.to_string())]);
            body.push_str(&format!("  {k}: {c} ({fresh})\n"));
        }
        let shown = rows.len().min(TOP_ROWS);
        body.push_str(&format!(
            "\n{}\n",
            message(
                *lang,
                "digest-top",
                &[("shown", shown.to_string()), ("count", n.clone())]
            )
        ));
        body.push_str(&format!(
            "  {:<39} {:>5}  {:<22} {:<26} {:>6}  {}\n",
            "IP",
            m("field-port"),
            m("digest-type"),
            m("field-identifier"),
            m("exposure-sightings"),
            m("exposure-last-seen")
        ));
        for r in rows.iter().take(TOP_ROWS) {
            let seen = r
                .last_seen
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            body.push_str(&format!(
                "  {:<39} {:>5}  {:<22} {:<26} {:>6}  {seen}\n",
                r.source_ip, r.source_port, r.class_type, r.identifier, r.count
            ));
        }
        body.push_str(&format!("\n{}\n", m("digest-footer")));
    }
    (subject, body)
}

/// Watches forever (started on worker replicas), every `every`.
pub async fn watch_forever(state: AppState, every: Duration) {
    loop {
        match check_once(&state, OffsetDateTime::now_utc()).await {
            Ok(p) if p.mails > 0 => tracing::info!(mails = p.mails, "exposure digests"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "exposure digests failed; will retry"),
        }
        tokio::time::sleep(every).await;
    }
}
