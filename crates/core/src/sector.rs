//! The sector catalog (NIS and NIS2 sectors plus national public-sector ones), loaded from
//! `data/sectors.toml` at build time.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subsector {
    pub id: String,
    pub name_es: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sector {
    pub id: String,
    pub source: String,
    pub name_es: String,
    pub name_en: String,
    pub critical: bool,
    #[serde(default)]
    pub subsectors: Vec<Subsector>,
}

impl Sector {
    pub fn name(&self, lang: &str) -> &str {
        if lang.starts_with("es") {
            &self.name_es
        } else {
            &self.name_en
        }
    }
}

#[derive(Debug, Deserialize)]
struct SectorFile {
    sector: Vec<Sector>,
}

const SECTORS_TOML: &str = include_str!("../../../data/sectors.toml");

/// All sectors, in file order.
pub fn sectors() -> &'static [Sector] {
    static SECTORS: OnceLock<Vec<Sector>> = OnceLock::new();
    SECTORS.get_or_init(|| {
        toml::from_str::<SectorFile>(SECTORS_TOML)
            .expect("data/sectors.toml is valid (checked by a test)")
            .sector
    })
}

pub fn sector(id: &str) -> Option<&'static Sector> {
    sectors().iter().find(|s| s.id == id)
}

/// Whether `subsector` (possibly empty) belongs to `sector`.
pub fn valid_pair(sector_id: &str, subsector: &str) -> bool {
    sector(sector_id)
        .is_some_and(|s| subsector.is_empty() || s.subsectors.iter().any(|x| x.id == subsector))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads_and_ids_are_unique() {
        let all = sectors();
        assert!(
            all.len() >= 20,
            "expected the NIS2 and national sectors, got {}",
            all.len()
        );
        let mut ids: Vec<_> = all.iter().map(|s| s.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate sector ids");
        for s in all {
            assert!(!s.name_es.is_empty() && !s.name_en.is_empty(), "{}", s.id);
        }
        assert!(valid_pair("energy", ""));
        assert!(!valid_pair("no-such-sector", ""));
    }
}
