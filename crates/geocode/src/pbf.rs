//! Building the index from an OpenStreetMap extract (`.osm.pbf`) in two passes, so memory
//! follows what is indexed, not the extract: first the named and addressed elements (the
//! tagged nodes with their positions, the ways with their node lists), then the positions of
//! the nodes those ways use. Elements are fed to the builder in id order, whatever order the
//! parallel reader delivers them in, so one extract always gives the same index.

use crate::index::{Index, IndexBuilder};
use closedloop_domain::Lang;
use osmpbf::{Element, ElementReader};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GeocodeError {
    #[error("cannot read the OpenStreetMap extract {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not an OpenStreetMap PBF extract (.osm.pbf): {reason}")]
    NotPbf { path: PathBuf, reason: &'static str },
    #[error("{path} is a damaged OpenStreetMap PBF extract ({source}); download it again")]
    Corrupt {
        path: PathBuf,
        source: osmpbf::Error,
    },
}

impl GeocodeError {
    /// The stable code: snake_case, never reworded once published.
    pub fn code(&self) -> &'static str {
        match self {
            GeocodeError::Unreadable { .. } => "extract_unreadable",
            GeocodeError::NotPbf { .. } => "extract_not_pbf",
            GeocodeError::Corrupt { .. } => "extract_corrupt",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (GeocodeError::Unreadable { path, source }, Lang::ZhCn) => {
                format!(
                    "无法读取 OpenStreetMap 数据文件 {}：{source}",
                    path.display()
                )
            }
            (GeocodeError::NotPbf { path, reason }, Lang::ZhCn) => format!(
                "{} 不是 OpenStreetMap PBF 数据文件（.osm.pbf）：{reason}",
                path.display()
            ),
            (GeocodeError::Corrupt { path, source }, Lang::ZhCn) => format!(
                "{} 是损坏的 OpenStreetMap PBF 数据文件（{source}）；请重新下载",
                path.display()
            ),
        }
    }
}

type OwnedTags = Vec<(String, String)>;

enum Kept {
    Node(i64, f64, f64, OwnedTags),
    Way(i64, Vec<i64>, OwnedTags),
}

fn owned<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> OwnedTags {
    tags.map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn borrowed(tags: &OwnedTags) -> Vec<(&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Reads the extract at `path` into an index.
pub fn load(path: &Path) -> Result<Index, GeocodeError> {
    check_header(path)?;
    let corrupt = |source| GeocodeError::Corrupt {
        path: path.to_path_buf(),
        source,
    };
    let keep = |id: i64, lat: f64, lon: f64, tags: Vec<(&str, &str)>| -> Vec<Kept> {
        if IndexBuilder::wants_node(&tags) {
            vec![Kept::Node(id, lat, lon, owned(tags.into_iter()))]
        } else {
            Vec::new()
        }
    };
    let mut kept: Vec<Kept> = ElementReader::from_path(path)
        .map_err(corrupt)?
        .par_map_reduce(
            |element| match element {
                Element::Node(n) => keep(n.id(), n.lat(), n.lon(), n.tags().collect()),
                Element::DenseNode(n) => keep(n.id(), n.lat(), n.lon(), n.tags().collect()),
                Element::Way(w) => {
                    let tags: Vec<(&str, &str)> = w.tags().collect();
                    if IndexBuilder::wants_way(&tags) {
                        vec![Kept::Way(
                            w.id(),
                            w.refs().collect(),
                            owned(tags.into_iter()),
                        )]
                    } else {
                        Vec::new()
                    }
                }
                Element::Relation(_) => Vec::new(),
            },
            Vec::new,
            |mut a, mut b| {
                a.append(&mut b);
                a
            },
        )
        .map_err(corrupt)?;
    kept.sort_by_key(|k| match k {
        Kept::Node(id, ..) => (0, *id),
        Kept::Way(id, ..) => (1, *id),
    });
    let mut builder = IndexBuilder::new();
    for k in &kept {
        match k {
            Kept::Node(id, lat, lon, tags) => builder.node(*id, *lat, *lon, &borrowed(tags)),
            Kept::Way(_, refs, tags) => {
                builder.way(refs, &borrowed(tags));
            }
        }
    }
    drop(kept);
    let needed = builder.needed_nodes();
    let wanted = |id: i64, lat: f64, lon: f64| -> Vec<(i64, f64, f64)> {
        if needed.binary_search(&id).is_ok() {
            vec![(id, lat, lon)]
        } else {
            Vec::new()
        }
    };
    let positions = ElementReader::from_path(path)
        .map_err(corrupt)?
        .par_map_reduce(
            |element| match element {
                Element::Node(n) => wanted(n.id(), n.lat(), n.lon()),
                Element::DenseNode(n) => wanted(n.id(), n.lat(), n.lon()),
                Element::Way(_) | Element::Relation(_) => Vec::new(),
            },
            Vec::new,
            |mut a, mut b| {
                a.append(&mut b);
                a
            },
        )
        .map_err(corrupt)?;
    for (id, lat, lon) in positions {
        builder.coordinate(id, lat, lon);
    }
    Ok(builder.build())
}

/// The decoder's own errors on a wrong file ("protobuf error") would not tell a desk what it
/// gave; the first bytes do.
fn check_header(path: &Path) -> Result<(), GeocodeError> {
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .map_err(|source| GeocodeError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
    let reason = if head.is_empty() {
        "the file is empty"
    } else if head.starts_with(b"<?xml") || head.starts_with(b"<osm") {
        "it is OSM XML; convert it with `osmium cat extract.osm -o extract.osm.pbf`"
    } else if head.len() < 6 || head[4] != 0x0a {
        "it does not start with an OSMHeader block"
    } else {
        return Ok(());
    };
    Err(GeocodeError::NotPbf {
        path: path.to_path_buf(),
        reason,
    })
}
