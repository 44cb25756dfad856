//! The `human` format: notes and check lines as they come, findings grouped by subject as
//! they come (consecutive findings about one subject share its heading), the findings of
//! the checks at the end grouped the same way, then one summary line. Every piece of text
//! goes through [`crate::text::escape`].

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{Data, Finding, Outcome, Render, Severity, Style as ReportStyle, Subject, Summary};
use crate::text::{escape, escape_block, escape_lines};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const SUBJECT: Style = Style::new().bold();
const HINT: Style = AnsiColor::Cyan.on_default();
const ALLOWED: Style = AnsiColor::Green.on_default().bold();
/// What starts each line of a note after its first.
const NOTE_GUTTER: &str = "    |";

/// What was written last, so that groups are separated by one blank line.
#[derive(Debug, PartialEq)]
enum Last {
    Nothing,
    Note,
    Group(Subject),
}

pub(super) struct Human {
    color: bool,
    show_notes: bool,
    last: Last,
}

impl Human {
    pub(super) fn new(color: bool, show_notes: bool) -> Human {
        Human {
            color,
            show_notes,
            last: Last::Nothing,
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn line(&mut self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        if matches!(self.last, Last::Group(_)) {
            writeln!(out)?;
        }
        self.last = Last::Note;
        // A note of several lines (an email's dry-run preview) reads as indented lines
        // behind a gutter: each line escaped on its own, and none of them can start like
        // a note, a finding, a summary or (after leading spaces) a workflow command.
        let mut lines = escape_lines(text);
        writeln!(out, "note: {}", lines.next().unwrap_or_default())?;
        for line in lines {
            if line.is_empty() {
                writeln!(out, "{NOTE_GUTTER}")?;
            } else {
                writeln!(out, "{NOTE_GUTTER} {line}")?;
            }
        }
        Ok(())
    }

    fn write_finding(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        let same_group = matches!(&self.last, Last::Group(s) if *s == finding.subject);
        if !same_group {
            if self.last != Last::Nothing {
                writeln!(out)?;
            }
            let label = self.paint(SUBJECT, &escape(&finding.subject.label()));
            writeln!(out, "{label}")?;
            self.last = Last::Group(finding.subject.clone());
        }
        let (style, word) = match finding.severity {
            Severity::Error => (ERROR, "error"),
            Severity::Warning => (WARNING, "warning"),
        };
        writeln!(
            out,
            "  {}[{}] {}",
            self.paint(style, word),
            finding.rule,
            escape(&finding.message)
        )?;
        if let Some(snippet) = &finding.snippet {
            for line in snippet.lines() {
                writeln!(out, "    {line}")?;
            }
        }
        if let Some(hint) = &finding.hint {
            writeln!(out, "    {} {}", self.paint(HINT, "hint:"), escape(hint))?;
        }
        Ok(())
    }

    fn summary_line(&self, summary: &Summary<'_>) -> String {
        let (style, word) = match summary.outcome {
            Outcome::Allowed => (ALLOWED, "allowed:"),
            Outcome::Blocked => (ERROR, "blocked:"),
            Outcome::Undecided => (ERROR, "undecided:"),
        };
        let mut line = format!("{} {}", self.paint(style, word), summary.counts_phrase());
        if summary.outcome == Outcome::Undecided {
            line.push_str(if summary.failure.is_some() {
                "; stopped by the error below"
            } else {
                "; what could not be decided blocks until it can be"
            });
        }
        line
    }
}

impl Render for Human {
    fn note(&mut self, out: &mut dyn Write, note: &str) -> io::Result<()> {
        if self.show_notes {
            self.line(out, note)?;
        }
        Ok(())
    }

    fn check(&mut self, out: &mut dyn Write, check: &super::Check) -> io::Result<()> {
        if self.show_notes {
            self.line(out, &check.line())?;
        }
        Ok(())
    }

    fn finding(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        self.write_finding(out, finding)
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary<'_>) -> io::Result<()> {
        // The checks' findings, grouped by subject in order of first appearance, as a
        // reader takes in a release's problems.
        let mut groups: Vec<(&Subject, Vec<&Finding>)> = Vec::new();
        for finding in summary.held_findings() {
            match groups.iter_mut().find(|(s, _)| **s == finding.subject) {
                Some((_, list)) => list.push(finding),
                None => groups.push((&finding.subject, vec![finding])),
            }
        }
        for (_, findings) in groups {
            for finding in findings {
                self.write_finding(out, finding)?;
            }
        }
        let found = summary.errors + summary.warnings > 0;
        if matches!(self.last, Last::Group(_)) {
            writeln!(out)?;
        }
        match summary.style {
            ReportStyle::Data => {
                if let Some(data) = summary.data {
                    write_data(out, data)?;
                }
                if found || summary.outcome != Outcome::Allowed {
                    writeln!(out, "{}", self.summary_line(summary))?;
                }
            }
            ReportStyle::Verdict | ReportStyle::Quiet => {
                writeln!(out, "{}", self.summary_line(summary))?;
                if let Some(data) = summary.data.filter(|_| summary.show_notes) {
                    writeln!(out)?;
                    write_data(out, data)?;
                }
            }
        }
        Ok(())
    }
}

/// The command's data as people read it (also what the github format prints).
pub(super) fn write_data(out: &mut dyn Write, data: &Data) -> io::Result<()> {
    match data {
        Data::Log(log) => {
            if log.events.is_empty() {
                return Ok(());
            }
            for e in &log.events {
                writeln!(
                    out,
                    "{}  {:<9} {}  by {}  (commit {}, ledger {}){}",
                    e.time,
                    e.event,
                    escape(&e.description),
                    escape(&e.actor),
                    short(&e.commit),
                    short(&e.ledger_commit),
                    e.not_counted
                        .as_deref()
                        .map(|why| format!("  [does not count: {}]", escape(why)))
                        .unwrap_or_default()
                )?;
            }
            Ok(())
        }
        Data::Status(status) => {
            if status.environments.is_empty() {
                writeln!(out, "the policy defines no [environments]")?;
            }
            for s in &status.environments {
                writeln!(out, "{}", escape(&s.headline()))?;
                if let Some(previous) = &s.rollback_target {
                    writeln!(out, "  rollback target: {}", escape(previous))?;
                }
                writeln!(out, "  next: {}", escape(&s.next))?;
                for w in s.waiting.iter().skip(1) {
                    writeln!(out, "  also waiting: {}", escape(&w.summary))?;
                }
            }
            Ok(())
        }
        Data::Explain(explain) => match explain {
            super::ExplainData::Rules(rules) => {
                let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
                for rule in rules {
                    writeln!(out, "{:width$}  {}", rule.id, rule.summary)?;
                }
                Ok(())
            }
            super::ExplainData::Rule(rule) => {
                writeln!(out, "# {}\n\n{}", rule.id, rule.docs.trim_end())
            }
        },
        Data::Notes(notes) => write!(out, "{}", escape_block(&notes.text)),
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}
