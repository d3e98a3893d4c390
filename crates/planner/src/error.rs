use thiserror::Error;

#[derive(Debug, Error)]
pub enum PlanError {
    /// The problem itself is malformed; the message names the job, vehicle type or cell.
    #[error("planning problem is not valid: {0}")]
    Invalid(String),
    /// A benchmark or solution file could not be read; names the file, line and field.
    #[error("{file}, line {line}: {message}")]
    Format {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}
