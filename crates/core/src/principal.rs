//! Who is asking: a user with a role, their institution, and how they authenticated.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

pub type UserId = Uuid;
pub type InstitutionId = Uuid;

/// The platform's roles (DESIGN.md, "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform administrator: manages accounts, not the constituency's data.
    Admin,
    /// National coordinator (central authority / national CSIRT analyst): sees every institution.
    Coordinator,
    /// Head of cybersecurity or cybersecurity officer of one institution.
    Officer,
    /// Crisis committee member: reads the stakeholder directory.
    CrisisMember,
    /// Reads the institutions assigned to them.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Officer,
        Role::CrisisMember,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Officer => "officer",
            Role::CrisisMember => "crisis_member",
            Role::Auditor => "auditor",
        }
    }

    /// Roles that must belong to an institution.
    pub fn needs_institution(self) -> bool {
        matches!(self, Role::Officer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// How the principal authenticated; tokens may be read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token { write: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub role: Role,
    /// The institution the user works for (officers must have one; coordinators belong to the
    /// central authority).
    pub institution: Option<InstitutionId>,
    /// Institutions an auditor is assigned to.
    pub audits: Vec<InstitutionId>,
    pub via: Via,
}

impl Principal {
    pub fn new(
        user: UserId,
        role: Role,
        institution: Option<InstitutionId>,
        audits: Vec<InstitutionId>,
    ) -> Self {
        Principal {
            user,
            role,
            institution,
            audits,
            via: Via::Session,
        }
    }

    pub fn with_via(mut self, via: Via) -> Self {
        self.via = via;
        self
    }

    /// Institutions whose records this principal may read, or `None` for "all of them".
    pub fn visible_institutions(&self) -> Option<Vec<InstitutionId>> {
        match self.role {
            Role::Admin | Role::Coordinator | Role::CrisisMember => None,
            Role::Officer => Some(self.institution.into_iter().collect()),
            Role::Auditor => Some(self.audits.clone()),
        }
    }
}
