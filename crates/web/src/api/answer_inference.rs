//! Answers inferred from the institution's other assessments (`assess::infer`): after a
//! campaign assigns assessments (and carry-over has copied the previous answers), and on
//! request (`POST .../assessments/{id}/infer`); likewise into a subject assessment (a digital
//! service's or an ICT project's) when it starts and on request, from the campaign answers.
//!
//! Sources are only the institution's own answers, read under its id; targets only the
//! measures of the assessment still unanswered. Each measure's framework ids come from the
//! resolved catalog its campaign stored (`maps-to` props), so an old campaign relates to a
//! new one exactly as it was assessed. Inferred answers carry their provenance, never a
//! verdict, and lose the mark when the officer saves them.

use crate::AppState;
use crate::api::assessments::AnswerView;
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::ApiPath;
use assess::infer::{FrameworkId, InferredFrom, Known, Target, Via, infer};
use assess::{Catalog, MappingSet};
use axum::Json;
use axum::extract::State;
use centinela_store::assessments::{self as store, Answer, Campaign, MeasureRow};
use centinela_store::inference::{self as repo, NewInferred};
use centinela_store::{Actor, Db, Scope, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};
use uuid::Uuid;

/// Frameworks whose shared ids relate two measures: those the baseline's tests check against
/// the real CSF 2.0 and SP 800-53 catalogs (ISO, ISO 20000 and PCI ids are by identifier only
/// and unchecked, so they relate measures only through mapping files).
pub const COMPARE: [&str; 2] = ["csf-2.0", "sp800-53r5"];

const MAPPING_FILES: [(&str, &str); 2] = [
    (
        "nist-sp800-53r5_to_iso27001-2022.olir.csv",
        include_str!("../../../assess/data/mappings/nist-sp800-53r5_to_iso27001-2022.olir.csv"),
    ),
    (
        "nist-csf-1.1_to_nist-csf-2.0.csv",
        include_str!("../../../assess/data/mappings/nist-csf-1.1_to_nist-csf-2.0.csv"),
    ),
];

/// The shipped mappings (NIST origin only; see `assess/data/mappings/README.md`).
pub static MAPPINGS: LazyLock<MappingSet> = LazyLock::new(|| {
    let mut set = MappingSet::new();
    for (name, text) in MAPPING_FILES {
        set.load_csv(text, assess::mapping::Provenance::from_file_name(name))
            .expect("shipped mappings load (tested)");
    }
    set
});

/// Provenance of an inferred answer as stored and shown: the source, and the campaign it was
/// answered in (so people read a title, not an id).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    #[serde(flatten)]
    pub from: InferredFrom,
    pub campaign_id: Uuid,
    pub campaign_title: String,
}

impl Provenance {
    /// How the two measures relate: the shared ids, or the mapping row and its file.
    pub fn via_text(&self) -> String {
        match &self.from.via {
            Via::SharedIds { ids } => ids.join(", "),
            Via::Mapping { from, to, source } => format!("{from} → {to}, {source}"),
        }
    }

    /// One line for exports: `campaign / measure (relationship; ids or mapping file)`.
    pub fn summary(&self) -> String {
        let how = self.via_text();
        format!(
            "{} / {} ({}; {how})",
            self.campaign_title, self.from.measure, self.from.relationship
        )
    }
}

/// A source whose evidence may serve an unanswered measure (an `intersects` relation).
#[derive(Debug, Serialize)]
pub struct SuggestionView {
    pub measure_id: String,
    pub source: Provenance,
}

#[derive(Debug, Default, Serialize)]
pub struct InferOutcome {
    /// Answers written, each marked with its provenance.
    pub inferred: Vec<AnswerView>,
    /// Measures still unanswered for which another answer's evidence is worth a look.
    pub suggestions: Vec<SuggestionView>,
}

type MapsTo = Arc<HashMap<String, Vec<FrameworkId>>>;

/// Framework ids per measure of a campaign profile, parsed once per (campaign, profile).
#[derive(Default)]
pub struct Catalogs {
    maps: HashMap<(Uuid, String), MapsTo>,
    titles: HashMap<Uuid, String>,
}

impl Catalogs {
    async fn maps(&mut self, db: &Db, campaign: Uuid, profile: &str) -> Result<MapsTo, ApiError> {
        let key = (campaign, profile.to_string());
        if let Some(m) = self.maps.get(&key) {
            return Ok(Arc::clone(m));
        }
        // Ids and props are the same in both languages.
        let text = store::profile_catalog(db, campaign, profile, "en").await?;
        let maps = match Catalog::from_json_str(&text, "campaign-profile") {
            Ok(c) => assess::infer::catalog_maps_to(&c),
            Err(e) => {
                // A stored catalog that no longer parses relates nothing; it is not the
                // caller's fault, and the assessment itself still works.
                tracing::warn!(%campaign, profile, error = %e, "campaign catalog does not parse");
                HashMap::new()
            }
        };
        let maps = Arc::new(maps);
        self.maps.insert(key, Arc::clone(&maps));
        Ok(maps)
    }

    async fn title(&mut self, db: &Db, campaign: Uuid) -> Result<String, ApiError> {
        if let Some(t) = self.titles.get(&campaign) {
            return Ok(t.clone());
        }
        let t = store::get_campaign(db, campaign).await?.title;
        self.titles.insert(campaign, t.clone());
        Ok(t)
    }
}

async fn provenance(
    db: &Db,
    catalogs: &mut Catalogs,
    campaign_of: &HashMap<String, Uuid>,
    from: InferredFrom,
) -> Result<Provenance, ApiError> {
    let campaign_id = campaign_of
        .get(&from.assessment)
        .copied()
        .unwrap_or_default();
    Ok(Provenance {
        campaign_title: catalogs.title(db, campaign_id).await?,
        campaign_id,
        from,
    })
}

/// Fills the unanswered measures of `institution`'s assessment `id` with answers inferred
/// from its other assessments. Another institution's assessment is not found.
pub async fn infer_assessment(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    catalogs: &mut Catalogs,
) -> Result<InferOutcome, ApiError> {
    let a = store::get_assessment(db, institution, id).await?;
    // A first assessment (most of a first campaign) has nothing to draw on: one query.
    let sources = repo::source_answers(db, institution, id).await?;
    if sources.is_empty() {
        return Ok(InferOutcome::default());
    }
    let measures = store::measures(db, a.campaign_id, &a.profile).await?;
    let answers = store::answers(db, id).await?;
    let maps = catalogs.maps(db, a.campaign_id, &a.profile).await?;
    let into = Destination {
        target: repo::Target::Campaign,
        institution,
        id,
        measures: &measures,
        answers: &answers,
        maps: &maps,
    };
    Ok(infer_into(db, actor, catalogs, sources, into).await?)
}

/// A subject assessment (a digital service's or an ICT project's) gets the same inference
/// from the institution's campaign assessments, while it is a draft or returned; each
/// measure's framework ids come from the questionnaire it stored when it started.
pub async fn infer_subject(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    catalogs: &mut Catalogs,
) -> Result<InferOutcome, ApiError> {
    use centinela_store::projects as subjects;
    let a = subjects::get(db, institution, id).await?;
    // Submitted or approved, it is what the reviewer sees: checked before anything is read.
    if !a.review().editable() {
        return Err(crate::api::projects::review_error(StoreError::State(
            "subject-assessment-locked",
        )));
    }
    let sources = repo::source_answers(db, institution, id).await?;
    if sources.is_empty() {
        return Ok(InferOutcome::default());
    }
    let measures = subjects::measures(db, id).await?;
    let answers = subjects::answers(db, id).await?;
    // Ids and props are the same in both languages.
    let text = subjects::catalog(db, institution, id, "en").await?;
    let maps = match Catalog::from_json_str(&text, "subject-questionnaire") {
        Ok(c) => assess::infer::catalog_maps_to(&c),
        Err(e) => {
            tracing::warn!(assessment = %id, error = %e, "stored questionnaire does not parse");
            HashMap::new()
        }
    };
    let into = Destination {
        target: repo::Target::Subject,
        institution,
        id,
        measures: &measures,
        answers: &answers,
        maps: &maps,
    };
    infer_into(db, actor, catalogs, sources, into)
        .await
        .map_err(|e| match e {
            Failure::Store(e) => crate::api::projects::review_error(e),
            Failure::Api(e) => e,
        })
}

/// The assessment inferred into: its measures, the answers it has, each measure's ids.
struct Destination<'a> {
    target: repo::Target,
    institution: Uuid,
    id: Uuid,
    measures: &'a [MeasureRow],
    answers: &'a [Answer],
    maps: &'a HashMap<String, Vec<FrameworkId>>,
}

/// Why an inference failed: the store's refusal (the caller words it) or anything else.
enum Failure {
    Store(StoreError),
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Store(e) => e.into(),
            Failure::Api(e) => e,
        }
    }
}

/// Proposes answers for the unanswered measures of `into` from `sources` and writes them.
async fn infer_into(
    db: &Db,
    actor: &Actor,
    catalogs: &mut Catalogs,
    sources: Vec<repo::SourceAnswer>,
    into: Destination<'_>,
) -> Result<InferOutcome, Failure> {
    let answered: HashSet<&str> = into.answers.iter().map(|x| x.measure_id.as_str()).collect();
    if into
        .measures
        .iter()
        .all(|m| answered.contains(m.measure_id.as_str()))
    {
        return Ok(InferOutcome::default());
    }
    let targets: Vec<Target> = into
        .measures
        .iter()
        .filter(|m| !answered.contains(m.measure_id.as_str()))
        .map(|m| Target {
            measure: m.measure_id.clone(),
            maps_to: into.maps.get(&m.measure_id).cloned().unwrap_or_default(),
        })
        .collect();
    let mut known = Vec::with_capacity(sources.len());
    let mut campaign_of = HashMap::new();
    for s in &sources {
        let maps = catalogs.maps(db, s.campaign_id, &s.profile).await?;
        campaign_of.insert(s.assessment_id.to_string(), s.campaign_id);
        known.push(Known {
            assessment: s.assessment_id.to_string(),
            measure: s.measure_id.clone(),
            status: s.status.clone(),
            maturity: s.maturity.and_then(|m| u8::try_from(m).ok()),
            maps_to: maps.get(&s.measure_id).cloned().unwrap_or_default(),
        });
    }
    let proposal = infer(&known, &targets, &MAPPINGS, &COMPARE);
    let mut items = vec![];
    for i in proposal.inferred {
        let p = provenance(db, catalogs, &campaign_of, i.from).await?;
        items.push(NewInferred {
            measure_id: i.measure,
            status: i.status.as_str().to_string(),
            maturity: i.maturity.map(i64::from),
            inferred_from: serde_json::to_string(&p).expect("provenance serialises"),
        });
    }
    let mut suggestions = vec![];
    for s in proposal.suggestions {
        suggestions.push(SuggestionView {
            measure_id: s.measure,
            source: provenance(db, catalogs, &campaign_of, s.from).await?,
        });
    }
    let written = repo::fill(db, actor, into.target, into.institution, into.id, &items)
        .await
        .map_err(Failure::Store)?;
    Ok(InferOutcome {
        inferred: written.into_iter().map(AnswerView::from).collect(),
        suggestions,
    })
}

/// After a campaign is created: each assessment gets what inference proposes. A failure
/// leaves that assessment as carry-over made it (the officer can ask again), so the campaign
/// that was created is still answered as created.
pub async fn after_campaign(db: &Db, actor: &Actor, campaign: &Campaign) {
    let assessments = match store::list_assessments(db, &Scope::All, Some(campaign.id), None).await
    {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(campaign = %campaign.id, error = %e, "no inference after the campaign");
            return;
        }
    };
    let mut catalogs = Catalogs::default();
    for a in assessments {
        if let Err(e) = infer_assessment(db, actor, a.institution_id, a.id, &mut catalogs).await {
            tracing::warn!(assessment = %a.id, error = ?e, "inference after the campaign failed");
        }
    }
}

pub async fn infer_route(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<InferOutcome>, ApiError> {
    Ok(Json(
        infer_assessment(
            &state.db,
            &ctx.actor(),
            institution,
            id,
            &mut Catalogs::default(),
        )
        .await?,
    ))
}

pub async fn infer_subject_route(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<InferOutcome>, ApiError> {
    Ok(Json(
        infer_subject(
            &state.db,
            &ctx.actor(),
            institution,
            id,
            &mut Catalogs::default(),
        )
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_mappings_load() {
        assert!(super::MAPPINGS.len() > 800);
    }
}
