//! Institutions, officers, contacts and networks.

use crate::AppState;
use crate::api::csv_table::{self, Columns};
use crate::api::inventory::{ImportQuery, ImportResult, csv_rows};
use crate::api::{PageQuery, Paged, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiBytes, ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use centinela_core::constituency::{
    ContactDraft, InstitutionDraft, NetworkDraft, NetworkKind, OfficerDraft, OfficerRole,
};
use centinela_core::principal::Role;
use centinela_core::validate::FieldError;
use centinela_store::constituency::{
    self as repo, Contact, Institution, InstitutionFilter, Network, Officer,
};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionQuery {
    pub q: Option<String>,
    pub sector: Option<String>,
    pub criticality: Option<String>,
    pub level: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub async fn list_institutions(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let page = centinela_store::Page::new(q.limit, q.offset);
    let filter = InstitutionFilter {
        q: q.q,
        sector: q.sector,
        criticality: q.criticality,
        level: q.level,
    };
    let scope = scope(ctx.principal()?);
    let key = format!("{scope:?}|{filter:?}|{}|{}", page.limit, page.offset);
    let body = match state.caches.list(&key) {
        Some(body) => body,
        None => {
            let (items, total) = repo::list_institutions(&state.db, &scope, &filter, page).await?;
            let body = serde_json::to_string(&Paged::new(items, total, page))
                .map_err(|_| ApiError::internal())?;
            state.caches.put_list(key, body.clone());
            body
        }
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

pub async fn create_institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<InstitutionDraft>,
) -> Result<(StatusCode, Json<Institution>), ApiError> {
    d.validate().map_err(ApiError::invalid)?;
    Ok(created({
        let row = repo::create_institution(&state.db, &ctx.actor(), &d).await?;
        state.caches.forget_lists();
        row
    }))
}

pub async fn get_institution(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Institution>, ApiError> {
    Ok(Json(repo::get_institution(&state.db, id).await?))
}

/// Officers keep their institution's details; its classification (slug, sector, level,
/// criticality) is the national coordinator's decision.
pub async fn update_institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<InstitutionDraft>,
) -> Result<Json<Institution>, ApiError> {
    d.validate().map_err(ApiError::invalid)?;
    let current = repo::get_institution(&state.db, id).await?;
    if ctx.principal()?.role != Role::Coordinator {
        let locked = [
            ("slug", current.slug == d.slug),
            (
                "sector",
                current.sector == d.sector && current.subsector == d.subsector,
            ),
            ("level", current.level == d.level),
            ("criticality", current.criticality == d.criticality),
        ];
        let changed: Vec<FieldError> = locked
            .iter()
            .filter(|(_, same)| !same)
            .map(|(f, _)| FieldError::new(f, "err-classification-locked"))
            .collect();
        if !changed.is_empty() {
            return Err(ApiError {
                fields: changed,
                ..ApiError::forbidden()
            });
        }
    }
    Ok(Json({
        let row = repo::update_institution(&state.db, &ctx.actor(), id, &d).await?;
        state.caches.forget_lists();
        row
    }))
}

pub async fn list_officers(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Officer>>, ApiError> {
    repo::get_institution(&state.db, id).await?;
    Ok(Json(repo::list_officers(&state.db, id).await?))
}

pub async fn set_officer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, role)): ApiPath<(Uuid, String)>,
    ApiJson(d): ApiJson<OfficerDraft>,
) -> Result<Json<Officer>, ApiError> {
    let role = OfficerRole::parse(&role).ok_or_else(ApiError::not_found)?;
    d.validate().map_err(ApiError::invalid)?;
    Ok(Json(
        repo::set_officer(&state.db, &ctx.actor(), id, role, &d).await?,
    ))
}

pub async fn list_contacts(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<Contact>>, ApiError> {
    repo::get_institution(&state.db, id).await?;
    let (items, total) = repo::list_contacts(&state.db, id, q.page()).await?;
    Ok(Json(Paged::new(items, total, q.page())))
}

pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<ContactDraft>,
) -> Result<(StatusCode, Json<Contact>), ApiError> {
    d.validate().map_err(ApiError::invalid)?;
    Ok(created(
        repo::add_contact(&state.db, &ctx.actor(), id, &d).await?,
    ))
}

pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, contact)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    repo::delete_contact(&state.db, &ctx.actor(), id, contact).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_networks(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<Network>>, ApiError> {
    repo::get_institution(&state.db, id).await?;
    let (items, total) = repo::list_networks(&state.db, id, q.page()).await?;
    Ok(Json(Paged::new(items, total, q.page())))
}

pub async fn add_network(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<NetworkDraft>,
) -> Result<(StatusCode, Json<Network>), ApiError> {
    let (kind, value) = d.validate().map_err(ApiError::invalid)?;
    Ok(created(
        repo::add_network(&state.db, &ctx.actor(), id, kind, &value, "manual").await?,
    ))
}

pub async fn delete_network(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, network)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    repo::delete_network(&state.db, &ctx.actor(), id, network).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The documented CSV columns of a network import (`source` is exported, and ignored on
/// import: imported rows are always marked `import`).
pub const NETWORK_CSV: Columns = Columns {
    all: &["kind", "value", "source"],
    required: &["kind", "value"],
    aliases: &[],
};

/// Validated (line, kind, normalised value) rows of a network CSV.
pub fn parse_networks_csv(bytes: &[u8]) -> csv_table::ReadResult<(u64, NetworkKind, String)> {
    csv_table::read(bytes, &NETWORK_CSV, |row| {
        NetworkDraft {
            kind: row.get("kind").to_lowercase(),
            value: row.get("value").to_string(),
        }
        .validate()
        .map(|(kind, value)| (row.line, kind, value))
    })
}

/// Stores parsed network rows as imported; rows the institution already holds are skipped
/// and rows another institution entered by hand are flagged, both as warnings with their line.
pub async fn store_network_import(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    rows: &[(u64, NetworkKind, String)],
) -> Result<(usize, Vec<String>), ApiError> {
    let values: Vec<(NetworkKind, String)> = rows.iter().map(|(_, k, v)| (*k, v.clone())).collect();
    let done = repo::import_networks(&state.db, &ctx.actor(), id, &values).await?;
    let note = |key: &str, i: &usize| {
        let (line, _, value) = &rows[*i];
        crate::i18n::message(
            ctx.lang,
            key,
            &[("line", line.to_string()), ("value", value.clone())],
        )
    };
    let mut warnings: Vec<String> = done
        .skipped
        .iter()
        .map(|i| note("network-import-skipped", i))
        .collect();
    warnings.extend(
        done.shadowed
            .iter()
            .map(|i| note("network-import-shadowed", i)),
    );
    Ok((done.added.len(), warnings))
}

/// `text/csv` with the columns kind,value; rows stored as `source = 'import'`, never over a
/// network the institution already holds; all rows or none unless `partial`.
pub async fn import_networks(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let (rows, rejected, errors) = csv_rows(&headers, &body, &q, ctx.lang, parse_networks_csv)?;
    let (imported, warnings) = store_network_import(&state, &ctx, id, &rows).await?;
    Ok(created(ImportResult {
        imported,
        warnings,
        rejected,
        errors,
    }))
}

pub fn networks_csv(rows: &[Network]) -> String {
    csv_table::write(
        NETWORK_CSV.all,
        rows.iter().map(|n| [&n.kind, &n.value, &n.source]),
    )
}

pub async fn export_networks(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    repo::get_institution(&state.db, id).await?;
    let rows = repo::all_networks(&state.db, id).await?;
    Ok(csv_table::attachment("networks.csv", networks_csv(&rows)))
}
