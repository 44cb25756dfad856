//! Evidence for the release criteria, read from the reports the real tools write:
//! coverage ([`coverage`]: LCOV, Cobertura XML, JaCoCo XML, `cargo llvm-cov --json`),
//! JMeter results ([`jtl`]), and the files changed since the previous release ([`docs`]).
//!
//! Parsers take bytes and a display path and return plain numbers or a [`ReportError`]
//! that names the file and, where possible, the line. They never decide pass or fail:
//! the `release-*` rules do.

pub mod coverage;
pub mod docs;
pub mod jtl;

use sha2::{Digest, Sha256};

/// A report that cannot be read: missing, empty, truncated or malformed.
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
    pub fn new(path: &str, line: Option<usize>, message: impl Into<String>) -> ReportError {
        ReportError {
            path: path.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Lowercase hex sha256 of a report's bytes, as the ledger records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    bytes[..end].iter().filter(|b| **b == b'\n').count() + 1
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
