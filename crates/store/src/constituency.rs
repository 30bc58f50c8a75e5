//! Institutions, their officers, contacts and networks.

use crate::audit::{self, Change};
use crate::db::{Db, conflict};
use crate::{Actor, Arg, Page, Result, Scope, StoreError, args, events, now};
use centinela_core::constituency::{
    ContactDraft, InstitutionDraft, NetworkDraft, NetworkKind, OfficerDraft, OfficerRole,
};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Institution {
    pub id: Uuid,
    pub slug: String,
    pub acronym: String,
    pub name_es: String,
    pub name_en: String,
    pub sector: String,
    pub subsector: String,
    pub level: String,
    pub criticality: String,
    pub website: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Institution {
    pub fn name(&self, lang: &str) -> &str {
        if lang.starts_with("es") {
            &self.name_es
        } else {
            &self.name_en
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Officer {
    pub institution_id: Uuid,
    pub role: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub named_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Contact {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub kind: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Network {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub kind: String,
    pub value: String,
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Filters for the institution list.
#[derive(Debug, Clone, Default)]
pub struct InstitutionFilter {
    /// Matches acronym, slug or either name, case-insensitively.
    pub q: Option<String>,
    pub sector: Option<String>,
    pub criticality: Option<String>,
    pub level: Option<String>,
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

const INSTITUTION_COLUMNS: &str = "id, slug, acronym, name_es, name_en, sector, subsector, level, criticality, website, created_at, updated_at";

pub async fn list_institutions(
    db: &Db,
    scope: &Scope,
    filter: &InstitutionFilter,
    page: Page,
) -> Result<(Vec<Institution>, i64)> {
    let (scope_sql, mut params) = scope.condition("id", 1);
    let mut conds = vec![scope_sql];
    let mut push = |cond: &str, v: Arg, params: &mut Vec<Arg>| {
        params.push(v);
        conds.push(cond.replace('?', &format!("${}", params.len())));
    };
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        push(
            "(LOWER(acronym) LIKE ? OR LOWER(slug) LIKE ? OR LOWER(name_es) LIKE ? OR LOWER(name_en) LIKE ?)",
            Arg::from(pattern),
            &mut params,
        );
    }
    for (column, value) in [
        ("sector", &filter.sector),
        ("criticality", &filter.criticality),
        ("level", &filter.level),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            push(&format!("{column} = ?"), Arg::from(v), &mut params);
        }
    }
    let where_sql = conds.join(" AND ");
    let total: Count = db
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM institutions WHERE {where_sql}"),
            params.clone(),
        )
        .await?;
    let n = params.len();
    params.push(Arg::from(page.limit));
    params.push(Arg::from(page.offset));
    let rows = db
        .fetch_all(
            &format!(
                "SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE {where_sql} ORDER BY acronym, id LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
    Ok((rows, total.n))
}

pub async fn get_institution(db: &Db, id: Uuid) -> Result<Institution> {
    db.fetch_one(
        &format!("SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn find_institution_by_slug(db: &Db, slug: &str) -> Result<Option<Institution>> {
    db.fetch_optional(
        &format!("SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE slug = $1"),
        args![slug],
    )
    .await
}

/// Creates an institution from a validated draft.
pub async fn create_institution(
    db: &Db,
    actor: &Actor,
    d: &InstitutionDraft,
) -> Result<Institution> {
    let now = now();
    let row = Institution {
        id: Uuid::new_v4(),
        slug: d.slug.trim().to_string(),
        acronym: d.acronym.trim().to_string(),
        name_es: d.name_es.trim().to_string(),
        name_en: d.name_en.trim().to_string(),
        sector: d.sector.clone(),
        subsector: d.subsector.clone(),
        level: d.level.clone(),
        criticality: d.criticality.clone(),
        website: d.website.trim().to_string(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    tx.execute(
        &format!("INSERT INTO institutions ({INSTITUTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
        args![
            row.id, &row.slug, &row.acronym, &row.name_es, &row.name_en, &row.sector, &row.subsector,
            &row.level, &row.criticality, &row.website, row.created_at, row.updated_at
        ],
    )
    .await
    .map_err(conflict("institution slug"))?;
    let change = Change::new("create", "institution", row.id, Some(row.id), &row);
    audit::record(&mut tx, actor, &change).await?;
    events::emit(&mut tx, "institution.created", Some(row.id), &change).await?;
    tx.commit().await?;
    Ok(row)
}

/// Replaces an institution's fields with a validated draft.
pub async fn update_institution(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    d: &InstitutionDraft,
) -> Result<Institution> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE institutions SET slug = $2, acronym = $3, name_es = $4, name_en = $5, sector = $6, subsector = $7, level = $8, criticality = $9, website = $10, updated_at = $11 WHERE id = $1",
            args![
                id, d.slug.trim(), d.acronym.trim(), d.name_es.trim(), d.name_en.trim(), &d.sector, &d.subsector,
                &d.level, &d.criticality, d.website.trim(), now()
            ],
        )
        .await
        .map_err(conflict("institution slug"))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let row: Institution = tx
        .fetch_one(
            &format!("SELECT {INSTITUTION_COLUMNS} FROM institutions WHERE id = $1"),
            args![id],
        )
        .await?;
    let change = Change::new("update", "institution", id, Some(id), &row);
    audit::record(&mut tx, actor, &change).await?;
    events::emit(&mut tx, "institution.updated", Some(id), &change).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn list_officers(db: &Db, institution: Uuid) -> Result<Vec<Officer>> {
    db.fetch_all(
        "SELECT institution_id, role, name, email, phone, named_on FROM officers WHERE institution_id = $1 ORDER BY role",
        args![institution],
    )
    .await
}

/// Names (or renames) the head of cybersecurity or the cybersecurity officer.
pub async fn set_officer(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    role: OfficerRole,
    d: &OfficerDraft,
) -> Result<Officer> {
    let named_on = Date::parse(
        &d.named_on,
        &time::format_description::well_known::Iso8601::DATE,
    )
    .map_err(|_| StoreError::Invalid("named_on".into()))?;
    let row = Officer {
        institution_id: institution,
        role: role.as_str().to_string(),
        name: d.name.trim().to_string(),
        email: d.email.trim().to_string(),
        phone: d.phone.trim().to_string(),
        named_on,
    };
    let mut tx = db.begin().await?;
    ensure_institution(&mut tx, institution).await?;
    tx.execute(
        "INSERT INTO officers (institution_id, role, name, email, phone, named_on) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (institution_id, role) DO UPDATE SET name = excluded.name, email = excluded.email, phone = excluded.phone, named_on = excluded.named_on",
        args![institution, &row.role, &row.name, &row.email, &row.phone, named_on],
    )
    .await?;
    let change = Change::new(
        "set",
        "officer",
        format!("{institution}/{}", row.role),
        Some(institution),
        &row,
    );
    audit::record(&mut tx, actor, &change).await?;
    events::emit(&mut tx, "officer.set", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(row)
}

/// Fails with `NotFound` inside a write transaction when the institution does not exist.
pub(crate) async fn ensure_institution(tx: &mut crate::Tx, id: Uuid) -> Result<()> {
    let found: Option<Count> = tx
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM institutions WHERE id = $1",
            args![id],
        )
        .await?;
    match found {
        Some(Count { n }) if n > 0 => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

pub async fn list_contacts(db: &Db, institution: Uuid, page: Page) -> Result<(Vec<Contact>, i64)> {
    let total: Count = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM contacts WHERE institution_id = $1",
            args![institution],
        )
        .await?;
    let rows = db
        .fetch_all(
            "SELECT id, institution_id, kind, name, email, phone, created_at FROM contacts WHERE institution_id = $1 ORDER BY kind, name, id LIMIT $2 OFFSET $3",
            args![institution, page.limit, page.offset],
        )
        .await?;
    Ok((rows, total.n))
}

pub async fn add_contact(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    d: &ContactDraft,
) -> Result<Contact> {
    let row = Contact {
        id: Uuid::new_v4(),
        institution_id: institution,
        kind: d.kind.clone(),
        name: d.name.trim().to_string(),
        email: d.email.trim().to_string(),
        phone: d.phone.trim().to_string(),
        created_at: now(),
    };
    let mut tx = db.begin().await?;
    ensure_institution(&mut tx, institution).await?;
    tx.execute(
        "INSERT INTO contacts (id, institution_id, kind, name, email, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![row.id, institution, &row.kind, &row.name, &row.email, &row.phone, row.created_at],
    )
    .await?;
    let change = Change::new("create", "contact", row.id, Some(institution), &row);
    audit::record(&mut tx, actor, &change).await?;
    events::emit(&mut tx, "contact.created", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes one record of `table` that belongs to `institution`, with its audit entry and,
/// when `topic` is given, its event; `NotFound` if it is not that institution's.
pub(crate) async fn delete_owned(
    db: &Db,
    actor: &Actor,
    table: &'static str,
    kind: &'static str,
    topic: Option<&str>,
    institution: Uuid,
    id: Uuid,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            &format!("DELETE FROM {table} WHERE id = $1 AND institution_id = $2"),
            args![id, institution],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let change = Change::new(
        "delete",
        kind,
        id,
        Some(institution),
        &serde_json::Value::Null,
    );
    audit::record(&mut tx, actor, &change).await?;
    if let Some(topic) = topic {
        events::emit(&mut tx, topic, Some(institution), &change).await?;
    }
    tx.commit().await
}

pub async fn delete_contact(db: &Db, actor: &Actor, institution: Uuid, id: Uuid) -> Result<()> {
    delete_owned(
        db,
        actor,
        "contacts",
        "contact",
        Some("contact.deleted"),
        institution,
        id,
    )
    .await
}

pub async fn list_networks(db: &Db, institution: Uuid, page: Page) -> Result<(Vec<Network>, i64)> {
    let total: Count = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM networks WHERE institution_id = $1",
            args![institution],
        )
        .await?;
    let rows = db
        .fetch_all(
            "SELECT id, institution_id, kind, value, source, created_at FROM networks WHERE institution_id = $1 ORDER BY kind, value LIMIT $2 OFFSET $3",
            args![institution, page.limit, page.offset],
        )
        .await?;
    Ok((rows, total.n))
}

/// Every network of an institution (for exports; lists page with `list_networks`).
pub async fn all_networks(db: &Db, institution: Uuid) -> Result<Vec<Network>> {
    db.fetch_all(
        "SELECT id, institution_id, kind, value, source, created_at FROM networks WHERE institution_id = $1 ORDER BY kind, value",
        args![institution],
    )
    .await
}

/// Where an imported network came from (`networks.source`); every other source (manual,
/// demo) is an entry made by hand, which routing prefers.
pub const IMPORTED: &str = "import";

/// Adds a network. A prefix, ASN or domain is entered by hand by one institution only; an
/// entry by hand replaces the same institution's imported one.
pub async fn add_network(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    kind: NetworkKind,
    value: &str,
    source: &str,
) -> Result<Network> {
    let row = Network {
        id: Uuid::new_v4(),
        institution_id: institution,
        kind: kind.as_str().to_string(),
        value: value.to_string(),
        source: source.to_string(),
        created_at: now(),
    };
    let mut tx = db.begin().await?;
    ensure_institution(&mut tx, institution).await?;
    if source != IMPORTED {
        tx.execute(
            "DELETE FROM networks WHERE institution_id = $1 AND kind = $2 AND value = $3 AND source = $4",
            args![institution, &row.kind, &row.value, IMPORTED],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO networks (id, institution_id, kind, value, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![row.id, institution, &row.kind, &row.value, &row.source, row.created_at],
    )
    .await
    .map_err(conflict("network"))?;
    let change = Change::new("create", "network", row.id, Some(institution), &row);
    audit::record(&mut tx, actor, &change).await?;
    events::emit(&mut tx, "network.created", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(row)
}

/// What a network import did with each row (by its index in the input).
#[derive(Debug, Clone, Default)]
pub struct NetworkImport {
    pub added: Vec<Network>,
    /// Rows the institution already holds (entered by hand or imported before): an import
    /// never overwrites nor duplicates them.
    pub skipped: Vec<usize>,
    /// Rows stored, but entered by hand by another institution, which routing prefers.
    pub shadowed: Vec<usize>,
}

#[derive(FromRow)]
struct Claim {
    institution_id: Uuid,
    source: String,
}

/// Imports networks (validated and normalised) as `source = 'import'`, in one transaction
/// with one audit entry.
pub async fn import_networks(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    rows: &[(NetworkKind, String)],
) -> Result<NetworkImport> {
    let mut out = NetworkImport::default();
    let mut tx = db.begin().await?;
    ensure_institution(&mut tx, institution).await?;
    for (i, (kind, value)) in rows.iter().enumerate() {
        let claims: Vec<Claim> = tx
            .fetch_all(
                "SELECT institution_id, source FROM networks WHERE kind = $1 AND value = $2",
                args![kind.as_str(), value.as_str()],
            )
            .await?;
        if claims.iter().any(|c| c.institution_id == institution) {
            out.skipped.push(i);
            continue;
        }
        if claims.iter().any(|c| c.source != IMPORTED) {
            out.shadowed.push(i);
        }
        let row = Network {
            id: Uuid::new_v4(),
            institution_id: institution,
            kind: kind.as_str().to_string(),
            value: value.clone(),
            source: IMPORTED.to_string(),
            created_at: now(),
        };
        tx.execute(
            "INSERT INTO networks (id, institution_id, kind, value, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![row.id, institution, &row.kind, &row.value, &row.source, row.created_at],
        )
        .await?;
        out.added.push(row);
    }
    let change = Change::new(
        "import",
        "network",
        format!("{institution}/{}", out.added.len()),
        Some(institution),
        &out.added,
    );
    audit::record(&mut tx, actor, &change).await?;
    events::emit(&mut tx, "network.imported", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(out)
}

/// Validates a network draft and adds it.
pub async fn add_network_draft(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    d: &NetworkDraft,
) -> Result<Network> {
    let (kind, value) = d
        .validate()
        .map_err(|_| StoreError::Invalid("network".into()))?;
    add_network(db, actor, institution, kind, &value, "manual").await
}

pub async fn delete_network(db: &Db, actor: &Actor, institution: Uuid, id: Uuid) -> Result<()> {
    delete_owned(
        db,
        actor,
        "networks",
        "network",
        Some("network.deleted"),
        institution,
        id,
    )
    .await
}
