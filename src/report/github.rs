//! The `github` format: workflow-command annotations on stdout, a markdown table in
//! `$GITHUB_STEP_SUMMARY`, and `allowed=true|false` in `$GITHUB_OUTPUT`.
//!
//! Everything that comes from users (commit messages, branch names, titles) is escaped
//! so that it can never start or end a workflow command: `%`, CR and LF always, and `:`
//! and `,` inside properties. Plain lines are prefixed so none starts with `::`.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use super::human::{checked_phrase, visible};
use super::{Finding, Report, Severity, Subject};

pub(super) fn render(report: &Report, out: &mut dyn Write, show_notes: bool) -> io::Result<()> {
    for note in report.notes.iter().filter(|_| show_notes) {
        writeln!(out, "reltag note: {}", escape_data(note))?;
    }
    for finding in &report.findings {
        writeln!(out, "{}", annotation(finding))?;
    }
    let errors = report.count(Severity::Error);
    let verdict = if errors > 0 { "blocked" } else { "allowed" };
    writeln!(
        out,
        "reltag: {verdict}: {errors} errors, {} warnings ({})",
        report.count(Severity::Warning),
        checked_phrase(report)
    )
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
        properties.push(format!("file={}", escape_property(path)));
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
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
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

/// Appends the step summary and the `allowed` output when the runner provides the files.
/// Extra outputs (`name`, `value`) are written after `allowed`.
pub fn write_github_files(
    report: &Report,
    summary_path: Option<&Path>,
    output_path: Option<&Path>,
    extra_outputs: &[(&str, String)],
) -> io::Result<()> {
    if let Some(path) = summary_path {
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(summary_markdown(report).as_bytes())?;
    }
    if let Some(path) = output_path {
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let allowed = report.count(Severity::Error) == 0;
        writeln!(file, "allowed={allowed}")?;
        for (name, value) in extra_outputs {
            // Values are single-line by construction; refuse to write one that is not, so
            // that a newline can never forge another output.
            if value.contains(['\n', '\r']) {
                continue;
            }
            writeln!(file, "{name}={value}")?;
        }
    }
    Ok(())
}

fn summary_markdown(report: &Report) -> String {
    let errors = report.count(Severity::Error);
    let mut md = String::new();
    md.push_str(if errors > 0 {
        "### reltag: blocked\n\n"
    } else {
        "### reltag: allowed\n\n"
    });
    for note in &report.notes {
        md.push_str(&format!("- {}\n", markdown_cell(note)));
    }
    if !report.notes.is_empty() {
        md.push('\n');
    }
    if !report.findings.is_empty() {
        md.push_str("| | rule | subject | finding | how to fix |\n|---|---|---|---|---|\n");
        for f in &report.findings {
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
        md.push('\n');
    }
    md.push_str(&format!("{}\n\n", checked_phrase(report)));
    md
}

/// Text from users inside a markdown table cell: no line breaks, no column breaks, no
/// HTML, no code spans that swallow the rest of the row.
fn markdown_cell(text: &str) -> String {
    visible(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\n', '\r'], " ")
}
