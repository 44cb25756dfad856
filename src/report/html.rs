//! The `html` format: `status --format html` prints the release page's lanes as one
//! document (its stylesheet inline). Any other command prints its notes, checks and
//! findings as a plain document, so `--format html` never fails; everything goes through
//! [`crate::text::escape_html`]. Nothing is written before the end: a document is whole
//! or absent.

use std::io::{self, Write};

use super::{Check, Data, Finding, Render, Severity, Summary};
use crate::text::{escape_html as e, escape_html_prose as prose};

pub(super) struct Html {
    command: &'static str,
    findings: Vec<String>,
}

impl Html {
    pub(super) fn new(command: &'static str) -> Html {
        Html {
            command,
            findings: Vec::new(),
        }
    }
}

impl Render for Html {
    fn note(&mut self, _out: &mut dyn Write, _note: &str) -> io::Result<()> {
        Ok(())
    }

    fn check(&mut self, _out: &mut dyn Write, _check: &Check) -> io::Result<()> {
        Ok(())
    }

    fn finding(&mut self, _out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        self.findings.push(finding_item(finding));
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary<'_>) -> io::Result<()> {
        if let Some(Data::Status(status)) = summary.data
            && summary.failure.is_none()
        {
            return out.write_all(crate::dashboard::lanes_document(status).as_bytes());
        }
        let mut body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"color-scheme\" content=\"light dark\">\n<title>reltag {0}</title>\n\
             </head>\n<body>\n<main>\n<h1>reltag {0}: {1}</h1>\n",
            e(self.command),
            summary.outcome.word()
        );
        let list = |title: &str, items: Vec<String>| -> String {
            if items.is_empty() {
                return String::new();
            }
            format!("<h2>{title}</h2>\n<ul>\n{}</ul>\n", items.concat())
        };
        body.push_str(&list(
            "Notes",
            summary
                .notes
                .iter()
                .map(|n| format!("<li>{}</li>\n", prose(n)))
                .collect(),
        ));
        body.push_str(&list(
            "Checks",
            summary
                .checks
                .iter()
                .map(|c| format!("<li>{}</li>\n", prose(&c.line())))
                .collect(),
        ));
        let mut findings = std::mem::take(&mut self.findings);
        findings.extend(summary.held_findings().map(finding_item));
        body.push_str(&list("Findings", findings));
        if let Some(failure) = summary.failure {
            body.push_str(&format!(
                "<h2>Error</h2>\n<p>{}</p>\n",
                prose(failure.message.as_deref().unwrap_or(failure.kind))
            ));
        }
        body.push_str(&format!(
            "<p>{}</p>\n</main>\n</body>\n</html>\n",
            e(&summary.counts_phrase())
        ));
        out.write_all(body.as_bytes())
    }
}

fn finding_item(finding: &Finding) -> String {
    let word = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let hint = finding
        .hint
        .as_deref()
        .map(|h| format!("<br>hint: {}", prose(h)))
        .unwrap_or_default();
    format!(
        "<li>{word} [{}] {}: {}{hint}</li>\n",
        e(finding.rule),
        e(&finding.subject.label()),
        prose(&finding.message)
    )
}
