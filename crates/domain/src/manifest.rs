//! A validated manifest row: what intake produces and the store keeps.

use crate::traveler::Traveler;

#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRow {
    /// Row number in the source file (as the spreadsheet or text editor shows it).
    pub row: usize,
    /// Index of the row's arrival in the manifest's list of arrivals.
    pub arrival: usize,
    pub traveler: Traveler,
}

/// A piece of a manifest, in file order, so that storing can start before the whole file is
/// checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestChunk {
    /// Arrivals first seen in this chunk; rows refer to arrivals by their index in the sequence
    /// of all chunks' arrivals.
    pub arrivals: Vec<crate::arrival::Arrival>,
    pub rows: Vec<ManifestRow>,
    /// Whether an invalid row has been found so far: unless invalid rows are accepted, the
    /// import will be refused and storing more rows is wasted work.
    pub doomed: bool,
}
