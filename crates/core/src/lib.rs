//! Centinela's domain: plain types and pure rules, no I/O.
//!
//! What lives here: roles and principals, the access policy (`access::may`), TLP 2.0,
//! constituency vocabulary and validation, the sector catalog, password policy and the
//! canonical hashing of records for the audit trail.
//!
//! What does not: databases, HTTP, clocks or randomness — callers pass them in.
//!
//! ```
//! use centinela_core::access::{may, Action, Decision, Resource, ResourceKind};
//! use centinela_core::principal::{Principal, Role};
//! use uuid::Uuid;
//!
//! let sat = Uuid::new_v4();
//! let officer = Principal::new(Uuid::new_v4(), Role::Officer, Some(sat), vec![]);
//! let own = Resource::owned(ResourceKind::Institution, sat);
//! assert_eq!(may(&officer, Action::Read, &own), Decision::Allow);
//! let other = Resource::owned(ResourceKind::Institution, Uuid::new_v4());
//! assert_eq!(may(&officer, Action::Read, &other), Decision::Hidden);
//! ```

pub mod access;
pub mod audit;
pub mod constituency;
pub mod exposure;
pub mod inventory;
pub mod password;
pub mod principal;
pub mod projects;
pub mod sector;
pub mod tlp;
pub mod validate;
