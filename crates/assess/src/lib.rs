//! OSCAL catalogs and profiles, profile resolution, framework mappings and assessment scoring.
//!
//! This crate is the pure half of Centinela's "baseline security measures and capability
//! assessments": it reads OSCAL JSON catalogs and profiles into typed structures
//! ([`catalog`], [`profile`]), resolves a profile into a catalog following OSCAL's
//! profile-resolution rules ([`resolve`]), loads framework-to-framework mappings
//! ([`mapping`]), infers answers between measures through the frameworks they map to
//! ([`infer`]) and computes progress, compliance and maturity ([`score`]). The national
//! capabilities self-assessment (ENISA NCAF shape) has its own data model and scoring
//! ([`ncaf`]).
//!
//! Shipped data (`data/`): the national baseline catalog, sector overlays as profiles on top
//! of it, two questionnaires (privacy-by-design impact assessment, cloud-migration security gap
//! analysis) as catalogs and profiles, and the NCAF 2020 framework in our own words.
//!
//! It is **not** a store or a server: no database, no HTTP, no async. Imports are loaded
//! through the [`ImportLoader`] trait, so the server can feed documents from its database
//! while the CLI uses [`FileLoader`]. It does not fetch remote URLs or render prose.
//!
//! For campaigns it rolls many institutions' answers up by sector, level of government and
//! nation, with a heat map institutions × groups ([`campaign`]), and writes OSCAL
//! `assessment-results` ([`assessment_results`]) and `plan-of-action-and-milestones`
//! ([`poam`]) JSON that `compliance-trestle` loads.
//!
//! ```no_run
//! use std::path::Path;
//!
//! let catalog = assess::resolve_profile_file(
//!     Path::new("NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
//!     Some(Path::new("NIST_SP-800-53_rev5_catalog.json")),
//! )?;
//! println!("{} controls", catalog.all_controls().len());
//! std::fs::write("low-resolved.json", catalog.to_json_pretty())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod assessment_results;
pub mod campaign;
pub mod catalog;
pub mod error;
pub mod infer;
pub mod load;
pub mod mapping;
pub mod metadata;
pub mod ncaf;
pub mod poam;
pub mod profile;
pub mod resolve;
pub mod score;

pub use catalog::{Catalog, Control, Group, Parameter, Part};
pub use error::AssessError;
pub use load::{Document, FileLoader, ImportLoader, Loaded};
pub use mapping::{Mapping, MappingSet, Relationship};
pub use profile::Profile;
pub use resolve::{
    ResolveOptions, Resolved, Warning, WarningKind, resolve_profile, resolve_profile_file,
    resolve_profile_file_with,
};
