//! The inventory of ICT goods and services per institution: software (with CPE and purl, for
//! vulnerability matching), assets (with IPv6 reachability) and digital public services.

use crate::audit::{self, Change};
use crate::constituency::delete_owned;
use crate::{Actor, Db, Result, Scope, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Software {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub cpe: String,
    pub purl: String,
    pub licence: String,
    pub open_source: bool,
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A software row to add (already validated).
#[derive(Debug, Clone, Default)]
pub struct NewSoftware {
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub cpe: String,
    pub purl: String,
    pub licence: String,
    pub open_source: bool,
}

const SOFTWARE_COLUMNS: &str = "id, institution_id, vendor, product, version, cpe, purl, licence, open_source, source, created_at";

pub async fn list_software(db: &Db, institution: Uuid) -> Result<Vec<Software>> {
    db.fetch_all(
        &format!("SELECT {SOFTWARE_COLUMNS} FROM software WHERE institution_id = $1 ORDER BY vendor, product, version, id"),
        args![institution],
    )
    .await
}

/// Inserts rows of one inventory table in one transaction with one audit entry and one
/// event: a single row is the creation of that record, several are an import (all or none).
#[allow(clippy::too_many_arguments)] // one call per table; a struct would only rename them
async fn insert_all<T: Serialize>(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    kind: &'static str,
    sql: &str,
    rows: &[T],
    id_of: impl Fn(&T) -> Uuid,
    args_of: impl Fn(&T) -> Vec<crate::Arg>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, institution).await?;
    for r in rows {
        tx.execute(sql, args_of(r)).await?;
    }
    let change = match rows {
        [one] => Change::new("create", kind, id_of(one), Some(institution), one),
        _ => Change::new(
            "import",
            kind,
            format!("{institution}/{}", rows.len()),
            Some(institution),
            &rows,
        ),
    };
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(
        &mut tx,
        &format!("inventory.{kind}"),
        Some(institution),
        &change,
    )
    .await?;
    tx.commit().await
}

/// Adds every row or none (an import is one transaction and one audit entry).
pub async fn add_software(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    rows: &[NewSoftware],
    source: &str,
) -> Result<Vec<Software>> {
    let out: Vec<Software> = rows
        .iter()
        .map(|r| Software {
            id: Uuid::new_v4(),
            institution_id: institution,
            vendor: r.vendor.clone(),
            product: r.product.clone(),
            version: r.version.clone(),
            cpe: r.cpe.clone(),
            purl: r.purl.clone(),
            licence: r.licence.clone(),
            open_source: r.open_source,
            source: source.to_string(),
            created_at: now(),
        })
        .collect();
    insert_all(
        db,
        actor,
        institution,
        "software",
        &format!("INSERT INTO software ({SOFTWARE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        &out,
        |s| s.id,
        |s| args![s.id, s.institution_id, &s.vendor, &s.product, &s.version, &s.cpe, &s.purl, &s.licence, s.open_source, &s.source, s.created_at],
    )
    .await?;
    Ok(out)
}

pub async fn delete_software(db: &Db, actor: &Actor, institution: Uuid, id: Uuid) -> Result<()> {
    delete_owned(db, actor, "software", "software", None, institution, id).await
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Asset {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub ipv6: bool,
    /// Reachable from the Internet: only these count in the IPv6 KPI.
    pub internet_facing: bool,
    pub criticality: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

pub async fn list_assets(db: &Db, institution: Uuid) -> Result<Vec<Asset>> {
    db.fetch_all(
        "SELECT id, institution_id, name, kind, address, ipv6, internet_facing, criticality, created_at FROM assets WHERE institution_id = $1 ORDER BY name, id",
        args![institution],
    )
    .await
}

/// An asset to add (already validated).
#[derive(Debug, Clone, Default)]
pub struct NewAsset {
    pub name: String,
    pub kind: String,
    pub address: String,
    pub ipv6: bool,
    pub internet_facing: bool,
    pub criticality: String,
}

/// Adds every asset or none.
pub async fn add_assets(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    rows: &[NewAsset],
) -> Result<Vec<Asset>> {
    let out: Vec<Asset> = rows
        .iter()
        .map(|n| Asset {
            id: Uuid::new_v4(),
            institution_id: institution,
            name: n.name.trim().to_string(),
            kind: n.kind.clone(),
            address: n.address.trim().to_string(),
            ipv6: n.ipv6,
            internet_facing: n.internet_facing,
            criticality: n.criticality.clone(),
            created_at: now(),
        })
        .collect();
    insert_all(
        db,
        actor,
        institution,
        "asset",
        "INSERT INTO assets (id, institution_id, name, kind, address, ipv6, internet_facing, criticality, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &out,
        |a| a.id,
        |a| args![a.id, a.institution_id, &a.name, &a.kind, &a.address, a.ipv6, a.internet_facing, &a.criticality, a.created_at],
    )
    .await?;
    Ok(out)
}

pub async fn add_asset(db: &Db, actor: &Actor, institution: Uuid, n: &NewAsset) -> Result<Asset> {
    let mut added = add_assets(db, actor, institution, std::slice::from_ref(n)).await?;
    Ok(added.remove(0))
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Service {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub url: String,
    /// The host of `url`, lower case (derived, not stored).
    #[sqlx(skip)]
    pub domain: String,
    /// The unit or person responsible for the service.
    pub owner: String,
    pub personal_data: bool,
    pub payments: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The host of an `http(s)://` URL, lower case, without port or credentials.
pub fn domain_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

pub async fn list_services(db: &Db, institution: Uuid) -> Result<Vec<Service>> {
    let mut rows: Vec<Service> = db
        .fetch_all(
            "SELECT id, institution_id, name, url, owner, personal_data, payments, created_at FROM services WHERE institution_id = $1 ORDER BY name, id",
            args![institution],
        )
        .await?;
    for s in &mut rows {
        s.domain = domain_of(&s.url);
    }
    Ok(rows)
}

/// A digital service to add (already validated).
#[derive(Debug, Clone, Default)]
pub struct NewService {
    pub name: String,
    pub url: String,
    pub owner: String,
    pub personal_data: bool,
    pub payments: bool,
}

/// Adds every service or none.
pub async fn add_services(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    rows: &[NewService],
) -> Result<Vec<Service>> {
    let out: Vec<Service> = rows
        .iter()
        .map(|n| Service {
            id: Uuid::new_v4(),
            institution_id: institution,
            name: n.name.trim().to_string(),
            url: n.url.trim().to_string(),
            domain: domain_of(n.url.trim()),
            owner: n.owner.trim().to_string(),
            personal_data: n.personal_data,
            payments: n.payments,
            created_at: now(),
        })
        .collect();
    insert_all(
        db,
        actor,
        institution,
        "service",
        "INSERT INTO services (id, institution_id, name, url, owner, personal_data, payments, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &out,
        |s| s.id,
        |s| args![s.id, s.institution_id, &s.name, &s.url, &s.owner, s.personal_data, s.payments, s.created_at],
    )
    .await?;
    Ok(out)
}

pub async fn add_service(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    n: &NewService,
) -> Result<Service> {
    let mut added = add_services(db, actor, institution, std::slice::from_ref(n)).await?;
    Ok(added.remove(0))
}

#[derive(FromRow)]
struct PendingAsset {
    id: Uuid,
    address: String,
}

/// Gives the assets that predate the `internet_facing` flag (listed by migration 0020 in
/// `assets_public_pending`) the flag's default from their address, once: the rule lives in
/// `core`, not in SQL.
pub async fn settle_public_assets(db: &Db) -> Result<()> {
    let rows: Vec<PendingAsset> = db
        .fetch_all(
            "SELECT a.id AS id, a.address AS address FROM assets_public_pending p JOIN assets a ON a.id = p.id",
            args![],
        )
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for r in rows
        .iter()
        .filter(|r| centinela_core::inventory::default_internet_facing(&r.address))
    {
        tx.execute(
            "UPDATE assets SET internet_facing = TRUE WHERE id = $1",
            args![r.id],
        )
        .await?;
    }
    tx.execute("DELETE FROM assets_public_pending", args![])
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The national target for the share of assets reachable over IPv6, in percent.
pub const IPV6_TARGET_PERCENT: i64 = 50;

/// Inventory KPIs of the institutions in scope, nationally and per sector.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InventoryKpis {
    pub assets: i64,
    /// Assets reachable from the Internet: the base of the IPv6 KPI.
    pub public_assets: i64,
    /// Public assets reachable over IPv6.
    pub assets_ipv6: i64,
    pub software: i64,
    pub software_open_source: i64,
    pub institutions: i64,
    /// Institutions with at least one asset, one service and one software item, and both
    /// officers named.
    pub institutions_complete: i64,
    pub ipv6_target_percent: i64,
    /// The same figures per sector (sectors with at least one institution in scope).
    pub by_sector: Vec<SectorKpis>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SectorKpis {
    pub sector: String,
    pub assets: i64,
    pub public_assets: i64,
    pub assets_ipv6: i64,
    pub software: i64,
    pub software_open_source: i64,
    pub institutions: i64,
    pub institutions_complete: i64,
    /// Shares in whole percent (rounded down); `None` when there is nothing to count.
    pub assets_ipv6_percent: Option<i64>,
    pub open_source_percent: Option<i64>,
    pub complete_percent: Option<i64>,
    /// At least [`IPV6_TARGET_PERCENT`] of the sector's public assets reachable over IPv6.
    pub meets_ipv6_target: bool,
}

/// `n` of `of` in whole percent (rounded down), or `None` without a base.
pub fn percent(n: i64, of: i64) -> Option<i64> {
    (of > 0).then(|| n * 100 / of)
}

#[derive(FromRow)]
struct SectorCount {
    sector: String,
    n: i64,
    m: i64,
}

pub async fn kpis(db: &Db, scope: &Scope) -> Result<InventoryKpis> {
    let (cond, p) = scope.condition("x.institution_id", 1);
    let (by_id, q) = scope.condition("i.id", 1);
    // One grouped count per table; `m` counts the rows meeting the KPI.
    let counts = |table: &str, flag: &str| {
        format!(
            "SELECT i.sector AS sector, COUNT(*) AS n, CAST(SUM(CASE WHEN x.{flag} = TRUE THEN 1 ELSE 0 END) AS BIGINT) AS m \
             FROM {table} x JOIN institutions i ON i.id = x.institution_id WHERE {cond} GROUP BY i.sector"
        )
    };
    let assets: Vec<SectorCount> = db
        .fetch_all(&counts("assets", "internet_facing"), p.clone())
        .await?;
    // The IPv6 KPI is a share of public network assets (internal hosts need no IPv6 reach).
    let public: Vec<SectorCount> = db
        .fetch_all(
            &format!(
                "SELECT i.sector AS sector, COUNT(*) AS n, CAST(SUM(CASE WHEN x.ipv6 = TRUE THEN 1 ELSE 0 END) AS BIGINT) AS m \
                 FROM assets x JOIN institutions i ON i.id = x.institution_id WHERE {cond} AND x.internet_facing = TRUE GROUP BY i.sector"
            ),
            p.clone(),
        )
        .await?;
    let software: Vec<SectorCount> = db.fetch_all(&counts("software", "open_source"), p).await?;
    let institutions: Vec<SectorCount> = db
        .fetch_all(
            &format!(
                "SELECT i.sector AS sector, COUNT(*) AS n, CAST(SUM(CASE WHEN \
                 EXISTS (SELECT 1 FROM assets a WHERE a.institution_id = i.id) \
                 AND EXISTS (SELECT 1 FROM services s WHERE s.institution_id = i.id) \
                 AND EXISTS (SELECT 1 FROM software w WHERE w.institution_id = i.id) \
                 AND (SELECT COUNT(*) FROM officers o WHERE o.institution_id = i.id) = 2 \
                 THEN 1 ELSE 0 END) AS BIGINT) AS m FROM institutions i WHERE {by_id} GROUP BY i.sector"
            ),
            q,
        )
        .await?;
    let mut by_sector: Vec<SectorKpis> = institutions
        .iter()
        .map(|c| SectorKpis {
            sector: c.sector.clone(),
            institutions: c.n,
            institutions_complete: c.m,
            ..SectorKpis::default()
        })
        .collect();
    for c in &assets {
        if let Some(k) = by_sector.iter_mut().find(|k| k.sector == c.sector) {
            k.assets = c.n;
        }
    }
    for c in &public {
        if let Some(k) = by_sector.iter_mut().find(|k| k.sector == c.sector) {
            (k.public_assets, k.assets_ipv6) = (c.n, c.m);
        }
    }
    for c in &software {
        if let Some(k) = by_sector.iter_mut().find(|k| k.sector == c.sector) {
            (k.software, k.software_open_source) = (c.n, c.m);
        }
    }
    by_sector.sort_by(|a, b| a.sector.cmp(&b.sector));
    for k in &mut by_sector {
        k.assets_ipv6_percent = percent(k.assets_ipv6, k.public_assets);
        k.open_source_percent = percent(k.software_open_source, k.software);
        k.complete_percent = percent(k.institutions_complete, k.institutions);
        // Compared on the exact counts, not the rounded share.
        k.meets_ipv6_target =
            k.public_assets > 0 && k.assets_ipv6 * 100 >= IPV6_TARGET_PERCENT * k.public_assets;
    }
    let sum = |f: fn(&SectorKpis) -> i64| by_sector.iter().map(f).sum::<i64>();
    Ok(InventoryKpis {
        assets: sum(|k| k.assets),
        public_assets: sum(|k| k.public_assets),
        assets_ipv6: sum(|k| k.assets_ipv6),
        software: sum(|k| k.software),
        software_open_source: sum(|k| k.software_open_source),
        institutions: sum(|k| k.institutions),
        institutions_complete: sum(|k| k.institutions_complete),
        ipv6_target_percent: IPV6_TARGET_PERCENT,
        by_sector,
    })
}

#[cfg(test)]
mod service_tests {
    use super::domain_of;

    #[test]
    fn the_domain_is_the_urls_host() {
        for (url, domain) in [
            ("https://www.sat.gob.mx/declaracion", "www.sat.gob.mx"),
            ("http://Tramites.Gob.MX:8080/x?y=1", "tramites.gob.mx"),
            ("https://user:pw@portal.gob.mx/", "portal.gob.mx"),
            ("https://portal.gob.mx.", "portal.gob.mx"),
            ("https://[2001:db8::1]:443/", "[2001:db8::1]"),
            ("https://portal.gob.mx#top", "portal.gob.mx"),
        ] {
            assert_eq!(domain_of(url), domain, "{url}");
        }
    }
}
