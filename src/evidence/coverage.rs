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
//!
//! # Numbers are checked
//! Every count is a whole number ≥ 0 that fits, every sum is checked, and no count —
//! alone or summed — may exceed [`MAX_LINES`]: a report that says otherwise (an `LF` of
//! 2^64 − 1 that would wrap the total round to a small number, `hits="NaN"`, a negative
//! count, more lines covered than found) is unreadable, never a pass.
//!
//! # Streaming
//! LCOV is read a line at a time (at most [`MAX_LINE`] bytes), XML an event at a time
//! (at most [`MAX_PIECE`] bytes each), llvm-cov JSON is deserialized into its totals
//! only: the per-file and per-function data is skipped without being built. What is
//! held is one source file's distinct lines for LCOV (8 bytes each), and every file's
//! for Cobertura without root totals.

use std::collections::BTreeMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;
use serde::de::{SeqAccess, Visitor};

use super::ReportError;
use super::stream::{self, Pieces};
use crate::input::redact::quote;

/// The most lines a report may count, alone or summed: no code base has four billion
/// instrumented lines, so a larger number is a corrupt or forged report.
pub const MAX_LINES: u64 = u32::MAX as u64;

/// The most distinct lines one source file may have: four million.
const MAX_FILE_LINES: usize = 1 << 22;

/// The longest LCOV line (a mangled C++ function name can take kilobytes).
pub const MAX_LINE: usize = 1 << 20;

/// The longest XML event (a tag with its attributes, a text) or JSON string.
pub const MAX_PIECE: usize = 16 << 20;

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
pub fn parse(path: &str, reader: &mut dyn BufRead) -> Result<Coverage, ReportError> {
    let start = stream::skip_blank_start(reader).map_err(|e| ReportError::io(path, None, &e))?;
    let coverage = match start.first {
        None => return Err(ReportError::new(path, None, "the report is empty")),
        Some(b'{') => llvm_cov_json(path, reader, start.line)?,
        Some(b'<') => xml(path, reader, start.line)?,
        Some(_) => lcov(path, reader, start.line)?,
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

/// A count read from the report: at most [`MAX_LINES`].
fn plausible(value: u64, what: &str) -> Result<u64, String> {
    if value > MAX_LINES {
        return Err(format!(
            "{what} {value} is not a plausible number of lines (more than {MAX_LINES}): the report is corrupt"
        ));
    }
    Ok(value)
}

/// `total + value`, checked, and at most [`MAX_LINES`].
fn add(total: u64, value: u64, what: &str) -> Result<u64, String> {
    total
        .checked_add(value)
        .filter(|sum| *sum <= MAX_LINES)
        .ok_or_else(|| {
            format!("the {what} add up to more than {MAX_LINES} lines: the report is corrupt")
        })
}

/// Running totals over a report's files.
#[derive(Default)]
struct Totals {
    lines: u64,
    covered: u64,
}

impl Totals {
    fn add(&mut self, lines: u64, covered: u64) -> Result<(), String> {
        if covered > lines {
            return Err(format!("{covered} of {lines} lines covered"));
        }
        self.lines = add(self.lines, lines, "lines found")?;
        self.covered = add(self.covered, covered, "lines covered")?;
        Ok(())
    }
}

/// The distinct lines of one source file and whether any entry hit them, packed as
/// `line << 1 | hit`, compacted as it grows so each line is held once.
#[derive(Default)]
struct LineSet {
    packed: Vec<u64>,
    compacted: usize,
}

impl LineSet {
    fn add(&mut self, line: u64, hit: bool) -> Result<(), String> {
        let line = plausible(line, "line number")?;
        if self.packed.len() == self.packed.capacity()
            && self.packed.len() >= (2 * self.compacted).max(1 << 15)
        {
            self.compact();
            if self.packed.len() > MAX_FILE_LINES {
                return Err(format!(
                    "more than {MAX_FILE_LINES} distinct lines in one file: the report is corrupt"
                ));
            }
        }
        self.packed.push(line << 1 | u64::from(hit));
        Ok(())
    }

    fn compact(&mut self) {
        self.packed.sort_unstable();
        self.packed.dedup_by(|next, kept| {
            let same = *next >> 1 == *kept >> 1;
            if same {
                *kept |= *next & 1;
            }
            same
        });
        self.compacted = self.packed.len();
    }

    /// (distinct lines, lines hit).
    fn counts(mut self) -> (u64, u64) {
        self.compact();
        let hit = self.packed.iter().filter(|p| *p & 1 == 1).count();
        (self.packed.len() as u64, hit as u64)
    }
}

fn lcov(path: &str, reader: &mut dyn BufRead, first_line: usize) -> Result<Coverage, ReportError> {
    struct Record {
        start: usize,
        file: String,
        hits: LineSet,
        lf: Option<u64>,
        lh: Option<u64>,
    }
    let mut current: Option<Record> = None;
    let mut totals = Totals::default();
    let mut records = 0usize;
    let mut raw = Vec::new();
    let mut line_no = first_line - 1;
    let at = |line: usize, message: String| ReportError::new(path, Some(line), message);
    let number = |value: &str, what: &str, line: usize| {
        value.trim().parse::<u64>().map_err(|_| {
            at(
                line,
                format!(
                    "{what} `{}` is not a count (a whole number ≥ 0 that fits in 64 bits)",
                    quote(value.trim(), 24)
                ),
            )
        })
    };
    loop {
        match stream::read_line(reader, &mut raw, MAX_LINE) {
            Ok(true) => line_no += 1,
            Ok(false) => break,
            Err(e) => return Err(ReportError::io(path, Some(line_no + 1), &e)),
        }
        let line = std::str::from_utf8(&raw)
            .map_err(|_| at(line_no, "the report is not UTF-8 text".into()))?
            .trim();
        if line.is_empty() {
            continue;
        }
        if line == "end_of_record" {
            let Some(record) = current.take() else {
                return Err(at(
                    line_no,
                    "end_of_record without a record (no SF: line before it)".into(),
                ));
            };
            // LF and LH are checked even when DA lines are what counts: a report with
            // an impossible number in it is not trusted for the others.
            let in_record = |e: String| at(record.start, format!("{}: {e}", record.file));
            let lf = plausible(record.lf.unwrap_or(0), "LF").map_err(in_record)?;
            let lh = plausible(record.lh.unwrap_or(0), "LH").map_err(in_record)?;
            if lh > lf && (record.lf.is_some() || record.hits.packed.is_empty()) {
                return Err(in_record(format!("LH:{lh} is more than LF:{lf}")));
            }
            let counted = if record.hits.packed.is_empty() {
                (lf, lh)
            } else {
                record.hits.counts()
            };
            totals
                .add(counted.0, counted.1)
                .map_err(|e| at(line_no, format!("{}: {e}", record.file)))?;
            records += 1;
            continue;
        }
        let Some((key, value)) = line
            .split_once(':')
            .filter(|(key, _)| !key.is_empty() && key.bytes().all(|b| b.is_ascii_uppercase()))
        else {
            return Err(at(
                line_no,
                format!("`{}` is not an LCOV line (KEY:value)", quote(line, 40)),
            ));
        };
        match key {
            "SF" => {
                if let Some(open) = &current {
                    return Err(at(
                        line_no,
                        format!(
                            "SF: before the end_of_record of {} (line {})",
                            open.file, open.start
                        ),
                    ));
                }
                current = Some(Record {
                    start: line_no,
                    file: value.to_string(),
                    hits: LineSet::default(),
                    lf: None,
                    lh: None,
                });
            }
            "DA" | "LF" | "LH" => {
                let Some(record) = current.as_mut() else {
                    return Err(at(
                        line_no,
                        format!("{key}: outside a record (no SF: line before it)"),
                    ));
                };
                match key {
                    "DA" => {
                        let mut fields = value.split(',');
                        let (Some(line_at), Some(hits)) = (fields.next(), fields.next()) else {
                            return Err(at(
                                line_no,
                                format!("`{}` is not DA:<line>,<hits>", quote(line, 40)),
                            ));
                        };
                        let line_at = number(line_at, "line number", line_no)?;
                        // A negative count (old gcov on overflow) is refused like any
                        // other count that cannot be true.
                        let hits = number(hits, "hit count", line_no)?;
                        record
                            .hits
                            .add(line_at, hits > 0)
                            .map_err(|e| at(line_no, e))?;
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
        return Err(at(
            open.start,
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
        covered: totals.covered,
        lines: totals.lines,
    })
}

fn attr(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// A line's `hits`: a whole number, or a float some tools write for large counts; either
/// way finite, ≥ 0 and within 64 bits. `NaN`, `inf` and `-1` are not counts.
fn hit_count(text: &str) -> Option<bool> {
    let text = text.trim();
    if let Ok(whole) = text.parse::<u64>() {
        return Some(whole > 0);
    }
    let float: f64 = text.parse().ok()?;
    (float.is_finite() && float >= 0.0 && float <= u64::MAX as f64).then_some(float > 0.0)
}

/// How deep a Cobertura or JaCoCo report nests (six levels at most in practice).
const MAX_DEPTH: usize = 64;

fn xml(path: &str, reader: &mut dyn BufRead, first_line: usize) -> Result<Coverage, ReportError> {
    let pieces = Pieces::new(reader, MAX_PIECE, b"", "an XML element or text");
    let mut reader = quick_xml::Reader::from_reader(pieces);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut format: Option<Format> = None;
    // Cobertura root totals, or every file's lines; JaCoCo's report-level line counter.
    let mut root_totals: Option<(u64, u64)> = None;
    let mut class_file = String::new();
    let mut cobertura_lines: BTreeMap<String, LineSet> = BTreeMap::new();
    let mut jacoco: Option<(u64, u64)> = None;
    let line = |reader: &quick_xml::Reader<Pieces<'_>>| first_line + reader.get_ref().newlines();
    let error_at = |reader: &quick_xml::Reader<Pieces<'_>>, message: String| {
        ReportError::new(path, Some(line(reader)), message)
    };
    let number = |reader: &quick_xml::Reader<Pieces<'_>>, element: &BytesStart<'_>, name: &str| {
        let Some(value) = attr(element, name) else {
            return Ok(None);
        };
        value
            .trim()
            .parse::<u64>()
            .map_err(|_| {
                format!(
                    "attribute {name}=\"{}\" is not a count (a whole number ≥ 0 that fits in 64 bits)",
                    quote(&value, 24)
                )
            })
            .and_then(|n| plausible(n, name))
            .map(Some)
            .map_err(|message| error_at(reader, message))
    };
    loop {
        reader.get_mut().mark();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(quick_xml::Error::Io(e)) => {
                return Err(ReportError::io(path, Some(line(&reader)), &e));
            }
            Err(e) => {
                return Err(error_at(&reader, format!("malformed XML: {e}")));
            }
        };
        let (element, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
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
        let name = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        if stack.is_empty() {
            if format.is_some() {
                return Err(error_at(&reader, "a second root element".into()));
            }
            format = Some(match name.as_str() {
                "coverage" => {
                    let valid = number(&reader, element, "lines-valid")?;
                    let covered = number(&reader, element, "lines-covered")?;
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
                            "unknown XML root element <{}>: expected Cobertura <coverage> or JaCoCo <report>",
                            quote(other, 40)
                        ),
                    ));
                }
            });
        } else {
            match (format, name.as_str()) {
                (Some(Format::Cobertura), "class") => {
                    class_file = attr(element, "filename")
                        .or_else(|| attr(element, "name"))
                        .unwrap_or_default();
                }
                (Some(Format::Cobertura), "line")
                    if stack.len() >= 2
                        && stack[stack.len() - 1] == "lines"
                        && stack[stack.len() - 2] == "class" =>
                {
                    let at = number(&reader, element, "number")?
                        .ok_or_else(|| error_at(&reader, "<line> without number=".into()))?;
                    let hits = attr(element, "hits")
                        .ok_or_else(|| error_at(&reader, "<line> without hits=".into()))?;
                    let hit = hit_count(&hits).ok_or_else(|| {
                        error_at(
                            &reader,
                            format!(
                                "hits=\"{}\" is not a count (a number ≥ 0: not NaN, infinite or negative)",
                                quote(&hits, 24)
                            ),
                        )
                    })?;
                    // With root totals the lines are only checked, not counted.
                    if root_totals.is_none() {
                        cobertura_lines
                            .entry(class_file.clone())
                            .or_default()
                            .add(at, hit)
                            .map_err(|e| error_at(&reader, e))?;
                    }
                }
                (Some(Format::Jacoco), "counter")
                    if stack.len() == 1 && attr(element, "type").as_deref() == Some("LINE") =>
                {
                    let missed = number(&reader, element, "missed")?
                        .ok_or_else(|| error_at(&reader, "LINE counter without missed=".into()))?;
                    let covered = number(&reader, element, "covered")?
                        .ok_or_else(|| error_at(&reader, "LINE counter without covered=".into()))?;
                    let lines = add(missed, covered, "missed and covered lines")
                        .map_err(|e| error_at(&reader, e))?;
                    jacoco = Some((covered, lines));
                }
                _ => {}
            }
        }
        if !empty {
            if stack.len() == MAX_DEPTH {
                return Err(error_at(
                    &reader,
                    format!("elements nested deeper than {MAX_DEPTH}: not a coverage report"),
                ));
            }
            stack.push(name);
        }
        buf.clear();
    }
    if let Some(open) = stack.last() {
        return Err(error_at(
            &reader,
            format!("truncated: <{}> is never closed", quote(open, 40)),
        ));
    }
    let (covered, lines) = match format {
        None => {
            return Err(ReportError::new(path, None, "no XML root element"));
        }
        Some(Format::Cobertura) => match root_totals {
            Some(totals) => totals,
            None => {
                let mut totals = Totals::default();
                for (file, lines) in cobertura_lines {
                    let (lines, hit) = lines.counts();
                    totals
                        .add(lines, hit)
                        .map_err(|e| ReportError::new(path, None, format!("{file}: {e}")))?;
                }
                (totals.covered, totals.lines)
            }
        },
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

/// What reltag reads of an llvm-cov export; everything else is skipped unbuilt.
#[derive(Deserialize)]
struct LlvmExport {
    #[serde(rename = "type")]
    kind: String,
    data: LlvmTotals,
}

/// `data[].totals.lines`, summed (checked) while the array is read, never held.
struct LlvmTotals {
    lines: u64,
    covered: u64,
}

#[derive(Deserialize)]
struct LlvmData {
    totals: LlvmDataTotals,
}

#[derive(Deserialize)]
struct LlvmDataTotals {
    lines: LlvmSummary,
}

#[derive(Deserialize)]
struct LlvmSummary {
    count: u64,
    covered: u64,
}

impl<'de> Deserialize<'de> for LlvmTotals {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Sum;
        impl<'de> Visitor<'de> for Sum {
            type Value = LlvmTotals;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of exports with totals")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LlvmTotals, A::Error> {
                use serde::de::Error;
                let mut totals = Totals::default();
                let mut index = 0usize;
                while let Some(data) = seq.next_element::<LlvmData>()? {
                    let lines = &data.totals.lines;
                    let counted = plausible(lines.count, "count")
                        .and_then(|count| Ok((count, plausible(lines.covered, "covered")?)))
                        .and_then(|(count, covered)| totals.add(count, covered));
                    counted.map_err(|e| {
                        A::Error::custom(format!("data[{index}].totals.lines: {e}"))
                    })?;
                    index += 1;
                }
                Ok(LlvmTotals {
                    lines: totals.lines,
                    covered: totals.covered,
                })
            }
        }
        deserializer.deserialize_seq(Sum)
    }
}

fn llvm_cov_json(
    path: &str,
    reader: &mut dyn BufRead,
    first_line: usize,
) -> Result<Coverage, ReportError> {
    let mut pieces = Pieces::new(reader, MAX_PIECE, b"{}[],:", "a JSON string or number");
    let mut deserializer = serde_json::Deserializer::from_reader(&mut pieces);
    let export = LlvmExport::deserialize(&mut deserializer)
        .and_then(|export| deserializer.end().map(|()| export))
        .map_err(|e| {
            let line = Some(first_line + e.line().saturating_sub(1));
            // serde_json appends " at line L column C"; the line is in the location.
            let text = e.to_string();
            let text = text.rsplit_once(" at line ").map_or(&*text, |(m, _)| m);
            let message = if e.is_io() {
                format!("cannot read it: {text}")
            } else if e.is_eof() {
                format!("truncated JSON: {text}")
            } else {
                format!("not an llvm-cov JSON export: {text}")
            };
            ReportError::new(path, line, message)
        })?;
    if export.kind != "llvm.coverage.json.export" {
        return Err(ReportError::new(
            path,
            None,
            format!(
                "JSON of type \"{}\", expected \"llvm.coverage.json.export\" (`cargo llvm-cov --json`)",
                quote(&export.kind, 40)
            ),
        ));
    }
    Ok(Coverage {
        format: Format::LlvmCovJson,
        covered: export.data.covered,
        lines: export.data.lines,
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
        parse(name, &mut &fixture(name)[..])
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
    fn impossible_numbers_make_the_report_unreadable_never_a_pass() {
        let cases: &[(&str, &str)] = &[
            // 2^64 - 1 + 2 wraps round to 1 line, 1 covered: "100 %" before checking.
            (
                "lcov-overflow.info",
                "LF 18446744073709551615 is not a plausible number",
            ),
            (
                "lcov-absurd.info",
                "LF 4294967296 is not a plausible number",
            ),
            ("lcov-negative.info", "hit count `-1` is not a count"),
            (
                "llvm-cov-overflow.json",
                "count 18446744073709551615 is not a plausible number",
            ),
            ("cobertura-nan.xml", "hits=\"NaN\" is not a count"),
            ("cobertura-negative.xml", "hits=\"-1\" is not a count"),
            ("cobertura-infinite.xml", "hits=\"1e400\" is not a count"),
            ("cobertura-too-big.xml", "is not a count"),
            (
                "jacoco-overflow.xml",
                "missed 18446744073709551615 is not a plausible number",
            ),
        ];
        for (name, text) in cases {
            let error = parsed(name).expect_err(name);
            assert!(error.message.contains(text), "{name}: {error}");
            assert!(error.line.is_some(), "{name}: {error}");
        }
    }

    #[test]
    fn sums_are_checked_even_when_each_count_is_plausible() {
        let lcov = "SF:a\nLF:4294967295\nLH:0\nend_of_record\nSF:b\nLF:2\nLH:1\nend_of_record\n";
        let error = parse("x.info", &mut lcov.as_bytes()).unwrap_err();
        assert!(error.message.contains("add up to more than"), "{error}");
        let json = r#"{"type":"llvm.coverage.json.export","data":[
            {"totals":{"lines":{"count":4294967295,"covered":0}}},
            {"totals":{"lines":{"count":2,"covered":2}}}]}"#;
        let error = parse("x.json", &mut json.as_bytes()).unwrap_err();
        assert!(error.message.contains("add up to more than"), "{error}");
        assert_eq!(error.line, Some(3), "{error}");
        let json = r#"{"type":"llvm.coverage.json.export","data":[{"totals":{"lines":{"count":2,"covered":3}}}]}"#;
        let error = parse("x.json", &mut json.as_bytes()).unwrap_err();
        assert!(error.message.contains("3 of 2 lines covered"), "{error}");
    }

    #[test]
    fn one_lcov_file_counts_each_line_once_however_often_it_repeats() {
        let mut lcov = String::from("SF:a\n");
        for round in 0..5 {
            for line in 1..=40_000 {
                lcov.push_str(&format!(
                    "DA:{line},{}\n",
                    u32::from(round == 4 && line % 2 == 0)
                ));
            }
        }
        lcov.push_str("end_of_record\n");
        let c = parse("x.info", &mut lcov.as_bytes()).unwrap();
        assert_eq!((c.covered, c.lines), (20_000, 40_000));
    }

    #[test]
    fn a_giant_xml_text_or_json_string_is_refused_not_buffered() {
        let mut xml = String::from("<coverage><!--");
        xml.push_str(&"x".repeat(MAX_PIECE + 10));
        xml.push_str("--></coverage>");
        let error = parse("x.xml", &mut xml.as_bytes()).unwrap_err();
        assert!(error.message.contains("longer than 16 MiB"), "{error}");
        let mut json = String::from("{\"type\":\"");
        json.push_str(&"x".repeat(MAX_PIECE + 10));
        json.push_str("\",\"data\":[]}");
        let error = parse("x.json", &mut json.as_bytes()).unwrap_err();
        assert!(error.message.contains("longer than 16 MiB"), "{error}");
    }

    #[test]
    fn a_secret_in_a_report_is_never_quoted() {
        let error = parse(
            "x.info",
            &mut &b"GITHUB_TOKEN=ghp_0123456789abcdefghij\n"[..],
        )
        .unwrap_err();
        assert!(!error.to_string().contains("ghp_"), "{error}");
        assert!(error.message.contains("[redacted]"), "{error}");
        let json = br#"{"type":"ghp_0123456789abcdefghijklmnop","data":[]}"#;
        let error = parse("x.json", &mut &json[..]).unwrap_err();
        assert!(!error.to_string().contains("ghp_"), "{error}");
    }

    #[test]
    fn cobertura_without_totals_counts_class_lines_once() {
        let xml = br#"<?xml version="1.0"?>
<coverage><packages><package name="p"><classes>
<class name="A" filename="a.py"><methods><method name="m"><lines><line number="1" hits="1"/></lines></method></methods>
<lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class>
</classes></package></packages></coverage>"#;
        let c = parse("c.xml", &mut &xml[..]).unwrap();
        assert_eq!((c.covered, c.lines), (1, 2));
    }
}
