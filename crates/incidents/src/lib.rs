//! Incidents under a national protocol: the library half of Centinela's incident capability.
//!
//! What lives here: protocol files as data ([`protocol`]: stages, deadlines, severity model,
//! phases; a registry keyed by id and version), the RSIT taxonomy and the CSIRT Americas mapping
//! ([`taxonomy`]), severity computed and explained ([`severity`]), reporting clocks
//! ([`clock`]), the incident draft and its validation ([`incident`], [`observable`]), STIX 2.1
//! and MISP exchange ([`stix`], [`misp`]) and playbooks ([`playbook`]).
//!
//! What does not: databases, HTTP, e-mail, clocks or randomness. Every function that depends on
//! the time takes `now`; ids are passed in.
//!
//! ```
//! use incidents::clock::{stage_clocks, ClockInput, StageState};
//! use incidents::protocol::ProtocolRegistry;
//! use incidents::severity::{FunctionalImpact, ImpactFactors};
//! use time::macros::datetime;
//!
//! let registry = ProtocolRegistry::builtin();
//! let mx = registry.default_protocol().unwrap();
//! assert_eq!(mx.id, "mx-apf-2025");
//!
//! let factors = ImpactFactors {
//!     functional_impact: FunctionalImpact::DenialCritical,
//!     essential_service: true,
//!     ..Default::default()
//! };
//! let assessment = mx.severity.assess(&factors);
//! assert_eq!(assessment.level, "muy-alto");
//!
//! let detected = datetime!(2026-03-02 09:00 UTC);
//! let input = ClockInput {
//!     detected_at: detected,
//!     aware_at: detected,
//!     level: &assessment.level,
//!     significant_since: None,
//!     sector: None,
//!     closed_at: None,
//!     submissions: &[],
//!     requests: &[],
//! };
//! let clocks = stage_clocks(mx, &input, datetime!(2026-03-02 12:00 UTC));
//! assert_eq!(clocks[0].deadline, Some(datetime!(2026-03-03 09:00 UTC)));
//! assert_eq!(clocks[0].state, StageState::Pending);
//! ```

pub mod clock;
pub mod due;
pub mod incident;
pub mod misp;
pub mod observable;
pub mod playbook;
pub mod protocol;
pub mod severity;
pub mod stix;
pub mod taxonomy;
pub mod text;
