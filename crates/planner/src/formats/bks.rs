//! Best-known results: a CSV with the header `instance,vehicles,distance,source` (columns may
//! come in any order; `source` is optional and may be quoted).

use super::{format_error, number, read_text, whole};
use crate::PlanError;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct BestKnown {
    pub vehicles: usize,
    pub distance: f64,
    pub source: String,
}

pub fn read(path: &Path) -> Result<BTreeMap<String, BestKnown>, PlanError> {
    let (text, label) = read_text(path)?;
    parse(&text, &label)
}

pub fn parse(text: &str, file_label: &str) -> Result<BTreeMap<String, BestKnown>, PlanError> {
    let err = |line: usize, m: String| format_error(file_label, line, m);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let Some((at, header)) = lines.next() else {
        return Err(err(
            1,
            "empty file: expected instance,vehicles,distance,source".into(),
        ));
    };
    let columns: Vec<String> = split(header)
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let col = |name: &str| {
        columns.iter().position(|c| c == name).ok_or_else(|| {
            err(
                at,
                format!("the header has no {name} column (found {header:?})"),
            )
        })
    };
    let (ci, cv, cd) = (col("instance")?, col("vehicles")?, col("distance")?);
    let cs = columns.iter().position(|c| c == "source");

    let mut out = BTreeMap::new();
    for (at, l) in lines {
        let f = split(l);
        if f.len() != columns.len() {
            return Err(err(
                at,
                format!("{} fields where the header has {}", f.len(), columns.len()),
            ));
        }
        let best = BestKnown {
            vehicles: whole(file_label, at, "vehicles", &f[cv])? as usize,
            distance: number(file_label, at, "distance", &f[cd])?,
            source: cs.map(|c| f[c].clone()).unwrap_or_default(),
        };
        if out.insert(f[ci].clone(), best).is_some() {
            return Err(err(at, format!("instance {} appears twice", f[ci])));
        }
    }
    Ok(out)
}

/// Splits one CSV line, honouring double quotes (`""` inside quotes is a quote).
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_quoted_sources() {
        let text = "instance,vehicles,distance,source\nC101,10,828.937,LKH-3\n\
            R101,19,1650.80,\"Kohl, et al. \"\"1999\"\"\"\n";
        let m = parse(text, "bks.csv").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["C101"].vehicles, 10);
        assert_eq!(m["C101"].distance, 828.937);
        assert_eq!(m["R101"].source, "Kohl, et al. \"1999\"");
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = parse("instance,vehicles,distance\nC101,ten,1\n", "bks.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bks.csv, line 2: vehicles: \"ten\" is not a number"
        );
        let e = parse("instance,distance\n", "bks.csv").unwrap_err();
        assert!(
            e.to_string()
                .contains("line 1: the header has no vehicles column")
        );
        let e = parse("instance,vehicles,distance\nA,1,2\nA,1,3\n", "bks.csv").unwrap_err();
        assert_eq!(e.to_string(), "bks.csv, line 3: instance A appears twice");
    }

    #[test]
    fn reads_the_shipped_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vrptw");
        for (folder, n) in [("solomon", 56), ("homberger_200", 60)] {
            let path = dir.join(folder).join("bks.csv");
            let m = read(&path).unwrap();
            assert_eq!(m.len(), n, "{folder}");
            if folder == "solomon" {
                assert_eq!(m["C101"].vehicles, 10);
                assert!((m["C101"].distance - 828.94).abs() < 0.01);
            }
        }
    }
}
