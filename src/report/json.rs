//! The `json` format: one object, never coloured. Its schema is versioned (`version`)
//! and documented in the README; fields are only ever added.

use std::io::{self, Write};

use serde::Serialize;

use super::{Checked, Exempted, Finding, Outcome, Report, Severity};

/// Bumped only when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    outcome: Outcome,
    errors: usize,
    warnings: usize,
    checked: &'a Checked,
    notes: &'a [String],
    findings: &'a [Finding],
    /// Commits the policy's exemptions let through (added in schema version 1).
    exempted: &'a [Exempted],
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        version: JSON_SCHEMA_VERSION,
        outcome: report.outcome(),
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        checked: &report.checked,
        notes: &report.notes,
        findings: &report.findings,
        exempted: &report.exempted,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
