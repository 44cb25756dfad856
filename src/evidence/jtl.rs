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

use std::collections::BTreeMap;

use super::{ReportError, line_of};

/// JMeter's default CSV columns, for files written without a header line.
const DEFAULT_ELAPSED: usize = 1;
const DEFAULT_LABEL: usize = 2;
const DEFAULT_SUCCESS: usize = 7;

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

    fn from(mut elapsed: Vec<u64>, errors: usize) -> Stats {
        elapsed.sort_unstable();
        Stats {
            samples: elapsed.len(),
            errors,
            p95_ms: nearest_rank(&elapsed, 95.0),
            p99_ms: nearest_rank(&elapsed, 99.0),
        }
    }
}

/// The ⌈p/100 × n⌉-th smallest value (1-based) of sorted, non-empty values.
pub fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub overall: Stats,
    pub labels: BTreeMap<String, Stats>,
    pub header: bool,
}

/// Reads a CSV JTL file. `path` is only for messages.
pub fn parse(path: &str, bytes: &[u8]) -> Result<Results, ReportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ReportError::new(
            path,
            Some(line_of(bytes, e.valid_up_to())),
            "the results file is not UTF-8 text",
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ReportError::new(path, None, "the results file is empty"));
    }
    let start = text.trim_start();
    if start.starts_with('<') {
        return Err(ReportError::new(
            path,
            Some(1),
            "this is an XML JTL file; reltag reads the CSV format (set jmeter.save.saveservice.output_format=csv)",
        ));
    }
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if !first_line.contains(',') && first_line.contains('\t') {
        '\t'
    } else {
        ','
    };
    let records = records(path, text, delimiter)?;
    let mut records = records.into_iter().peekable();
    let (header, elapsed_col, label_col, success_col, width) = match records.peek() {
        Some((_, fields)) if fields.first().is_some_and(|f| f == "timeStamp") => {
            let (_, fields) = records.next().expect("peeked");
            let find = |name: &str| {
                fields.iter().position(|f| f == name).ok_or_else(|| {
                    ReportError::new(path, Some(1), format!("the header has no `{name}` column"))
                })
            };
            (
                true,
                find("elapsed")?,
                find("label")?,
                find("success")?,
                Some(fields.len()),
            )
        }
        _ => (false, DEFAULT_ELAPSED, DEFAULT_LABEL, DEFAULT_SUCCESS, None),
    };
    let mut all = Vec::new();
    let mut all_errors = 0usize;
    let mut by_label: BTreeMap<String, (Vec<u64>, usize)> = BTreeMap::new();
    let mut expected_width = width;
    for (line, fields) in records {
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        let width = *expected_width.get_or_insert(fields.len());
        if fields.len() != width {
            return Err(ReportError::new(
                path,
                Some(line),
                format!(
                    "{} fields where {} have {width}: a truncated or malformed row",
                    fields.len(),
                    if header {
                        "the header and earlier rows"
                    } else {
                        "earlier rows"
                    }
                ),
            ));
        }
        let field = |index: usize, name: &str| {
            fields.get(index).ok_or_else(|| {
                ReportError::new(
                    path,
                    Some(line),
                    format!(
                        "no `{name}` field (column {}); without a header JMeter's default column order is expected",
                        index + 1
                    ),
                )
            })
        };
        let elapsed_text = field(elapsed_col, "elapsed")?;
        let elapsed: u64 = elapsed_text.trim().parse().map_err(|_| {
            ReportError::new(
                path,
                Some(line),
                format!(
                    "elapsed `{elapsed_text}` is not a whole number of milliseconds{}",
                    if header {
                        ""
                    } else {
                        " (no header: JMeter's default column order is assumed)"
                    }
                ),
            )
        })?;
        let success = match field(success_col, "success")?.trim() {
            "true" => true,
            "false" => false,
            other => {
                return Err(ReportError::new(
                    path,
                    Some(line),
                    format!("success `{other}` is neither true nor false"),
                ));
            }
        };
        let label = field(label_col, "label")?.clone();
        all.push(elapsed);
        let entry = by_label.entry(label).or_default();
        entry.0.push(elapsed);
        if !success {
            all_errors += 1;
            entry.1 += 1;
        }
    }
    if all.is_empty() {
        return Err(ReportError::new(
            path,
            None,
            "the results file has no samples",
        ));
    }
    Ok(Results {
        overall: Stats::from(all, all_errors),
        labels: by_label
            .into_iter()
            .map(|(label, (elapsed, errors))| (label, Stats::from(elapsed, errors)))
            .collect(),
        header,
    })
}

/// Splits CSV text into records (with the line each starts on), honouring quotes.
fn records(
    path: &str,
    text: &str,
    delimiter: char,
) -> Result<Vec<(usize, Vec<String>)>, ReportError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((record_line, std::mem::take(&mut fields)));
                line += 1;
                record_line = line;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(ReportError::new(
            path,
            Some(record_line),
            "truncated: a quoted field is never closed",
        ));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((record_line, fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Result<Results, ReportError> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/jmeter")
            .join(name);
        parse(name, &std::fs::read(&path).unwrap())
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(nearest_rank(&values, 95.0), 95);
        assert_eq!(nearest_rank(&values, 99.0), 99);
        assert_eq!(nearest_rank(&[7], 99.0), 7);
        assert_eq!(nearest_rank(&[1, 2, 3], 95.0), 3);
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
        let e = parse("x.jtl", b"").unwrap_err();
        assert!(e.message.contains("empty"));
    }

    #[test]
    fn quoted_fields_with_commas() {
        let csv = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage\n1,10,\"GET /a, b\",200,OK,t 1-1,text,true,\n1,20,\"GET /a, b\",500,\"Server \"\"Error\"\"\",t 1-1,text,false,\"boom, twice\"\n";
        let r = parse("q.jtl", csv.as_bytes()).unwrap();
        assert_eq!(r.labels["GET /a, b"].errors, 1);
    }
}
