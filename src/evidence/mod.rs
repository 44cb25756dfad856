//! Evidence for the release criteria, read from the reports the real tools write:
//! coverage ([`coverage`]: LCOV, Cobertura XML, JaCoCo XML, `cargo llvm-cov --json`),
//! JMeter results ([`jtl`]), and the files changed since the previous release ([`docs`]).
//!
//! A report enters through [`read_report`], which opens it with the input layer
//! ([`crate::input`]: regular files only, inside the working tree when the policy names
//! it, size-capped) and hands the stream to a [`Parser`]. Parsers read through bounded
//! buffers — never the whole file — while the input layer digests every byte, so a report
//! is parsed and hashed in one pass. They return plain numbers or a [`ReportError`] that
//! names the file and, where possible, the line; a count that does not fit, is negative,
//! NaN or absurd is such an error, never a number. They never decide pass or fail: the
//! `release-*` rules do.

pub mod coverage;
pub mod docs;
pub mod jtl;
mod stream;

use std::io::BufRead;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::input::{self, Limit, Origin, Problem, redact};

/// A report that cannot be read: refused, missing its end, malformed, or with numbers
/// that cannot be true. Its message never quotes what looks like a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", location(path, *line))]
pub struct ReportError {
    pub path: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

fn location(path: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{path}:{line}"),
        None => path.to_string(),
    }
}

impl ReportError {
    /// The message is scrubbed ([`redact::scrub`]): a parser may quote a field of the
    /// file, and the file may not be what it claims to be.
    pub fn new(path: &str, line: Option<usize>, message: impl Into<String>) -> ReportError {
        ReportError {
            path: path.to_string(),
            line,
            message: redact::scrub(&message.into()).into_owned(),
        }
    }

    /// The stream failed: the input layer refused more (the size limit) or the disk did.
    pub(crate) fn io(path: &str, line: Option<usize>, error: &std::io::Error) -> ReportError {
        ReportError::new(path, line, format!("cannot read it: {error}"))
    }
}

/// Reads a report from a stream; `path` only names it in errors.
pub type Parser<T> = fn(&str, &mut dyn BufRead) -> Result<T, ReportError>;

/// A report that was read: its value and the sha256 of all of its bytes.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The path as given (the policy's `report`, or `--report`).
    pub path: String,
    pub value: T,
    pub sha256: String,
}

/// Opens `path` through the input layer and parses it. `Ok(None)`: it does not exist.
/// A report that exists but is refused (not a regular file, outside the working tree,
/// over `limit`) or cannot be parsed is an error naming it.
pub fn read_report<T>(
    path: &Path,
    origin: Origin<'_>,
    limit: Limit,
    parse: Parser<T>,
) -> Result<Option<Parsed<T>>, ReportError> {
    let refused =
        |error: input::InputError| ReportError::new(&error.path, None, error.problem.to_string());
    let mut file = match input::open(path, origin, limit) {
        Ok(file) => file,
        Err(error) if matches!(error.problem, Problem::NotFound) => return Ok(None),
        Err(error) => return Err(refused(error)),
    };
    let display = file.path().to_string();
    let value = parse(&display, &mut file)?;
    let digest = file.finish().map_err(refused)?;
    Ok(Some(Parsed {
        path: display,
        value,
        sha256: digest.sha256,
    }))
}

/// Lowercase hex sha256 of a report's bytes, as the ledger records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A percentage for people: rounded *down* to two decimals and trailing zeros dropped, so
/// a value just below a threshold never displays as the threshold (89.996 → `89.99`).
pub fn format_percent(value: f64) -> String {
    // The epsilon absorbs binary noise (0.29 * 100 is 28.999…), not real differences.
    let floored = (value * 100.0 + 1e-9).floor() / 100.0;
    let text = format!("{floored:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// A number of milliseconds or a threshold, without a needless `.0`.
pub fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_down() {
        assert_eq!(format_percent(91.34), "91.34%");
        assert_eq!(format_percent(89.996), "89.99%");
        assert_eq!(format_percent(90.0), "90%");
        assert_eq!(format_percent(91.3), "91.3%");
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
