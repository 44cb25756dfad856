//! JMeter results (`.jtl`) in CSV, the format `jmeter -n -t plan.jmx -l results.jtl`
//! writes by default, with or without the header line
//! (`jmeter.save.saveservice.print_field_names`).
//!
//! - With a header, the columns are found by name: `elapsed`, `label` and `success` are
//!   required. The delimiter is `,` or, if the header has no comma, a tab.
//! - Without a header, JMeter's default column order is assumed:
//!   `timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,…`;
//!   a row that does not fit it (elapsed not a number, success not true/false) is an error
//!   naming its line.
//! - Fields may be quoted (`"a, b"`, `""` for a quote) as JMeter quotes them.
//!
//! Statistics, overall and per label: the sample count, the error rate
//! (`100 × samples with success=false / samples`) and the p95 and p99 of `elapsed` by the
//! **nearest-rank** method: sort the n values and take the ⌈p/100 × n⌉-th. (JMeter's
//! Aggregate Report interpolates, so its figure may differ slightly on small samples;
//! nearest-rank always names a latency that was actually measured.)
//!
//! # Streaming, in bounded memory
//! The file is read row by row with `csv-core` into a buffer of at most [`MAX_ROW`]
//! bytes. The percentiles are exact without keeping the samples: each label keeps a
//! histogram — one (elapsed, count) pair per distinct latency, 8 bytes — built from
//! batches of samples sorted and merged in. Latencies are whole milliseconds and
//! repeat, so a million samples make a few thousand pairs; a file that would need more
//! than [`MAX_DISTINCT`] pairs, labels longer than [`MAX_LABEL_BYTES`] in all, or an
//! elapsed time over [`MAX_ELAPSED_MS`] is unreadable. Every count is checked.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use csv_core::{ReadRecordResult, ReaderBuilder};

use super::ReportError;
use super::stream;
use crate::input::redact::quote;

/// JMeter's default CSV columns, for files written without a header line.
const DEFAULT_ELAPSED: usize = 1;
const DEFAULT_LABEL: usize = 2;
const DEFAULT_SUCCESS: usize = 7;

/// The longest row, and the most fields in one.
pub const MAX_ROW: usize = 1 << 20;
const MAX_FIELDS: usize = 1 << 12;
/// 49.7 days: a longer sample is a corrupt file, not a slow request.
pub const MAX_ELAPSED_MS: u64 = u32::MAX as u64;
/// Distinct (label, elapsed) pairs held for exact percentiles: 64 MiB.
pub const MAX_DISTINCT: usize = 1 << 23;
/// The labels' text, all together.
pub const MAX_LABEL_BYTES: usize = 16 << 20;
/// Samples sorted and merged into the histograms at a time (2 MiB).
const BATCH: usize = 1 << 18;

#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub samples: usize,
    pub errors: usize,
    pub p95_ms: u64,
    pub p99_ms: u64,
}

impl Stats {
    pub fn error_percent(&self) -> f64 {
        100.0 * self.errors as f64 / self.samples as f64
    }

    fn from(histogram: &[(u32, u32)], samples: u64, errors: u64) -> Stats {
        Stats {
            samples: samples as usize,
            errors: errors as usize,
            p95_ms: nearest_rank(histogram, samples, 95),
            p99_ms: nearest_rank(histogram, samples, 99),
        }
    }
}

/// The 1-based rank of the p-th percentile of n values by nearest rank: ⌈p/100 × n⌉,
/// at least 1. Integer arithmetic, so 95 % of 100 is exactly the 95th.
pub fn rank(percent: u64, n: u64) -> u64 {
    let rank = (u128::from(percent) * u128::from(n)).div_ceil(100);
    (rank as u64).clamp(1, n.max(1))
}

/// The nearest-rank percentile of a histogram of (value, count) sorted by value, whose
/// counts add up to `n` > 0.
fn nearest_rank(histogram: &[(u32, u32)], n: u64, percent: u64) -> u64 {
    let wanted = rank(percent, n);
    let mut seen = 0u64;
    for (value, count) in histogram {
        seen += u64::from(*count);
        if seen >= wanted {
            return u64::from(*value);
        }
    }
    histogram.last().map_or(0, |(value, _)| u64::from(*value))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub overall: Stats,
    pub labels: BTreeMap<String, Stats>,
    pub header: bool,
}

/// One label's counts and latency histogram.
#[derive(Default)]
struct Tally {
    samples: u64,
    errors: u64,
    /// (elapsed, count), sorted by elapsed.
    histogram: Vec<(u32, u32)>,
}

/// Every label's tally, with the batch of samples not yet merged in.
#[derive(Default)]
struct Tallies {
    index: HashMap<String, u32>,
    label_bytes: usize,
    tallies: Vec<Tally>,
    /// `label << 32 | elapsed`.
    batch: Vec<u64>,
}

impl Tallies {
    fn add(&mut self, label: &str, elapsed: u32, success: bool) -> Result<(), String> {
        let id = match self.index.get(label) {
            Some(id) => *id,
            None => {
                self.label_bytes += label.len();
                if self.label_bytes > MAX_LABEL_BYTES {
                    return Err(format!(
                        "the labels take more than {}: not a real test",
                        crate::input::ByteSize::new(MAX_LABEL_BYTES as u64)
                    ));
                }
                let id = self.tallies.len() as u32;
                self.index.insert(label.to_string(), id);
                self.tallies.push(Tally::default());
                id
            }
        };
        let tally = &mut self.tallies[id as usize];
        let overflow = || "more samples than a 64-bit count holds".to_string();
        tally.samples = tally.samples.checked_add(1).ok_or_else(overflow)?;
        if !success {
            tally.errors = tally.errors.checked_add(1).ok_or_else(overflow)?;
        }
        self.batch.push(u64::from(id) << 32 | u64::from(elapsed));
        if self.batch.len() == BATCH {
            self.merge_batch()?;
        }
        Ok(())
    }

    /// Sorts the batch and merges each label's run of it into the label's histogram.
    fn merge_batch(&mut self) -> Result<(), String> {
        self.batch.sort_unstable();
        let mut rest = &self.batch[..];
        while let Some(first) = rest.first() {
            let id = first >> 32;
            let run = rest.partition_point(|packed| packed >> 32 == id);
            let tally = &mut self.tallies[id as usize];
            tally.histogram = merge(&tally.histogram, &rest[..run])?;
            rest = &rest[run..];
        }
        self.batch.clear();
        let distinct: usize = self.tallies.iter().map(|t| t.histogram.len()).sum();
        if distinct > MAX_DISTINCT {
            return Err(format!(
                "more than {MAX_DISTINCT} distinct (label, elapsed) pairs: not a real test"
            ));
        }
        Ok(())
    }
}

/// A histogram with a sorted run of samples (low 32 bits: elapsed) merged in.
fn merge(histogram: &[(u32, u32)], run: &[u64]) -> Result<Vec<(u32, u32)>, String> {
    let mut out = Vec::with_capacity(histogram.len() + 16);
    let (mut old, mut new) = (0, 0);
    while new < run.len() {
        let value = run[new] as u32;
        let same = run[new..].partition_point(|packed| *packed as u32 == value);
        new += same;
        while old < histogram.len() && histogram[old].0 < value {
            out.push(histogram[old]);
            old += 1;
        }
        let mut count = same as u32;
        if old < histogram.len() && histogram[old].0 == value {
            count = count
                .checked_add(histogram[old].1)
                .ok_or("more than 2^32 samples of one latency: not a real test")?;
            old += 1;
        }
        out.push((value, count));
    }
    out.extend_from_slice(&histogram[old..]);
    Ok(out)
}

/// Where the needed columns are.
struct Columns {
    elapsed: usize,
    label: usize,
    success: usize,
}

/// Reads a CSV JTL file. `path` is only for messages.
pub fn parse(path: &str, reader: &mut dyn BufRead) -> Result<Results, ReportError> {
    let io_error = |line, e: std::io::Error| ReportError::io(path, Some(line), &e);
    stream::skip_bom(reader).map_err(|e| io_error(1, e))?;
    let start = reader.fill_buf().map_err(|e| io_error(1, e))?;
    if start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return Err(ReportError::new(
            path,
            Some(1),
            "this is an XML JTL file; reltag reads the CSV format (set jmeter.save.saveservice.output_format=csv)",
        ));
    }
    let first_line = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b'\t') {
        b'\t'
    } else {
        b','
    };
    let mut csv = ReaderBuilder::new().delimiter(delimiter).build();
    let mut row = vec![0u8; 4096];
    let mut ends = vec![0usize; 32];
    let (mut row_len, mut ends_len) = (0, 0);
    // The line a row starts on: the reader's line count before its first byte.
    let mut row_line: Option<usize> = None;

    let mut columns: Option<Columns> = None;
    let mut header = false;
    let mut width: Option<usize> = None;
    let mut rows = 0usize;
    let mut tallies = Tallies::default();
    loop {
        let input = reader
            .fill_buf()
            .map_err(|e| io_error(csv.line() as usize, e))?;
        let line_before = csv.line() as usize;
        let (result, read, written, ended) =
            csv.read_record(input, &mut row[row_len..], &mut ends[ends_len..]);
        if read > 0 || written > 0 {
            row_line.get_or_insert(line_before);
        }
        reader.consume(read);
        row_len += written;
        ends_len += ended;
        match result {
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => {
                if row.len() >= MAX_ROW {
                    return Err(ReportError::new(
                        path,
                        row_line,
                        format!(
                            "a row longer than {}: not a JMeter results file",
                            crate::input::ByteSize::new(MAX_ROW as u64)
                        ),
                    ));
                }
                row.resize(row.len() * 2, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                if ends.len() >= MAX_FIELDS {
                    return Err(ReportError::new(
                        path,
                        row_line,
                        format!(
                            "more than {MAX_FIELDS} fields in a row: not a JMeter results file"
                        ),
                    ));
                }
                ends.resize(ends.len() * 2, 0);
            }
            ReadRecordResult::Record => {
                let line = row_line.take().unwrap_or(line_before);
                let text = std::str::from_utf8(&row[..row_len]).map_err(|_| {
                    ReportError::new(path, Some(line), "the results file is not UTF-8 text")
                })?;
                let fields = Row {
                    text,
                    ends: &ends[..ends_len],
                };
                row_len = 0;
                ends_len = 0;
                if fields.len() == 1 && fields.get(0).is_some_and(|f| f.trim().is_empty()) {
                    continue;
                }
                rows += 1;
                if rows == 1 && fields.get(0) == Some("timeStamp") {
                    let find = |name: &str| {
                        (0..fields.len())
                            .find(|i| fields.get(*i) == Some(name))
                            .ok_or_else(|| {
                                ReportError::new(
                                    path,
                                    Some(line),
                                    format!("the header has no `{name}` column"),
                                )
                            })
                    };
                    columns = Some(Columns {
                        elapsed: find("elapsed")?,
                        label: find("label")?,
                        success: find("success")?,
                    });
                    header = true;
                    width = Some(fields.len());
                    continue;
                }
                let columns = columns.get_or_insert(Columns {
                    elapsed: DEFAULT_ELAPSED,
                    label: DEFAULT_LABEL,
                    success: DEFAULT_SUCCESS,
                });
                let sample = sample(&fields, columns, header, *width.get_or_insert(fields.len()))
                    .map_err(|message| ReportError::new(path, Some(line), message))?;
                tallies
                    .add(sample.label, sample.elapsed, sample.success)
                    .map_err(|message| ReportError::new(path, Some(line), message))?;
            }
            ReadRecordResult::End => break,
        }
    }
    tallies
        .merge_batch()
        .map_err(|message| ReportError::new(path, None, message))?;
    if rows == 0 {
        return Err(ReportError::new(path, None, "the results file is empty"));
    }
    if tallies.tallies.is_empty() {
        return Err(ReportError::new(
            path,
            None,
            "the results file has no samples",
        ));
    }
    let overflow = || ReportError::new(path, None, "more samples than a 64-bit count holds");
    let (mut samples, mut errors) = (0u64, 0u64);
    let mut all: Vec<(u32, u32)> = Vec::new();
    for tally in &tallies.tallies {
        samples = samples.checked_add(tally.samples).ok_or_else(overflow)?;
        errors = errors.checked_add(tally.errors).ok_or_else(overflow)?;
        all.extend_from_slice(&tally.histogram);
    }
    all.sort_unstable();
    let overall = Stats::from(&all, samples, errors);
    drop(all);
    let mut labels = BTreeMap::new();
    for (label, id) in tallies.index {
        let tally = &tallies.tallies[id as usize];
        labels.insert(
            label,
            Stats::from(&tally.histogram, tally.samples, tally.errors),
        );
    }
    Ok(Results {
        overall,
        labels,
        header,
    })
}

/// One row's fields, as csv-core leaves them: the unescaped text and where each ends.
struct Row<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> Row<'a> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, index: usize) -> Option<&'a str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        // Fields end at an ASCII delimiter, so both ends are character boundaries.
        self.text.get(start..end)
    }
}

/// One row's sample.
struct Sample<'a> {
    label: &'a str,
    elapsed: u32,
    success: bool,
}

/// Reads one data row, checking its width against the header or the first row.
fn sample<'a>(
    fields: &Row<'a>,
    columns: &Columns,
    header: bool,
    width: usize,
) -> Result<Sample<'a>, String> {
    if fields.len() != width {
        return Err(format!(
            "{} fields where {} have {width}: a truncated or malformed row",
            fields.len(),
            if header {
                "the header and earlier rows"
            } else {
                "earlier rows"
            }
        ));
    }
    let field = |index: usize, name: &str| {
        fields.get(index).ok_or_else(|| {
            format!(
                "no `{name}` field (column {}); without a header JMeter's default column order is expected",
                index + 1
            )
        })
    };
    let elapsed_text = field(columns.elapsed, "elapsed")?.trim();
    let elapsed: u64 = elapsed_text.parse().map_err(|_| {
        format!(
            "elapsed `{}` is not a whole number of milliseconds{}",
            quote(elapsed_text, 24),
            if header {
                ""
            } else {
                " (no header: JMeter's default column order is assumed)"
            }
        )
    })?;
    if elapsed > MAX_ELAPSED_MS {
        return Err(format!(
            "elapsed {elapsed} ms is more than 49 days: not a real sample; the file is corrupt"
        ));
    }
    let success = match field(columns.success, "success")?.trim() {
        "true" => true,
        "false" => false,
        other => {
            return Err(format!(
                "success `{}` is neither true nor false",
                quote(other, 24)
            ));
        }
    };
    Ok(Sample {
        label: field(columns.label, "label")?,
        elapsed: elapsed as u32,
        success,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Result<Results, ReportError> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/jmeter")
            .join(name);
        parse(name, &mut &std::fs::read(&path).unwrap()[..])
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(rank(95, 100), 95);
        assert_eq!(rank(99, 100), 99);
        assert_eq!(rank(99, 1), 1);
        assert_eq!(rank(95, 3), 3);
        assert_eq!(rank(95, 0), 1);
        let histogram = [(1, 50), (7, 44), (9, 5), (30, 1)];
        assert_eq!(nearest_rank(&histogram, 100, 95), 9);
        assert_eq!(nearest_rank(&histogram, 100, 99), 9);
        assert_eq!(nearest_rank(&histogram, 100, 100), 30);
        assert_eq!(nearest_rank(&histogram, 100, 50), 1);
        assert_eq!(nearest_rank(&histogram, 100, 51), 7);
    }

    #[test]
    fn with_and_without_header_read_the_same() {
        let with = fixture("pass-header.jtl").unwrap();
        let without = fixture("pass-no-header.jtl").unwrap();
        assert!(with.header && !without.header);
        assert_eq!(with.overall, without.overall);
        assert_eq!(with.labels, without.labels);
        assert_eq!(with.overall.samples, 200);
        assert_eq!(with.overall.errors, 1);
        assert_eq!(with.labels.len(), 2);
    }

    #[test]
    fn failing_results_are_measured() {
        let r = fixture("fail.jtl").unwrap();
        assert!(r.overall.p95_ms > 200);
        assert!(r.overall.error_percent() > 1.0);
    }

    #[test]
    fn broken_files_name_the_line() {
        let e = fixture("truncated.jtl").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        assert!(e.line.is_some());
        let e = fixture("malformed.jtl").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let e = fixture("no-samples.jtl").unwrap_err();
        assert!(e.message.contains("no samples"), "{e}");
        let e = parse("x.jtl", &mut &b""[..]).unwrap_err();
        assert!(e.message.contains("empty"));
    }

    #[test]
    fn impossible_numbers_make_the_file_unreadable() {
        let e = fixture("overflow.jtl").unwrap_err();
        assert!(e.message.contains("not a real sample"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        let e = fixture("negative.jtl").unwrap_err();
        assert!(
            e.message.contains("elapsed `-5` is not a whole number"),
            "{e}"
        );
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn percentiles_are_exact_over_many_batches() {
        // 600,000 samples, more than two batches: label a takes 1..=1000 ms in turn,
        // label b always 5 ms and fails every tenth time.
        let mut csv = String::from("timeStamp,elapsed,label,success\n");
        for i in 0..300_000u32 {
            csv.push_str(&format!("1,{},a,true\n", i % 1000 + 1));
            csv.push_str(&format!("1,5,b,{}\n", i % 10 != 0));
        }
        let r = parse("big.jtl", &mut csv.as_bytes()).unwrap();
        let a = &r.labels["a"];
        assert_eq!(
            (a.samples, a.errors, a.p95_ms, a.p99_ms),
            (300_000, 0, 950, 990)
        );
        let b = &r.labels["b"];
        assert_eq!((b.samples, b.errors, b.p95_ms), (300_000, 30_000, 5));
        // Overall: half are 5 ms; the 95th percentile is the 570,000th value, 900 ms.
        assert_eq!(
            (r.overall.samples, r.overall.p95_ms, r.overall.p99_ms),
            (600_000, 900, 980)
        );
    }

    #[test]
    fn a_row_without_end_is_refused_not_buffered() {
        let mut csv = String::from("timeStamp,elapsed,label,success\n1,2,\"");
        csv.push_str(&"x".repeat(MAX_ROW + 10));
        let e = parse("x.jtl", &mut csv.as_bytes()).unwrap_err();
        assert!(e.message.contains("a row longer than 1 MiB"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn quoted_fields_with_commas() {
        let csv = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage\n1,10,\"GET /a, b\",200,OK,t 1-1,text,true,\n1,20,\"GET /a, b\",500,\"Server \"\"Error\"\"\",t 1-1,text,false,\"boom, twice\"\n";
        let r = parse("q.jtl", &mut csv.as_bytes()).unwrap();
        assert_eq!(r.labels["GET /a, b"].errors, 1);
    }
}
