//! Line coverage from the report formats the common tools write, detected from the
//! content (never from the file name):
//!
//! | format | recognised by | lines counted | covered |
//! |---|---|---|---|
//! | LCOV (`lcov`, `genhtml`, `cargo llvm-cov --lcov`, Istanbul, gcovr) | `TN:`/`SF:` records | per file, each distinct `DA:<line>,<hits>` line; a file without `DA` lines contributes its `LF` | `DA` lines with hits > 0 (or `LH`) |
//! | Cobertura XML (coverage.py, gcovr, Istanbul, ReportGenerator) | root element `<coverage>` | the root's `lines-valid` | the root's `lines-covered`; without those attributes, each distinct `<line>` of each `<class>` (by file and number) and its `hits` |
//! | JaCoCo XML | root element `<report>` | the report-level `<counter type="LINE">` `missed + covered` | its `covered` |
//! | `cargo llvm-cov --json` / `llvm-cov export` | JSON `"type": "llvm.coverage.json.export"` | the sum of `data[].totals.lines.count` | the sum of `data[].totals.lines.covered` |
//!
//! The percentage is always `100 × covered / lines`, over the whole report. A report
//! that counts zero lines is an error, not 0 % or 100 %.

use std::collections::{BTreeMap, BTreeSet};

use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;

use super::{ReportError, line_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
    LlvmCovJson,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Lcov => "LCOV",
            Format::Cobertura => "Cobertura XML",
            Format::Jacoco => "JaCoCo XML",
            Format::LlvmCovJson => "llvm-cov JSON",
        }
    }
}

/// Line coverage over a whole report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub format: Format,
    pub covered: u64,
    pub lines: u64,
}

impl Coverage {
    pub fn percent(&self) -> f64 {
        100.0 * self.covered as f64 / self.lines as f64
    }
}

/// Detects the format and reads the line coverage. `path` is only for messages.
pub fn parse(path: &str, bytes: &[u8]) -> Result<Coverage, ReportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ReportError::new(
            path,
            Some(line_of(bytes, e.valid_up_to())),
            "the report is not UTF-8 text",
        )
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(ReportError::new(path, None, "the report is empty"));
    }
    let coverage = if trimmed.starts_with('{') {
        llvm_cov_json(path, text)?
    } else if trimmed.starts_with('<') {
        xml(path, bytes)?
    } else {
        lcov(path, text)?
    };
    if coverage.lines == 0 {
        return Err(ReportError::new(
            path,
            None,
            format!(
                "the {} report counts zero lines: nothing was measured",
                coverage.format.name()
            ),
        ));
    }
    if coverage.covered > coverage.lines {
        return Err(ReportError::new(
            path,
            None,
            format!(
                "the {} report says {} of {} lines are covered",
                coverage.format.name(),
                coverage.covered,
                coverage.lines
            ),
        ));
    }
    Ok(coverage)
}

fn lcov(path: &str, text: &str) -> Result<Coverage, ReportError> {
    struct Record {
        start: usize,
        file: String,
        hits: BTreeMap<u64, bool>,
        lf: Option<u64>,
        lh: Option<u64>,
    }
    let mut current: Option<Record> = None;
    let (mut covered, mut lines, mut records) = (0u64, 0u64, 0usize);
    let number = |value: &str, what: &str, line: usize| {
        value.trim().parse::<u64>().map_err(|_| {
            ReportError::new(
                path,
                Some(line),
                format!("{what} `{}` is not a number", value.trim()),
            )
        })
    };
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line == "end_of_record" {
            let Some(record) = current.take() else {
                return Err(ReportError::new(
                    path,
                    Some(line_no),
                    "end_of_record without a record (no SF: line before it)",
                ));
            };
            if record.hits.is_empty() {
                let (lf, lh) = (record.lf.unwrap_or(0), record.lh.unwrap_or(0));
                if lh > lf {
                    return Err(ReportError::new(
                        path,
                        Some(record.start),
                        format!("{}: LH:{lh} is more than LF:{lf}", record.file),
                    ));
                }
                lines += lf;
                covered += lh;
            } else {
                lines += record.hits.len() as u64;
                covered += record.hits.values().filter(|hit| **hit).count() as u64;
            }
            records += 1;
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(ReportError::new(
                path,
                Some(line_no),
                format!("`{}` is not an LCOV line (KEY:value)", shorten(line)),
            ));
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ReportError::new(
                path,
                Some(line_no),
                format!("`{}` is not an LCOV line (KEY:value)", shorten(line)),
            ));
        }
        match key {
            "SF" => {
                if let Some(open) = &current {
                    return Err(ReportError::new(
                        path,
                        Some(line_no),
                        format!(
                            "SF: before the end_of_record of {} (line {})",
                            open.file, open.start
                        ),
                    ));
                }
                current = Some(Record {
                    start: line_no,
                    file: value.to_string(),
                    hits: BTreeMap::new(),
                    lf: None,
                    lh: None,
                });
            }
            "DA" | "LF" | "LH" => {
                let Some(record) = current.as_mut() else {
                    return Err(ReportError::new(
                        path,
                        Some(line_no),
                        format!("{key}: outside a record (no SF: line before it)"),
                    ));
                };
                match key {
                    "DA" => {
                        let mut fields = value.split(',');
                        let (Some(at), Some(hits)) = (fields.next(), fields.next()) else {
                            return Err(ReportError::new(
                                path,
                                Some(line_no),
                                format!("`{}` is not DA:<line>,<hits>", shorten(line)),
                            ));
                        };
                        let at = number(at, "line number", line_no)?;
                        // gcov can write negative counts on overflow; any non-zero is a hit.
                        let hits: i64 = hits.trim().parse().map_err(|_| {
                            ReportError::new(
                                path,
                                Some(line_no),
                                format!("hit count `{}` is not a number", hits.trim()),
                            )
                        })?;
                        let entry = record.hits.entry(at).or_insert(false);
                        *entry |= hits != 0;
                    }
                    "LF" => record.lf = Some(number(value, "LF", line_no)?),
                    _ => record.lh = Some(number(value, "LH", line_no)?),
                }
            }
            // Test names, functions, branches, version: not line coverage.
            _ => {}
        }
    }
    if let Some(open) = current {
        return Err(ReportError::new(
            path,
            Some(open.start),
            format!(
                "truncated: the record for {} has no end_of_record",
                open.file
            ),
        ));
    }
    if records == 0 {
        return Err(ReportError::new(
            path,
            None,
            "not a coverage report: no LCOV records (SF: … end_of_record), no XML and no JSON",
        ));
    }
    Ok(Coverage {
        format: Format::Lcov,
        covered,
        lines,
    })
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn attr(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn xml(path: &str, bytes: &[u8]) -> Result<Coverage, ReportError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut format: Option<Format> = None;
    // Cobertura root totals, or counted lines by (file, number).
    let mut root_totals: Option<(u64, u64)> = None;
    let mut class_file = String::new();
    let mut cobertura_lines: BTreeMap<(String, u64), bool> = BTreeMap::new();
    let mut jacoco: Option<(u64, u64)> = None;
    let mut seen_names: BTreeSet<String> = BTreeSet::new();
    let error_at = |reader: &quick_xml::Reader<&[u8]>, message: String| {
        ReportError::new(
            path,
            Some(line_of(bytes, reader.buffer_position() as usize)),
            message,
        )
    };
    let number =
        |reader: &quick_xml::Reader<&[u8]>, element: &BytesStart<'_>, name: &str| match attr(
            element, name,
        ) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                error_at(
                    reader,
                    format!("attribute {name}=\"{v}\" is not a whole number"),
                )
            }),
        };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            let at = reader.error_position() as usize;
            ReportError::new(
                path,
                Some(line_of(bytes, at)),
                format!("malformed XML: {e}"),
            )
        })?;
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone().into_owned()), false),
            Event::Empty(e) => (Some(e.clone().into_owned()), true),
            Event::End(_) => {
                stack.pop();
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        let Some(element) = element else { continue };
        let name = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        if stack.is_empty() {
            if format.is_some() {
                return Err(error_at(&reader, "a second root element".into()));
            }
            format = Some(match name.as_str() {
                "coverage" => {
                    let valid = number(&reader, &element, "lines-valid")?;
                    let covered = number(&reader, &element, "lines-covered")?;
                    if let (Some(valid), Some(covered)) = (valid, covered) {
                        root_totals = Some((covered, valid));
                    }
                    Format::Cobertura
                }
                "report" => Format::Jacoco,
                other => {
                    return Err(error_at(
                        &reader,
                        format!(
                            "unknown XML root element <{other}>: expected Cobertura <coverage> or JaCoCo <report>"
                        ),
                    ));
                }
            });
        } else {
            match (format, name.as_str()) {
                (Some(Format::Cobertura), "class") => {
                    class_file = attr(&element, "filename")
                        .or_else(|| attr(&element, "name"))
                        .unwrap_or_default();
                }
                (Some(Format::Cobertura), "line")
                    if stack.len() >= 2
                        && stack[stack.len() - 1] == "lines"
                        && stack[stack.len() - 2] == "class" =>
                {
                    let at = number(&reader, &element, "number")?
                        .ok_or_else(|| error_at(&reader, "<line> without number=".into()))?;
                    let hits = attr(&element, "hits")
                        .ok_or_else(|| error_at(&reader, "<line> without hits=".into()))?;
                    // Large counts may be written as floats by some tools.
                    let hits: f64 = hits.trim().parse().map_err(|_| {
                        error_at(&reader, format!("hits=\"{hits}\" is not a number"))
                    })?;
                    *cobertura_lines
                        .entry((class_file.clone(), at))
                        .or_insert(false) |= hits != 0.0;
                }
                (Some(Format::Jacoco), "counter")
                    if stack.len() == 1 && attr(&element, "type").as_deref() == Some("LINE") =>
                {
                    let missed = number(&reader, &element, "missed")?
                        .ok_or_else(|| error_at(&reader, "LINE counter without missed=".into()))?;
                    let covered = number(&reader, &element, "covered")?
                        .ok_or_else(|| error_at(&reader, "LINE counter without covered=".into()))?;
                    jacoco = Some((covered, missed + covered));
                }
                _ => {}
            }
        }
        seen_names.insert(name.clone());
        if !empty {
            stack.push(name);
        }
        buf.clear();
    }
    if let Some(open) = stack.last() {
        return Err(ReportError::new(
            path,
            Some(line_of(bytes, bytes.len())),
            format!("truncated: <{open}> is never closed"),
        ));
    }
    let (covered, lines) = match format {
        None => {
            return Err(ReportError::new(path, None, "no XML root element"));
        }
        Some(Format::Cobertura) => root_totals.unwrap_or_else(|| {
            let lines = cobertura_lines.len() as u64;
            (
                cobertura_lines.values().filter(|h| **h).count() as u64,
                lines,
            )
        }),
        Some(Format::Jacoco) => jacoco.ok_or_else(|| {
            ReportError::new(
                path,
                None,
                "the JaCoCo report has no report-level <counter type=\"LINE\">",
            )
        })?,
        Some(_) => unreachable!("xml() only detects XML formats"),
    };
    Ok(Coverage {
        format: format.expect("checked above"),
        covered,
        lines,
    })
}

#[derive(Deserialize)]
struct LlvmExport {
    #[serde(rename = "type")]
    kind: String,
    data: Vec<LlvmData>,
}

#[derive(Deserialize)]
struct LlvmData {
    totals: LlvmTotals,
}

#[derive(Deserialize)]
struct LlvmTotals {
    lines: LlvmSummary,
}

#[derive(Deserialize)]
struct LlvmSummary {
    count: u64,
    covered: u64,
}

fn llvm_cov_json(path: &str, text: &str) -> Result<Coverage, ReportError> {
    let export: LlvmExport = serde_json::from_str(text).map_err(|e| {
        let message = if e.is_eof() {
            format!("truncated JSON: {e}")
        } else {
            format!("not an llvm-cov JSON export: {e}")
        };
        ReportError::new(path, Some(e.line()), message)
    })?;
    if export.kind != "llvm.coverage.json.export" {
        return Err(ReportError::new(
            path,
            None,
            format!(
                "JSON of type {:?}, expected \"llvm.coverage.json.export\" (`cargo llvm-cov --json`)",
                export.kind
            ),
        ));
    }
    let (mut covered, mut lines) = (0, 0);
    for data in &export.data {
        covered += data.totals.lines.covered;
        lines += data.totals.lines.count;
    }
    Ok(Coverage {
        format: Format::LlvmCovJson,
        covered,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/coverage")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn parsed(name: &str) -> Result<Coverage, ReportError> {
        parse(name, &fixture(name))
    }

    #[test]
    fn every_format_is_detected_and_counted() {
        let cases = [
            ("lcov-pass.info", Format::Lcov, 19, 20),
            ("lcov-fail.info", Format::Lcov, 6, 10),
            ("cobertura-pass.xml", Format::Cobertura, 93, 100),
            ("cobertura-fail.xml", Format::Cobertura, 3, 5),
            ("jacoco-pass.xml", Format::Jacoco, 188, 200),
            ("jacoco-fail.xml", Format::Jacoco, 70, 100),
            ("llvm-cov-pass.json", Format::LlvmCovJson, 923, 1000),
            ("llvm-cov-fail.json", Format::LlvmCovJson, 40, 50),
        ];
        for (name, format, covered, lines) in cases {
            let coverage = parsed(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                (coverage.format, coverage.covered, coverage.lines),
                (format, covered, lines),
                "{name}"
            );
        }
    }

    #[test]
    fn broken_reports_name_the_file_and_line() {
        let cases: &[(&str, Option<usize>, &str)] = &[
            ("lcov-truncated.info", Some(2), "truncated"),
            ("lcov-malformed.info", Some(4), "hit count `x`"),
            ("lcov-zero-lines.info", None, "zero lines"),
            ("cobertura-truncated.xml", None, "truncated"),
            ("cobertura-malformed.xml", None, "malformed XML"),
            ("jacoco-malformed.xml", None, "missed="),
            ("llvm-cov-truncated.json", None, "truncated JSON"),
            ("empty.info", None, "empty"),
        ];
        for (name, line, text) in cases {
            let error = parsed(name).expect_err(name);
            assert_eq!(error.path, *name);
            assert!(error.message.contains(text), "{name}: {error}");
            if line.is_some() {
                assert_eq!(error.line, *line, "{name}: {error}");
            } else if !name.starts_with("empty") && !name.contains("zero") {
                assert!(error.line.is_some(), "{name}: {error}");
            }
        }
    }

    #[test]
    fn cobertura_without_totals_counts_class_lines_once() {
        let xml = br#"<?xml version="1.0"?>
<coverage><packages><package name="p"><classes>
<class name="A" filename="a.py"><methods><method name="m"><lines><line number="1" hits="1"/></lines></method></methods>
<lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class>
</classes></package></packages></coverage>"#;
        let c = parse("c.xml", xml).unwrap();
        assert_eq!((c.covered, c.lines), (1, 2));
    }
}
