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
