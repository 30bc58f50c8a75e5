//! Loading imported documents: the [`ImportLoader`] seam and the file-based [`FileLoader`].
//!
//! The resolver never touches the file system itself: the CLI passes a [`FileLoader`], the
//! server can pass a closure that reads catalogs and profiles from its database.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::catalog::Catalog;
use crate::error::AssessError;
use crate::profile::Profile;

/// A catalog or a profile, whichever an import pointed at.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Catalog(Box<Catalog>),
    Profile(Box<Profile>),
}

impl Document {
    /// Parses either `{"catalog": ...}` or `{"profile": ...}`.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Document, AssessError> {
        #[derive(Deserialize)]
        struct Peek {
            catalog: Option<IgnoredAny>,
            profile: Option<IgnoredAny>,
        }
        let peek: Peek = crate::catalog::parse_json(text, origin)?;
        match (peek.catalog.is_some(), peek.profile.is_some()) {
            (true, false) => {
                Catalog::from_json_str(text, origin).map(|c| Document::Catalog(c.into()))
            }
            (false, true) => {
                Profile::from_json_str(text, origin).map(|p| Document::Profile(p.into()))
            }
            _ => Err(AssessError::Invalid {
                origin: origin.to_string(),
                message: "expected exactly one of the root keys \"catalog\" or \"profile\"".into(),
            }),
        }
    }
}

/// What a loader returns: the document and a canonical location used for relative imports
/// and cycle detection (two hrefs to the same file must give the same location).
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub location: String,
    pub document: Document,
}

/// Fetches an import. `base` is the location of the importing profile; `href` is the import's
/// reference after `#uuid` back-matter references have been replaced by their rlink.
pub trait ImportLoader {
    fn load(&self, base: &str, href: &str) -> Result<Loaded, AssessError>;
}

impl<F> ImportLoader for F
where
    F: Fn(&str, &str) -> Result<Loaded, AssessError>,
{
    fn load(&self, base: &str, href: &str) -> Result<Loaded, AssessError> {
        self(base, href)
    }
}

/// Loads imports from local files: relative hrefs resolve against the importing file's
/// directory; `file://` is accepted; other URL schemes are refused (we fetch nothing remote).
#[derive(Debug, Clone, Copy, Default)]
pub struct FileLoader;

impl FileLoader {
    /// The path `href` names, relative to the file `base`.
    pub fn path_for(base: &str, href: &str) -> Result<PathBuf, String> {
        let href = href.strip_prefix("file://").unwrap_or(href);
        if let Some((scheme, _)) = href.split_once("://") {
            return Err(format!(
                "remote {scheme} imports are not fetched; use a local copy or --catalog"
            ));
        }
        let target = Path::new(href);
        if target.is_absolute() {
            return Ok(target.to_path_buf());
        }
        let dir = Path::new(base).parent().unwrap_or(Path::new("."));
        Ok(dir.join(target))
    }

    /// Loads a document from a path given on the command line.
    pub fn load_path(path: &Path) -> Result<Loaded, AssessError> {
        let canonical = path.canonicalize().map_err(|e| AssessError::io(path, e))?;
        let text = std::fs::read_to_string(&canonical).map_err(|e| AssessError::io(path, e))?;
        let location = canonical.display().to_string();
        let document = Document::from_json_str(&text, &location)?;
        Ok(Loaded { location, document })
    }
}

impl ImportLoader for FileLoader {
    fn load(&self, base: &str, href: &str) -> Result<Loaded, AssessError> {
        let import_error = |reason: String| AssessError::Import {
            from: base.to_string(),
            href: href.to_string(),
            reason,
        };
        let path = FileLoader::path_for(base, href).map_err(import_error)?;
        if !path.is_file() {
            return Err(import_error(format!("no such file: {}", path.display())));
        }
        FileLoader::load_path(&path)
    }
}
