//! Figures for the national (or institutional) dashboard.

use crate::{Db, Result, Scope};
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub n: i64,
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Dashboard {
    pub institutions: i64,
    pub by_criticality: Vec<Bucket>,
    pub by_sector: Vec<Bucket>,
    /// Institutions that have named both their head of cybersecurity and their officer.
    pub officers_complete: i64,
    /// Institutions with at least one IPv6 prefix registered.
    pub with_ipv6: i64,
    pub networks_by_kind: Vec<Bucket>,
    pub users: i64,
}

pub async fn dashboard(db: &Db, scope: &Scope) -> Result<Dashboard> {
    let (by_id, p) = scope.condition("id", 1);
    let (by_inst, q) = scope.condition("institution_id", 1);
    let count =
        |sql: String, args| async move { db.fetch_one::<Count>(&sql, args).await.map(|c| c.n) };
    Ok(Dashboard {
        institutions: count(format!("SELECT COUNT(*) AS n FROM institutions WHERE {by_id}"), p.clone()).await?,
        by_criticality: db
            .fetch_all(
                &format!("SELECT criticality AS key, COUNT(*) AS n FROM institutions WHERE {by_id} GROUP BY criticality ORDER BY n DESC, key"),
                p.clone(),
            )
            .await?,
        by_sector: db
            .fetch_all(
                &format!("SELECT sector AS key, COUNT(*) AS n FROM institutions WHERE {by_id} GROUP BY sector ORDER BY n DESC, key"),
                p.clone(),
            )
            .await?,
        officers_complete: count(
            format!("SELECT COUNT(*) AS n FROM (SELECT institution_id FROM officers WHERE {by_inst} GROUP BY institution_id HAVING COUNT(*) = 2) t"),
            q.clone(),
        )
        .await?,
        with_ipv6: count(
            format!("SELECT COUNT(DISTINCT institution_id) AS n FROM networks WHERE kind = 'cidr' AND value LIKE '%:%' AND {by_inst}"),
            q.clone(),
        )
        .await?,
        networks_by_kind: db
            .fetch_all(
                &format!("SELECT kind AS key, COUNT(*) AS n FROM networks WHERE {by_inst} GROUP BY kind ORDER BY key"),
                q.clone(),
            )
            .await?,
        users: count(format!("SELECT COUNT(*) AS n FROM users WHERE {by_inst}"), q).await?,
    })
}
