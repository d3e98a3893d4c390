//! With `--accept-valid`, rejected rows go to a file next to the input, with their reasons, so
//! the desk can fix them and import that file again.
//!
//! The file is written before the import commits, and atomically: to a new file in the same
//! directory, synced, then renamed over the target, so a reader never sees half of it and an
//! import whose rejected rows cannot be written stores nothing. A target that is a symbolic
//! link is refused, never followed.

use crate::export::SafeCsv;
use crate::manifest::Manifest;
use closedloop_domain::Lang;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// `manifest.xlsx` → `manifest.rejected.csv`, beside it.
pub fn rejected_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "manifest".into());
    input.with_file_name(format!("{stem}.rejected.csv"))
}

/// The rejected rows as a UTF-8 CSV (with a BOM so that Excel shows Chinese right): `row`,
/// `errors`, then the file's own columns, so the file can be corrected and imported again.
/// Cells a spreadsheet would run as formulas are neutralised ([`crate::export`]).
pub fn rejected_csv(
    manifest: &Manifest,
    extra: &[(usize, String)],
    lang: Lang,
) -> io::Result<Vec<u8>> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = SafeCsv::new(
            csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(&mut out),
        );
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
    Ok(out)
}

/// Writes the rejected-rows file (see [`rejected_csv`]) atomically at `path`.
pub fn write_rejected(
    path: &Path,
    manifest: &Manifest,
    extra: &[(usize, String)],
    lang: Lang,
) -> io::Result<()> {
    write_atomically(path, &rejected_csv(manifest, extra, lang)?)
}

/// Writes `bytes` at `path` through a fresh file in the same directory, synced and renamed
/// over it. Refuses when `path` is a symbolic link (which could point anywhere the program
/// may write).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.file_type().is_symlink()
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a symbolic link; refusing to write through it",
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp, mut file) = (0..100)
        .find_map(|attempt| {
            let temp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
            // create_new: never an existing file, never through a link planted at that name.
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => Some(Ok((temp, file))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| {
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "no free temporary name beside it",
            ))
        })?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    // The rename itself is durable once the directory is synced (not possible everywhere).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_and_refuses_symbolic_links() {
        let dir = std::env::temp_dir().join(format!("closedloop-rejected-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("a.rejected.csv");
        write_atomically(&target, b"one").unwrap();
        write_atomically(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        #[cfg(unix)]
        {
            let elsewhere = dir.join("elsewhere.txt");
            std::fs::write(&elsewhere, b"keep").unwrap();
            let link = dir.join("b.rejected.csv");
            std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
            let e = write_atomically(&link, b"evil").unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
            assert_eq!(std::fs::read(&elsewhere).unwrap(), b"keep");
        }
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
