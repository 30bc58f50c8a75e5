//! Traffic Light Protocol 2.0 labels (FIRST), and who may see a labelled record.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A TLP 2.0 label, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "TLP:CLEAR")]
    Clear,
    #[serde(rename = "TLP:GREEN")]
    Green,
    #[serde(rename = "TLP:AMBER")]
    Amber,
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    #[serde(rename = "TLP:RED")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// Derived records take the strictest label of their inputs.
    pub fn strictest(labels: impl IntoIterator<Item = Tlp>) -> Option<Tlp> {
        labels.into_iter().max()
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown TLP label {0:?}; expected TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT or TLP:RED"
)]
pub struct UnknownTlp(pub String);

impl FromStr for Tlp {
    type Err = UnknownTlp;
    /// Accepts the 2.0 labels with or without the `TLP:` prefix, any case, and WHITE as the
    /// 1.0 name of CLEAR (old reports still carry it).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("TLP:").unwrap_or(&upper);
        match bare {
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            "GREEN" => Ok(Tlp::Green),
            "AMBER" => Ok(Tlp::Amber),
            "AMBER+STRICT" => Ok(Tlp::AmberStrict),
            "RED" => Ok(Tlp::Red),
            _ => Err(UnknownTlp(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_labels() {
        let cases = [
            ("TLP:CLEAR", Some(Tlp::Clear)),
            ("tlp:white", Some(Tlp::Clear)),
            ("GREEN", Some(Tlp::Green)),
            ("TLP:AMBER", Some(Tlp::Amber)),
            ("TLP:AMBER+STRICT", Some(Tlp::AmberStrict)),
            (" TLP:RED ", Some(Tlp::Red)),
            ("TLP:PURPLE", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Tlp>().ok(), expected, "{input}");
        }
    }

    #[test]
    fn strictest_wins() {
        assert_eq!(
            Tlp::strictest([Tlp::Green, Tlp::Red, Tlp::Amber]),
            Some(Tlp::Red)
        );
        assert_eq!(Tlp::strictest([]), None);
        for t in Tlp::ALL {
            assert_eq!(t.as_str().parse::<Tlp>(), Ok(t));
        }
    }
}
