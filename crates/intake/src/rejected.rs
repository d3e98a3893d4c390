//! With `--accept-valid`, rejected rows go to a file next to the input, with their reasons, so
//! the desk can fix them and import that file again.

use crate::manifest::Manifest;
use closedloop_domain::Lang;
use std::path::{Path, PathBuf};

/// `manifest.xlsx` → `manifest.rejected.csv`, beside it.
pub fn rejected_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "manifest".into());
    input.with_file_name(format!("{stem}.rejected.csv"))
}

/// Writes a UTF-8 CSV (with a BOM so that Excel shows Chinese right): `row`, `errors`, then the
/// file's own columns, so the file can be corrected and imported again.
pub fn write_rejected(
    path: &Path,
    manifest: &Manifest,
    extra: &[(usize, String)],
    lang: Lang,
) -> std::io::Result<()> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        let mut header = vec!["row".to_string(), "errors".to_string()];
        if manifest.rejected.iter().any(|r| r.sheet.is_some()) {
            header.insert(0, "sheet".into());
        }
        let with_sheet = header.len() == 3;
        header.extend(manifest.header.iter().cloned());
        w.write_record(&header)?;
        for r in &manifest.rejected {
            let reasons = r
                .errors
                .iter()
                .map(|e| e.message(lang))
                .collect::<Vec<_>>()
                .join("; ");
            let mut rec = Vec::with_capacity(header.len());
            if with_sheet {
                rec.push(r.sheet.clone().unwrap_or_default());
            }
            rec.push(r.row.to_string());
            rec.push(reasons);
            rec.extend(r.cells.iter().cloned());
            w.write_record(&rec)?;
        }
        // Rows the store refused (conflicts): their cells are no longer at hand, the row number is.
        for (row, reason) in extra {
            let mut rec = vec![];
            if with_sheet {
                rec.push(String::new());
            }
            rec.push(row.to_string());
            rec.push(reason.clone());
            w.write_record(&rec)?;
        }
        w.flush()?;
    }
    std::fs::write(path, out)
}
