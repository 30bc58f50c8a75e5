//! Dashboard, institutions and their networks and contacts, audit trail.

use crate::AppState;
use crate::api::csv_table::{self, Parsed};
use crate::api::inventory;
use crate::api::scope;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath, ApiQuery};
use crate::i18n::Tr;
use crate::pages::{FormErrors, Nav, is_htmx, read_upload, render, without_csrf};
use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::constituency::{
    ContactDraft, ContactKind, Criticality, GovernmentLevel, InstitutionDraft, NetworkDraft,
    NetworkKind, OfficerDraft, OfficerRole,
};
use centinela_core::principal::Role;
use centinela_core::sector::{Sector, sectors};
use centinela_core::validate::FieldError;
use centinela_store::audit::{self, AuditEntry};
use centinela_store::constituency::{
    self as repo, Contact, Institution, InstitutionFilter, Network, Officer,
};
use centinela_store::stats::{self, Dashboard};
use centinela_store::{Page, StoreError};
use serde::Deserialize;
use uuid::Uuid;

/// One bar of an SVG bar chart (widths are attributes, so the strict CSP allows them).
pub struct Bar {
    pub label: String,
    pub n: i64,
    pub width: i64,
    pub y: i64,
}

fn bars(buckets: &[centinela_store::stats::Bucket], label: impl Fn(&str) -> String) -> Vec<Bar> {
    let max = buckets.iter().map(|b| b.n).max().unwrap_or(1).max(1);
    buckets
        .iter()
        .enumerate()
        .map(|(i, b)| Bar {
            label: label(&b.key),
            n: b.n,
            width: b.n * 300 / max,
            y: i as i64 * 26,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: Tr,
    nav: Nav,
    d: Dashboard,
    criticality: Vec<Bar>,
    sectors: Vec<Bar>,
    sectors_height: i64,
    ipv6_percent: i64,
    officers_percent: i64,
    inv: centinela_store::inventory::InventoryKpis,
    assets_ipv6_percent: i64,
    open_source_percent: i64,
    complete_percent: i64,
    sector_kpis: Vec<SectorKpiRow>,
    sector_kpis_height: i64,
    /// Open incidents with a late reporting stage, per sector.
    late: Vec<Bar>,
    late_height: i64,
}

/// One sector's inventory KPIs: its row in the table and its IPv6 bar against the target.
pub struct SectorKpiRow {
    pub label: String,
    pub k: centinela_store::inventory::SectorKpis,
    pub ipv6: String,
    pub open_source: String,
    pub complete: String,
    /// IPv6 share on a 300-unit scale (the 50 % target line sits at 150).
    pub width: i64,
    pub y: i64,
}

fn sector_kpi_rows(
    t: &Tr,
    by_sector: &[centinela_store::inventory::SectorKpis],
) -> Vec<SectorKpiRow> {
    let shown = |p: Option<i64>| p.map_or_else(|| "—".to_string(), |p| format!("{p} %"));
    by_sector
        .iter()
        .enumerate()
        .map(|(i, k)| SectorKpiRow {
            label: t.sector(&k.sector),
            ipv6: shown(k.assets_ipv6_percent),
            open_source: shown(k.open_source_percent),
            complete: shown(k.complete_percent),
            width: k.assets_ipv6_percent.unwrap_or(0) * 3,
            y: i as i64 * 26,
            k: k.clone(),
        })
        .collect()
}

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let d = stats::dashboard(&state.db, &scope(ctx.principal()?)).await?;
    let inv = centinela_store::inventory::kpis(&state.db, &scope(ctx.principal()?)).await?;
    let share = |n: i64, of: i64| if of > 0 { n * 100 / of } else { 0 };
    let t = Tr { lang: ctx.lang };
    let percent = |n: i64| {
        if d.institutions > 0 {
            n * 100 / d.institutions
        } else {
            0
        }
    };
    let sector_bars = bars(&d.by_sector, |k| t.sector(k));
    let p = ctx.principal()?;
    let late: Vec<centinela_store::stats::Bucket> = centinela_store::incidents::late_by_sector(
        &state.db,
        &scope(p),
        &crate::api::incidents::tlp_view(p),
    )
    .await?
    .into_iter()
    .map(|(key, n)| centinela_store::stats::Bucket { key, n })
    .collect();
    let late_bars = bars(&late, |k| t.sector(k));
    // The per-sector breakdown follows the inventory KPI route's access (not every role's).
    let sees_inventory = may(
        p,
        Action::List,
        &Resource::collection(ResourceKind::Inventory),
    ) == Decision::Allow;
    let sector_kpis = if sees_inventory {
        sector_kpi_rows(&t, &inv.by_sector)
    } else {
        vec![]
    };
    let page = DashboardPage {
        t,
        nav: Nav::new(&ctx, "/dashboard"),
        criticality: bars(&d.by_criticality, |k| t.label("crit", k)),
        sectors_height: sector_bars.len() as i64 * 26,
        sectors: sector_bars,
        late_height: late_bars.len() as i64 * 26,
        late: late_bars,
        ipv6_percent: percent(d.with_ipv6),
        officers_percent: percent(d.officers_complete),
        assets_ipv6_percent: share(inv.assets_ipv6, inv.public_assets),
        open_source_percent: share(inv.software_open_source, inv.software),
        complete_percent: share(inv.institutions_complete, inv.institutions),
        sector_kpis_height: sector_kpis.len() as i64 * 26,
        sector_kpis,
        inv,
        d,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sector: Option<String>,
    criticality: Option<String>,
    offset: Option<i64>,
}

#[derive(Template)]
#[template(path = "institutions.html")]
struct ListPage {
    t: Tr,
    nav: Nav,
    rows: Vec<Institution>,
    total: i64,
    q: String,
    sector: String,
    criticality: String,
    sectors: &'static [Sector],
    criticalities: &'static [Criticality],
    can_create: bool,
    prev: Option<i64>,
    next: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let p = ctx.principal()?;
    let page = Page::new(Some(50), q.offset);
    let filter = InstitutionFilter {
        q: q.q.clone(),
        sector: q.sector.clone(),
        criticality: q.criticality.clone(),
        level: None,
    };
    let (rows, total) = repo::list_institutions(&state.db, &scope(p), &filter, page).await?;
    let page_view = ListPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/institutions"),
        rows,
        total,
        q: q.q.unwrap_or_default(),
        sector: q.sector.unwrap_or_default(),
        criticality: q.criticality.unwrap_or_default(),
        sectors: sectors(),
        criticalities: Criticality::ALL,
        can_create: may(
            p,
            Action::Create,
            &Resource::collection(ResourceKind::Institution),
        ) == Decision::Allow,
        prev: (page.offset > 0).then(|| (page.offset - page.limit).max(0)),
        next: (page.offset + page.limit < total).then_some(page.offset + page.limit),
    };
    Ok(render(&page_view)?.into_response())
}

#[derive(Template)]
#[template(path = "institution_form.html")]
struct FormPage {
    t: Tr,
    nav: Nav,
    d: InstitutionDraft,
    errors: FormErrors,
    sectors: &'static [Sector],
    levels: &'static [GovernmentLevel],
    criticalities: &'static [Criticality],
    action: String,
    title_key: &'static str,
    /// Officers see their institution's classification but may not change it.
    locked: bool,
}

impl FormPage {
    fn new(
        ctx: &Ctx,
        d: InstitutionDraft,
        errors: &[FieldError],
        action: String,
        title_key: &'static str,
        locked: bool,
    ) -> Self {
        FormPage {
            t: Tr { lang: ctx.lang },
            nav: Nav::new(ctx, "/institutions"),
            d,
            errors: FormErrors::new(ctx.lang, errors),
            sectors: sectors(),
            levels: GovernmentLevel::ALL,
            criticalities: Criticality::ALL,
            action,
            title_key,
            locked,
        }
    }
}

pub async fn new_form(ctx: Ctx) -> Result<Response, ApiError> {
    let d = InstitutionDraft {
        level: "federal".into(),
        criticality: "important".into(),
        ..Default::default()
    };
    Ok(render(&FormPage::new(
        &ctx,
        d,
        &[],
        "/institutions".into(),
        "institution-new",
        false,
    ))?
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: InstitutionDraft = without_csrf(pairs)?;
    let errors = match d.validate() {
        Ok(()) => match repo::create_institution(&state.db, &ctx.actor(), &d)
            .await
            .inspect(|_| state.caches.forget_lists())
        {
            Ok(row) => return Ok(redirect(&format!("/institutions/{}", row.id))),
            Err(StoreError::Conflict(_)) => vec![FieldError::new("slug", "err-taken")],
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = FormPage::new(
        &ctx,
        d,
        &errors,
        "/institutions".into(),
        "institution-new",
        false,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

fn draft_of(i: &Institution) -> InstitutionDraft {
    InstitutionDraft {
        slug: i.slug.clone(),
        acronym: i.acronym.clone(),
        name_es: i.name_es.clone(),
        name_en: i.name_en.clone(),
        sector: i.sector.clone(),
        subsector: i.subsector.clone(),
        level: i.level.clone(),
        criticality: i.criticality.clone(),
        website: i.website.clone(),
    }
}

fn is_coordinator(ctx: &Ctx) -> bool {
    ctx.principal
        .as_ref()
        .is_some_and(|p| p.role == Role::Coordinator)
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let i = repo::get_institution(&state.db, id).await?;
    let page = FormPage::new(
        &ctx,
        draft_of(&i),
        &[],
        format!("/institutions/{id}"),
        "institution-edit",
        !is_coordinator(&ctx),
    );
    Ok(render(&page)?.into_response())
}

/// Saves the edit form. For officers the classification comes from the stored record (the
/// form shows it disabled), so only the coordinator can change it.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let current = repo::get_institution(&state.db, id).await?;
    let mut submitted: Vec<(String, String)> = pairs;
    let locked = !is_coordinator(&ctx);
    if locked {
        let keep = draft_of(&current);
        submitted.retain(|(k, _)| {
            !matches!(
                k.as_str(),
                "slug" | "sector" | "subsector" | "level" | "criticality"
            )
        });
        for (k, v) in [
            ("slug", keep.slug),
            ("sector", keep.sector),
            ("subsector", keep.subsector),
            ("level", keep.level),
            ("criticality", keep.criticality),
        ] {
            submitted.push((k.to_string(), v));
        }
    }
    let d: InstitutionDraft = without_csrf(submitted)?;
    let errors = match d.validate() {
        Ok(()) => match repo::update_institution(&state.db, &ctx.actor(), id, &d)
            .await
            .inspect(|_| state.caches.forget_lists())
        {
            Ok(_) => return Ok(redirect(&format!("/institutions/{id}"))),
            Err(StoreError::Conflict(_)) => vec![FieldError::new("slug", "err-taken")],
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = FormPage::new(
        &ctx,
        d,
        &errors,
        format!("/institutions/{id}"),
        "institution-edit",
        locked,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct OfficerForm {
    role: String,
    #[serde(flatten)]
    d: OfficerDraft,
}

pub async fn set_officer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: OfficerForm = without_csrf(pairs)?;
    let role = OfficerRole::parse(&form.role);
    let errors = match (role, form.d.validate()) {
        (Some(role), Ok(())) => {
            repo::set_officer(&state.db, &ctx.actor(), id, role, &form.d).await?;
            return Ok(redirect(&format!("/institutions/{id}#officers")));
        }
        (None, _) => vec![FieldError::new("role", "err-choice")],
        (_, Err(e)) => e,
    };
    let mut page = show_page(&state, &ctx, id).await?;
    page.officer_errors = FormErrors::new(ctx.lang, &errors);
    page.officer_draft = form.d;
    page.officer_draft_role = form.role;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "institution.html")]
struct ShowPage {
    t: Tr,
    nav: Nav,
    i: Institution,
    officers: Vec<Officer>,
    contacts: Vec<Contact>,
    networks: Vec<Network>,
    show_networks: bool,
    can_edit_networks: bool,
    can_edit_contacts: bool,
    network_kinds: &'static [NetworkKind],
    contact_kinds: &'static [ContactKind],
    network_draft: NetworkDraft,
    network_errors: FormErrors,
    contact_draft: ContactDraft,
    contact_errors: FormErrors,
    can_edit: bool,
    can_edit_officers: bool,
    officer_draft: OfficerDraft,
    officer_draft_role: String,
    officer_errors: FormErrors,
    exposure: Vec<centinela_store::exposure::ExposureEvent>,
    show_inventory: bool,
    show_seals: bool,
    software: Vec<centinela_store::inventory::Software>,
    vulnerable: Vec<crate::api::inventory::VulnerableSoftware>,
    assets: Vec<centinela_store::inventory::Asset>,
    services: Vec<centinela_store::inventory::Service>,
    can_edit_inventory: bool,
    inventory_import_errors: FormErrors,
    asset_errors: FormErrors,
    network_import_errors: FormErrors,
    /// What an import left as it was, or routed elsewhere (with lines).
    import_notes: Vec<String>,
}

async fn show_page(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<ShowPage, ApiError> {
    let p = ctx.principal()?;
    let i = repo::get_institution(&state.db, id).await?;
    let allowed = |kind, action| may(p, action, &Resource::owned(kind, id)) == Decision::Allow;
    let show_networks = allowed(ResourceKind::Network, Action::Read);
    let all = Page::new(Some(Page::MAX_LIMIT), None);
    let show_inventory = allowed(ResourceKind::Inventory, Action::Read);
    let software = if show_inventory {
        centinela_store::inventory::list_software(&state.db, id).await?
    } else {
        vec![]
    };
    Ok(ShowPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/institutions"),
        officers: repo::list_officers(&state.db, id).await?,
        contacts: repo::list_contacts(&state.db, id, all).await?.0,
        networks: if show_networks {
            repo::list_networks(&state.db, id, all).await?.0
        } else {
            vec![]
        },
        show_networks,
        can_edit_networks: allowed(ResourceKind::Network, Action::Create),
        can_edit_contacts: allowed(ResourceKind::Contact, Action::Create),
        network_kinds: NetworkKind::ALL,
        contact_kinds: ContactKind::ALL,
        network_draft: NetworkDraft {
            kind: "cidr".into(),
            value: String::new(),
        },
        network_errors: FormErrors::default(),
        contact_draft: ContactDraft {
            kind: "csirt".into(),
            ..Default::default()
        },
        contact_errors: FormErrors::default(),
        can_edit: allowed(ResourceKind::Institution, Action::Update),
        can_edit_officers: allowed(ResourceKind::Officer, Action::Update),
        officer_draft: OfficerDraft::default(),
        officer_draft_role: "head".into(),
        officer_errors: FormErrors::default(),
        exposure: if allowed(ResourceKind::Exposure, Action::Read) {
            centinela_store::exposure::list_exposure(
                &state.db,
                id,
                &Default::default(),
                Page::new(Some(20), None),
            )
            .await?
            .0
        } else {
            vec![]
        },
        show_inventory,
        show_seals: allowed(ResourceKind::Seal, Action::List),
        vulnerable: match (&state.vulns, show_inventory) {
            (Some(db), true) => crate::api::inventory::match_software(db, &software),
            _ => vec![],
        },
        software,
        assets: if show_inventory {
            centinela_store::inventory::list_assets(&state.db, id).await?
        } else {
            vec![]
        },
        services: if show_inventory {
            centinela_store::inventory::list_services(&state.db, id).await?
        } else {
            vec![]
        },
        can_edit_inventory: allowed(ResourceKind::Inventory, Action::Create),
        inventory_import_errors: FormErrors::default(),
        asset_errors: FormErrors::default(),
        network_import_errors: FormErrors::default(),
        import_notes: vec![],
        i,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(render(&show_page(&state, &ctx, id).await?)?.into_response())
}

/// After a change: the page again for htmx (which swaps in the changed section), or a
/// redirect back for a plain form post; a failed change shows the form with its errors.
async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: Uuid,
    section: &'static str,
    page: Option<ShowPage>,
) -> Result<Response, ApiError> {
    let failed = page.is_some();
    if !is_htmx(headers) && !failed {
        return Ok(redirect(&format!("/institutions/{id}#{section}")));
    }
    let page = match page {
        Some(p) => p,
        None => show_page(state, ctx, id).await?,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn add_network(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: NetworkDraft = without_csrf(pairs)?;
    let errors = match d.validate() {
        Ok((kind, value)) => {
            match repo::add_network(&state.db, &ctx.actor(), id, kind, &value, "manual").await {
                Ok(_) => return after_change(&state, &ctx, &headers, id, "networks", None).await,
                Err(StoreError::Conflict(_)) => vec![centinela_core::validate::FieldError::new(
                    "value",
                    "err-network-taken",
                )],
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => e,
    };
    let mut page = show_page(&state, &ctx, id).await?;
    page.network_errors = FormErrors::new(ctx.lang, &errors);
    page.network_draft = d;
    after_change(&state, &ctx, &headers, id, "networks", Some(page)).await
}

/// The add-asset form of the institution's page: the IPv6 checkbox sends `ipv6=true` only
/// when ticked; `internet_facing` is `auto` (by the address: a public IP address is), `true`
/// or `false`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetForm {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub ipv6: Option<String>,
    #[serde(default)]
    pub internet_facing: String,
    pub criticality: String,
}

pub async fn add_asset(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: AssetForm = without_csrf(pairs)?;
    let mut errors = vec![];
    let internet_facing = match f.internet_facing.as_str() {
        "" | "auto" => None,
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            errors.push(FieldError::new("internet_facing", "err-choice"));
            None
        }
    };
    let draft = inventory::AssetDraft {
        name: f.name,
        kind: f.kind,
        address: f.address,
        ipv6: f.ipv6.as_deref() == Some("true"),
        internet_facing,
        criticality: f.criticality,
    };
    match draft.check() {
        Ok(row) if errors.is_empty() => {
            centinela_store::inventory::add_asset(&state.db, &ctx.actor(), id, &row).await?;
            return after_change(&state, &ctx, &headers, id, "inventory", None).await;
        }
        Ok(_) => {}
        Err(e) => errors.extend(e),
    }
    let mut page = show_page(&state, &ctx, id).await?;
    page.asset_errors = FormErrors::new(ctx.lang, &errors);
    after_change(&state, &ctx, &headers, id, "inventory", Some(page)).await
}

/// The CSV file (and the `table` field) of an import form, kept whole up to the body limit.
async fn import_upload(
    state: &AppState,
    ctx: &Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<u8>), ApiError> {
    let upload = read_upload(
        state,
        ctx,
        multipart,
        &[],
        &["table", "file"],
        state.settings.body_limit,
    )
    .await?;
    let mut table = String::new();
    let mut file = None;
    for (name, bytes) in upload.kept {
        match name.as_str() {
            "table" => table = String::from_utf8_lossy(&bytes).trim().to_string(),
            _ => file = Some(bytes),
        }
    }
    let file =
        file.ok_or_else(|| ApiError::invalid(vec![FieldError::new("file", "err-required")]))?;
    Ok((table, file))
}

/// Imports a CSV of software, assets or digital services from the institution's page: all
/// rows or none, the bad ones listed with their lines.
pub async fn import_inventory(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    use centinela_store::inventory as inv;
    let (table, file) = import_upload(&state, &ctx, multipart).await?;
    let actor = ctx.actor();
    fn all<T>(p: csv_table::ReadResult<T>) -> Result<Vec<T>, Vec<FieldError>> {
        p.and_then(Parsed::all_or_nothing)
    }
    let errors = match table.as_str() {
        "software" => match all(inventory::parse_software_csv(&file)) {
            Ok(rows) => inv::add_software(&state.db, &actor, id, &rows, "csv")
                .await
                .map(|_| vec![])?,
            Err(e) => e,
        },
        "assets" => match all(inventory::parse_assets_csv(&file)) {
            Ok(rows) => inv::add_assets(&state.db, &actor, id, &rows)
                .await
                .map(|_| vec![])?,
            Err(e) => e,
        },
        "services" => match all(inventory::parse_services_csv(&file)) {
            Ok(rows) => inv::add_services(&state.db, &actor, id, &rows)
                .await
                .map(|_| vec![])?,
            Err(e) => e,
        },
        _ => vec![FieldError::new("table", "err-choice")],
    };
    if errors.is_empty() {
        return after_change(&state, &ctx, &headers, id, "inventory", None).await;
    }
    let mut page = show_page(&state, &ctx, id).await?;
    page.inventory_import_errors = FormErrors::new(ctx.lang, &errors);
    after_change(&state, &ctx, &headers, id, "inventory", Some(page)).await
}

/// Imports networks (kind,value) from the institution's page, marked as imported: all rows
/// or none; what was left as it was is shown with its line.
pub async fn import_networks(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (_, file) = import_upload(&state, &ctx, multipart).await?;
    let parsed =
        crate::api::constituency::parse_networks_csv(&file).and_then(Parsed::all_or_nothing);
    let (errors, notes) = match parsed {
        Ok(rows) => {
            let (_, notes) =
                crate::api::constituency::store_network_import(&state, &ctx, id, &rows).await?;
            (vec![], notes)
        }
        Err(e) => (e, vec![]),
    };
    if errors.is_empty() && notes.is_empty() {
        return after_change(&state, &ctx, &headers, id, "networks", None).await;
    }
    let mut page = show_page(&state, &ctx, id).await?;
    page.network_import_errors = FormErrors::new(ctx.lang, &errors);
    page.import_notes = notes;
    if errors.is_empty() {
        // Imported, with notes to read: the page itself rather than a redirect.
        return Ok(render(&page)?.into_response());
    }
    after_change(&state, &ctx, &headers, id, "networks", Some(page)).await
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
}

pub async fn delete_network(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath((id, network)): ApiPath<(Uuid, Uuid)>,
    ApiForm(_): ApiForm<CsrfOnly>,
) -> Result<Response, ApiError> {
    repo::delete_network(&state.db, &ctx.actor(), id, network).await?;
    after_change(&state, &ctx, &headers, id, "networks", None).await
}

pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: ContactDraft = without_csrf(pairs)?;
    if let Err(errors) = d.validate() {
        let mut page = show_page(&state, &ctx, id).await?;
        page.contact_errors = FormErrors::new(ctx.lang, &errors);
        page.contact_draft = d;
        return after_change(&state, &ctx, &headers, id, "contacts", Some(page)).await;
    }
    repo::add_contact(&state.db, &ctx.actor(), id, &d).await?;
    after_change(&state, &ctx, &headers, id, "contacts", None).await
}

pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiPath((id, contact)): ApiPath<(Uuid, Uuid)>,
    ApiForm(_): ApiForm<CsrfOnly>,
) -> Result<Response, ApiError> {
    repo::delete_contact(&state.db, &ctx.actor(), id, contact).await?;
    after_change(&state, &ctx, &headers, id, "contacts", None).await
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    nav: Nav,
    rows: Vec<AuditEntry>,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct OffsetQuery {
    offset: Option<i64>,
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<OffsetQuery>,
) -> Result<Response, ApiError> {
    let page = Page::new(Some(100), q.offset);
    let (rows, total) = audit::list(&state.db, &scope(ctx.principal()?), None, page).await?;
    let view = AuditPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/audit"),
        rows,
        total,
        prev: (page.offset > 0).then(|| (page.offset - page.limit).max(0)),
        next: (page.offset + page.limit < total).then_some(page.offset + page.limit),
    };
    Ok(render(&view)?.into_response())
}
