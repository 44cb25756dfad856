//! The `human` format: findings grouped by subject, then one summary line.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{Finding, Report, Severity, Subject};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const SUBJECT: Style = Style::new().bold();
const HINT: Style = AnsiColor::Cyan.on_default();
const ALLOWED: Style = AnsiColor::Green.on_default().bold();

pub(super) fn render(
    report: &Report,
    out: &mut dyn Write,
    color: bool,
    show_notes: bool,
) -> io::Result<()> {
    let paint = |style: Style, text: &str| -> String {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };

    let notes: &[String] = if show_notes { &report.notes } else { &[] };
    for note in notes {
        writeln!(out, "note: {}", visible(note))?;
    }
    if !notes.is_empty() && !report.findings.is_empty() {
        writeln!(out)?;
    }

    // Group by subject, keeping the order in which subjects first appeared: commits stay
    // in walk order, which is the order a user reads `git log` in.
    let mut groups: Vec<(&Subject, Vec<&Finding>)> = Vec::new();
    for finding in &report.findings {
        match groups.iter_mut().find(|(s, _)| **s == finding.subject) {
            Some((_, list)) => list.push(finding),
            None => groups.push((&finding.subject, vec![finding])),
        }
    }
    for (subject, findings) in &groups {
        writeln!(out, "{}", paint(SUBJECT, &visible(&subject.label())))?;
        for finding in findings {
            let (style, word) = match finding.severity {
                Severity::Error => (ERROR, "error"),
                Severity::Warning => (WARNING, "warning"),
            };
            writeln!(
                out,
                "  {}[{}] {}",
                paint(style, word),
                finding.rule,
                visible(&finding.message)
            )?;
            if let Some(snippet) = &finding.snippet {
                for line in snippet.lines() {
                    writeln!(out, "    {line}")?;
                }
            }
            if let Some(hint) = &finding.hint {
                writeln!(out, "    {} {}", paint(HINT, "hint:"), visible(hint))?;
            }
        }
        writeln!(out)?;
    }

    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let checked = checked_phrase(report);
    let line = if errors > 0 {
        format!(
            "{} {} {}, {} {} ({checked})",
            paint(ERROR, "blocked:"),
            errors,
            plural(errors, "error", "errors"),
            warnings,
            plural(warnings, "warning", "warnings"),
        )
    } else if warnings > 0 {
        format!(
            "{} {} {} ({checked})",
            paint(ALLOWED, "allowed:"),
            warnings,
            plural(warnings, "warning", "warnings"),
        )
    } else {
        format!("{} {checked}", paint(ALLOWED, "allowed:"))
    };
    writeln!(out, "{line}")
}

/// "checked 12 commits, 1 branch" — only the kinds that were looked at.
pub(crate) fn checked_phrase(report: &Report) -> String {
    let c = &report.checked;
    let parts: Vec<String> = [
        (c.commits, "commit", "commits"),
        (c.messages, "message", "messages"),
        (c.branches, "branch", "branches"),
        (c.tags, "tag", "tags"),
        (c.files, "file", "files"),
    ]
    .iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", plural(*n, one, many)))
    .collect();
    if parts.is_empty() {
        "nothing to check".to_string()
    } else {
        format!("checked {}", parts.join(", "))
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Makes text from users safe to put on a terminal: control characters and bidi
/// overrides (which can make a branch name display as something else) become visible
/// `\u{…}` escapes instead of acting on the terminal.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_invisible_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_invisible_control(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub(crate) fn is_invisible_control(c: char) -> bool {
    (c.is_control() && c != '\t') || crate::rules::is_bidi_control(c)
}
