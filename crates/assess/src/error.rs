//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong while loading, resolving or scoring.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The JSON is malformed or does not follow the OSCAL model; `path` is the JSON path
    /// of the offending value (e.g. `catalog.groups[3].controls[7]`).
    #[error("{origin}: {path}: {message}")]
    Json {
        /// File name or other label of the document.
        origin: String,
        path: String,
        message: String,
    },
    /// The document is valid JSON but breaks an OSCAL rule we rely on.
    #[error("{origin}: invalid OSCAL: {message}")]
    Invalid { origin: String, message: String },
    /// An import (or an `#uuid` reference) could not be found or loaded.
    #[error("import {href:?} of {from}: {reason}")]
    Import {
        from: String,
        href: String,
        reason: String,
    },
    /// Profiles import each other in a loop; `chain` lists the locations, the first repeated at the end.
    #[error("profile import cycle: {}", chain.join(" -> "))]
    ImportCycle { chain: Vec<String> },
    /// Strict resolution turned a warning into an error.
    #[error("profile resolution (strict): {0}")]
    Strict(String),
    /// A `--catalog` override was given for a profile that does not import exactly one document.
    #[error(
        "--catalog replaces the single import of a profile, but {profile} has {imports} imports"
    )]
    CatalogOverride { profile: String, imports: usize },
    /// A mapping CSV is malformed; `line` is 1-based and counts the header.
    #[error("{origin}:{line}: {message}")]
    Mapping {
        origin: String,
        line: u64,
        message: String,
    },
    /// OSCAL output could not be built from the given input (date without offset, unknown
    /// control, empty plan...).
    #[error("OSCAL export: {0}")]
    Export(String),
    /// Scoring input out of range (weight, level, ...).
    #[error("scoring: {0}")]
    Score(String),
    /// Two NCAF years answer different editions: their clusters and objectives are different
    /// groupings even where ids coincide, so deltas between them would mislead.
    #[error(
        "NCAF editions {before} and {after} differ: years are compared only within one edition"
    )]
    EditionMismatch { before: String, after: String },
}

impl AssessError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        AssessError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
