//! The `github` format: workflow-command annotations on stdout as findings arrive, the
//! notes and check lines as `reltag note:` lines, the command's data as plain text, then
//! at the end a step summary in `$GITHUB_STEP_SUMMARY` (the checks as a table, then the
//! first findings) and `allowed=true|false` in `$GITHUB_OUTPUT`.
//!
//! Everything that comes from users (commit messages, branch names, titles) is escaped
//! twice over: [`crate::text::escape`] first (no terminal control sequence reaches the
//! log), then the workflow-command escapes, so it can never start or end a command: `%`,
//! CR and LF always, and `:` and `,` inside properties. No plain line starts with `::`
//! (or the old `##[` form).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use super::{
    Check, Finding, Outcome, Render, Severity, Style as ReportStyle, Subject, Summary, Verdict,
};
use crate::text::escape;

/// How many findings the step summary lists (GitHub caps a summary at 1 MiB; the log
/// has every annotation).
const SUMMARY_FINDINGS: usize = 50;

pub(super) struct Github {
    show_notes: bool,
    /// The first findings, for the step summary; the others are only counted.
    first: Vec<Finding>,
}

impl Github {
    pub(super) fn new(show_notes: bool) -> Github {
        Github {
            show_notes,
            first: Vec::new(),
        }
    }

    fn keep(&mut self, finding: &Finding) {
        if self.first.len() < SUMMARY_FINDINGS {
            self.first.push(finding.clone());
        }
    }
}

impl Render for Github {
    fn note(&mut self, out: &mut dyn Write, note: &str) -> io::Result<()> {
        if self.show_notes {
            writeln!(out, "reltag note: {}", escape_data(&escape(note)))?;
        }
        Ok(())
    }

    fn check(&mut self, out: &mut dyn Write, check: &Check) -> io::Result<()> {
        self.note(out, &check.line())
    }

    fn finding(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        self.keep(finding);
        writeln!(out, "{}", annotation(finding))
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary<'_>) -> io::Result<()> {
        for finding in summary.held_findings() {
            self.finding(out, finding)?;
        }
        if let Some(data) = summary.data {
            let mut text = Vec::new();
            super::human::write_data(&mut text, data)?;
            for line in String::from_utf8_lossy(&text).lines() {
                writeln!(out, "{}", plain_line(line))?;
            }
        }
        let found = summary.errors + summary.warnings > 0;
        if summary.style != ReportStyle::Data || found || summary.outcome != Outcome::Allowed {
            writeln!(
                out,
                "reltag: {}: {}",
                summary.outcome.word(),
                summary.counts_phrase()
            )?;
        }
        Ok(())
    }

    fn files(
        &mut self,
        summary: &Summary<'_>,
        summary_path: Option<&Path>,
        output_path: Option<&Path>,
    ) -> io::Result<()> {
        write_files(summary, &self.first, summary_path, output_path)
    }
}

/// A line of plain text that a runner must not read as a workflow command.
fn plain_line(line: &str) -> String {
    let trimmed = line.trim_start();
    if trimmed.starts_with("::") || trimmed.starts_with("##[") {
        format!("reltag: {line}")
    } else {
        line.to_string()
    }
}

/// One `::error …::…` or `::warning …::…` line.
fn annotation(finding: &Finding) -> String {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = vec![format!(
        "title={}",
        escape_property(&format!("reltag ({})", finding.rule))
    )];
    if let Subject::File { path, line, column } = &finding.subject {
        properties.push(format!("file={}", escape_property(&escape(path))));
        if let Some(line) = line {
            properties.push(format!("line={line}"));
        }
        if let Some(column) = column {
            properties.push(format!("col={column}"));
        }
    }
    let mut message = format!("{}: {}", finding.subject.label(), finding.message);
    if let Some(hint) = &finding.hint {
        message.push_str("\nhint: ");
        message.push_str(hint);
    }
    // Escape per line, so the hint's line break stays a line break in the annotation.
    let message: Vec<String> = message
        .split('\n')
        .map(|l| escape(l).into_owned())
        .collect();
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message.join("\n"))
    )
}

/// Escapes a workflow command's message part.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Appends the step summary and the outputs when the runner provides the files. The
/// outputs are `allowed=true|false`, then the command's own (`version=…`).
fn write_files(
    summary: &Summary<'_>,
    first: &[Finding],
    summary_path: Option<&Path>,
    output_path: Option<&Path>,
) -> io::Result<()> {
    if let Some(path) = summary_path {
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(markdown(summary, first).as_bytes())?;
    }
    if let Some(path) = output_path {
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let allowed = summary.outcome == Outcome::Allowed && summary.failure.is_none();
        writeln!(file, "allowed={allowed}")?;
        for (name, value) in summary.outputs {
            // Values are single-line by construction; refuse to write one that is not, so
            // that a newline can never forge another output.
            if value.contains(['\n', '\r']) || name.contains(['\n', '\r', '=']) {
                continue;
            }
            writeln!(file, "{name}={value}")?;
        }
    }
    Ok(())
}

fn markdown(summary: &Summary<'_>, first: &[Finding]) -> String {
    let mut md = format!("### reltag: {}\n\n", summary.outcome.word());
    if summary.show_notes {
        for note in summary.notes {
            md.push_str(&format!("- {}\n", markdown_cell(note)));
        }
        if !summary.notes.is_empty() {
            md.push('\n');
        }
    }
    if !summary.checks.is_empty() {
        md.push_str(
            "| | check | subject | measured | threshold | verdict |\n|---|---|---|---|---|---|\n",
        );
        for check in summary.checks {
            let icon = match check.verdict {
                Verdict::Ok => "✅",
                Verdict::Blocked => "❌",
                Verdict::Undecided => "❓",
                Verdict::Skipped => "⏭️",
            };
            md.push_str(&format!(
                "| {icon} | `{}` | {} | {} | {} | {} |\n",
                check.name.unwrap_or(check.rule),
                markdown_cell(
                    &check
                        .subject
                        .as_ref()
                        .map(Subject::label)
                        .unwrap_or_default()
                ),
                markdown_cell(check.measured.as_deref().unwrap_or("")),
                markdown_cell(check.threshold.as_deref().unwrap_or("")),
                check.verdict.word(),
            ));
        }
        md.push('\n');
    }
    if !first.is_empty() {
        md.push_str("| | rule | subject | finding | how to fix |\n|---|---|---|---|---|\n");
        for f in first {
            let icon = match f.severity {
                Severity::Error => "❌",
                Severity::Warning => "⚠️",
            };
            md.push_str(&format!(
                "| {icon} | `{}` | {} | {} | {} |\n",
                f.rule,
                markdown_cell(&f.subject.label()),
                markdown_cell(&f.message),
                markdown_cell(f.hint.as_deref().unwrap_or(""))
            ));
        }
        let all = summary.errors + summary.warnings;
        if all > first.len() {
            md.push_str(&format!(
                "\n…and {} more findings: see the log.\n",
                all - first.len()
            ));
        }
        md.push('\n');
    }
    md.push_str(&format!("{}\n\n", summary.checked_phrase()));
    md
}

/// Text from users inside a markdown table cell: no line breaks, no column breaks, no
/// HTML, no code spans that swallow the rest of the row.
fn markdown_cell(text: &str) -> String {
    escape(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\n', '\r'], " ")
}
