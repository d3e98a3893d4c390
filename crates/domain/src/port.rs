//! Ports of entry: where travelers arrive ("铁公水空": rail, road, water, air).

use crate::DomainError;
use crate::geo::Coordinates;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// What kind of port of entry.
    PortKind, "port kind", "airport, rail, road or seaport" {
        Airport => "airport", "airport", "机场", ["air", "空港", "航空口岸", "空"];
        Rail => "rail", "railway station", "铁路口岸", ["rail", "railway", "train station", "station", "火车站", "铁路", "高铁站", "铁"];
        Road => "road", "road crossing", "公路口岸", ["road", "land crossing", "crossing", "陆路口岸", "公路", "公"];
        Seaport => "seaport", "seaport", "水运口岸", ["port", "sea", "water", "港口", "码头", "邮轮港", "水"];
    }
}

/// A port of entry as configured in `config/ports.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Port {
    /// Short stable code, e.g. the IATA code of an airport ("PVG") or a desk's own ("SH-RAIL").
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: PortKind,
    pub location: Coordinates,
    /// Other names desks write in manifests ("浦东机场", "Pudong").
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Port {
    /// Whether a name typed in a manifest designates this port.
    pub fn answers_to(&self, name: &str) -> bool {
        let name = name.trim();
        [&self.code, &self.name_zh, &self.name_en]
            .into_iter()
            .chain(self.aliases.iter())
            .any(|n| crate::vocab::same_word(name, n))
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 16
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !code_ok {
            return Err(DomainError::Invalid {
                field: "port code",
                value: self.code.clone(),
                expected: "1 to 16 upper-case letters, digits or '-'",
            });
        }
        if self.name_zh.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "port name_zh",
            });
        }
        if self.name_en.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "port name_en",
            });
        }
        Ok(())
    }
}

/// The configured ports, with lookup by anything a manifest may call them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PortDirectory {
    #[serde(rename = "port", default)]
    pub ports: Vec<Port>,
}

impl PortDirectory {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let dir: PortDirectory =
            toml::from_str(text).map_err(|e| DomainError::Policy(format!("ports: {e}")))?;
        for p in &dir.ports {
            p.validate()?;
        }
        let mut codes: Vec<&str> = dir.ports.iter().map(|p| p.code.as_str()).collect();
        codes.sort_unstable();
        if let Some(w) = codes.windows(2).find(|w| w[0] == w[1]) {
            return Err(DomainError::Invalid {
                field: "port code",
                value: w[0].to_string(),
                expected: "each port code once",
            });
        }
        Ok(dir)
    }

    pub fn find(&self, name: &str) -> Option<&Port> {
        let name = name.trim();
        let exact = |p: &&Port| {
            p.code == name
                || p.name_zh == name
                || p.name_en == name
                || p.aliases.iter().any(|a| a == name)
        };
        self.ports
            .iter()
            .find(exact)
            .or_else(|| self.ports.iter().find(|p| p.answers_to(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
        [[port]]
        code = "PVG"
        name_zh = "上海浦东国际机场"
        name_en = "Shanghai Pudong International Airport"
        kind = "airport"
        location = { lat = 31.1443, lon = 121.8083 }
        aliases = ["浦东机场", "Pudong"]
    "#;

    #[test]
    fn finds_a_port_by_code_name_or_alias() {
        let dir = PortDirectory::from_toml(SAMPLE).unwrap();
        for name in ["PVG", "pvg", "上海浦东国际机场", "浦东机场", "pudong"] {
            assert_eq!(
                dir.find(name).map(|p| p.code.as_str()),
                Some("PVG"),
                "{name}"
            );
        }
        assert!(dir.find("虹桥").is_none());
    }

    #[test]
    fn kind_accepts_chinese_and_english() {
        assert_eq!("机场".parse::<PortKind>().unwrap(), PortKind::Airport);
        assert_eq!(
            "Railway Station".parse::<PortKind>().unwrap(),
            PortKind::Rail
        );
        assert!("spaceport".parse::<PortKind>().is_err());
    }
}
