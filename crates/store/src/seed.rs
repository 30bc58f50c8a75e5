//! The demo constituency (`data/demo/constituency.toml`), seeded once into an empty database.

use crate::accounts::{self, NewUser};
use crate::constituency as repo;
use crate::{Actor, Db, Result, StoreError, args};
use centinela_core::constituency::{
    ContactDraft, InstitutionDraft, NetworkDraft, OfficerDraft, OfficerRole,
};
use centinela_core::principal::Role;
use serde::Deserialize;
use sqlx::FromRow;
use uuid::Uuid;

const CONSTITUENCY: &str = include_str!("../../../data/demo/constituency.toml");

/// Password of every demo account: printed by `centinela demo`, never used by `serve`.
pub const DEMO_PASSWORD: &str = "centinela-demo-2026";

#[derive(Debug, Deserialize)]
pub struct DemoFile {
    pub institution: Vec<DemoInstitution>,
}

#[derive(Debug, Deserialize)]
pub struct DemoInstitution {
    #[serde(flatten)]
    pub draft: InstitutionDraft,
    #[serde(default)]
    pub officer: Vec<DemoOfficer>,
    #[serde(default)]
    pub contact: Vec<ContactDraft>,
    #[serde(default)]
    pub network: Vec<NetworkDraft>,
}

#[derive(Debug, Deserialize)]
pub struct DemoOfficer {
    pub role: String,
    #[serde(flatten)]
    pub draft: OfficerDraft,
}

/// A demo account as printed for the newcomer.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: &'static str,
    pub role: Role,
    pub institution: &'static str,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "coordinador@centinela.example",
        role: Role::Coordinator,
        institution: "ccn",
    },
    DemoAccount {
        email: "admin@centinela.example",
        role: Role::Admin,
        institution: "ccn",
    },
    DemoAccount {
        email: "oficial.sat@centinela.example",
        role: Role::Officer,
        institution: "sat",
    },
    DemoAccount {
        email: "oficial.imss@centinela.example",
        role: Role::Officer,
        institution: "imss",
    },
    DemoAccount {
        email: "auditoria@centinela.example",
        role: Role::Auditor,
        institution: "",
    },
    DemoAccount {
        email: "comite@centinela.example",
        role: Role::CrisisMember,
        institution: "",
    },
];

/// Institutions the demo auditor is assigned to.
const AUDITED: &[&str] = &["sat", "imss", "issste"];

pub fn demo_file() -> Result<DemoFile> {
    toml::from_str(CONSTITUENCY)
        .map_err(|e| StoreError::Seed(format!("data/demo/constituency.toml: {e}")))
}

#[derive(FromRow)]
struct Setting {
    value: String,
}

/// Seeds the demo constituency and accounts unless this database has been seeded before.
/// Returns whether it seeded now.
pub async fn seed_demo(db: &Db) -> Result<bool> {
    let done: Option<Setting> = db
        .fetch_optional(
            "SELECT value FROM settings WHERE key = 'demo_seeded'",
            args![],
        )
        .await?;
    if done.is_some_and(|s| s.value == "yes") {
        return Ok(false);
    }
    let file = demo_file()?;
    let actor = Actor::system();
    let mut ids = std::collections::HashMap::new();
    for inst in &file.institution {
        inst.draft
            .validate()
            .map_err(|e| StoreError::Seed(format!("institution {}: {e:?}", inst.draft.slug)))?;
        let row = repo::create_institution(db, &actor, &inst.draft).await?;
        ids.insert(row.slug.clone(), row.id);
        for o in &inst.officer {
            let role = OfficerRole::parse(&o.role).ok_or_else(|| {
                StoreError::Seed(format!("{}: officer role {:?}", row.slug, o.role))
            })?;
            repo::set_officer(db, &actor, row.id, role, &o.draft).await?;
        }
        for c in &inst.contact {
            repo::add_contact(db, &actor, row.id, c).await?;
        }
        for n in &inst.network {
            let (kind, value) = n.validate().map_err(|e| {
                StoreError::Seed(format!("{}: network {:?}: {e:?}", row.slug, n.value))
            })?;
            repo::add_network(db, &actor, row.id, kind, &value, "demo").await?;
        }
    }
    let hash = tokio::task::spawn_blocking(|| accounts::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| StoreError::Seed(e.to_string()))?;
    let lookup = |slug: &str| -> Result<Option<Uuid>> {
        if slug.is_empty() {
            return Ok(None);
        }
        ids.get(slug)
            .copied()
            .map(Some)
            .ok_or_else(|| StoreError::Seed(format!("no institution {slug}")))
    };
    let audits: Vec<Uuid> = AUDITED
        .iter()
        .map(|s| lookup(s).map(Option::unwrap_or_default))
        .collect::<Result<_>>()?;
    for a in DEMO_ACCOUNTS {
        let name = a.email.split('@').next().unwrap_or(a.email);
        accounts::create_user(
            db,
            &actor,
            &NewUser {
                email: a.email,
                name,
                role: a.role,
                institution_id: lookup(a.institution)?,
                password_hash: hash.clone(),
                locale: "es-MX",
                audits: if a.role == Role::Auditor {
                    &audits
                } else {
                    &[]
                },
            },
        )
        .await?;
    }
    db.execute(
        "INSERT INTO settings (key, value) VALUES ('demo_seeded', 'yes')",
        args![],
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_file_is_valid() {
        let f = demo_file().unwrap();
        assert!(f.institution.len() >= 40, "at least 40 institutions");
        for i in &f.institution {
            assert_eq!(i.draft.validate(), Ok(()), "{}", i.draft.slug);
            assert_eq!(i.officer.len(), 2, "{} names two officers", i.draft.slug);
            for o in &i.officer {
                assert_eq!(o.draft.validate(), Ok(()), "{} {}", i.draft.slug, o.role);
            }
            for c in &i.contact {
                assert_eq!(c.validate(), Ok(()), "{} contact", i.draft.slug);
            }
            for n in &i.network {
                assert!(n.validate().is_ok(), "{} network {}", i.draft.slug, n.value);
            }
        }
        for a in DEMO_ACCOUNTS
            .iter()
            .map(|a| a.institution)
            .chain(AUDITED.iter().copied())
        {
            assert!(
                a.is_empty() || f.institution.iter().any(|i| i.draft.slug == a),
                "{a}"
            );
        }
    }
}
