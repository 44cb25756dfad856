//! The `json` format: one object, never coloured, written as the report receives it.
//!
//! ```text
//! {"version": 2, "command": …, "findings": [ …streamed… ], "checks": […], "notes": […],
//!  …the command's data…, "checked": {…}, "errors": N, "warnings": N,
//!  "outcome": "allowed|blocked|undecided", "exit_code": 0|1|2|3, "error": {…}?}
//! ```
//!
//! The findings come first because they stream; what is known only at the end (counts,
//! outcome) comes last. Strings are escaped by JSON's rules plus [`crate::text::is_unsafe`]:
//! every character that could act on a terminal or a CI log is written as `\uXXXX`, so
//! printing the document raw is safe and nothing of the text is lost. The schema is
//! versioned (`version`) and documented in the README.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::data::JsonValue;
use super::{Check, Finding, Render, Summary};

/// Bumped when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 2;

pub(super) struct Json {
    command: &'static str,
    started: bool,
    findings: usize,
}

impl Json {
    pub(super) fn new(command: &'static str) -> Json {
        Json {
            command,
            started: false,
            findings: 0,
        }
    }

    fn start(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.started {
            self.started = true;
            write!(
                out,
                "{{\n  \"version\": {JSON_SCHEMA_VERSION},\n  \"command\": {},\n  \"findings\": [",
                to_string(&self.command, 2)?
            )?;
        }
        Ok(())
    }

    fn write_finding(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        self.start(out)?;
        let sep = if self.findings == 0 { "" } else { "," };
        self.findings += 1;
        write!(out, "{sep}\n    {}", to_string(finding, 4)?)
    }
}

impl Render for Json {
    fn note(&mut self, _out: &mut dyn Write, _note: &str) -> io::Result<()> {
        Ok(())
    }

    fn check(&mut self, _out: &mut dyn Write, _check: &Check) -> io::Result<()> {
        Ok(())
    }

    fn finding(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        self.write_finding(out, finding)
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary<'_>) -> io::Result<()> {
        for finding in summary.held_findings() {
            self.write_finding(out, finding)?;
        }
        self.start(out)?;
        if self.findings > 0 {
            write!(out, "\n  ")?;
        }
        write!(out, "]")?;
        field(out, "checks", &summary.checks)?;
        field(out, "notes", &summary.notes)?;
        // One entry at a time: a long history's exemptions are thousands of them.
        write!(out, ",\n  {}: ", to_string(&"exempted", 2)?)?;
        write_array(out, summary.exempted)?;
        if let Some(data) = summary.data {
            for (name, value) in data.json_fields() {
                field(out, name, value)?;
            }
        }
        field(out, "checked", &summary.checked)?;
        field(out, "errors", &summary.errors)?;
        field(out, "warnings", &summary.warnings)?;
        field(out, "outcome", &summary.outcome)?;
        field(out, "exit_code", &summary.exit_code)?;
        if let Some(failure) = summary.failure {
            field(out, "error", &failure)?;
        }
        writeln!(out, "\n}}")
    }
}

/// One field of the top-level object, after the one before it.
fn field(out: &mut dyn Write, name: &str, value: &dyn JsonValue) -> io::Result<()> {
    write!(out, ",\n  {}: {}", to_string(&name, 2)?, value.to_json(2)?)
}

/// A field's array, as [`to_string`] would write it two spaces deep, an element at a time.
fn write_array<T: Serialize>(out: &mut dyn Write, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return write!(out, "[]");
    }
    write!(out, "[")?;
    for (n, item) in items.iter().enumerate() {
        let sep = if n == 0 { "" } else { "," };
        write!(out, "{sep}\n    {}", to_string(item, 4)?)?;
    }
    write!(out, "\n  ]")
}

/// Pretty JSON for a value that sits `indent` spaces deep, escaped as the module says.
pub(super) fn to_string<T: Serialize + ?Sized>(value: &T, indent: usize) -> io::Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeFormatter::new());
    value.serialize(&mut ser).map_err(io::Error::other)?;
    let text = String::from_utf8(buf).map_err(io::Error::other)?;
    if indent == 0 {
        return Ok(text);
    }
    let pad = " ".repeat(indent);
    Ok(text.replace('\n', &format!("\n{pad}")))
}

/// serde_json's pretty formatter, with every [`crate::text::is_unsafe`] character in a
/// string written as a `\uXXXX` escape (serde_json escapes only those below U+0020).
struct SafeFormatter(PrettyFormatter<'static>);

impl SafeFormatter {
    fn new() -> SafeFormatter {
        SafeFormatter(PrettyFormatter::new())
    }
}

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest
            .char_indices()
            .find(|(_, c)| crate::text::is_unsafe(*c))
        {
            writer.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exempted list is written an element at a time, as the whole array would be.
    #[test]
    fn an_array_written_element_by_element_is_the_array_as_one_value() {
        let nested = serde_json::json!({"a": [1, {"b": "\u{1b}[31m"}], "c": {}});
        let lists = [
            vec![],
            vec![nested.clone()],
            vec![nested.clone(), nested, 3.into()],
        ];
        for list in lists {
            let mut out = Vec::new();
            write_array(&mut out, &list).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                to_string(&list, 2).unwrap()
            );
        }
    }

    #[test]
    fn unsafe_characters_are_json_escapes_and_round_trip() {
        let text = "a\u{1b}[31m b\u{7} c\u{9b} d\u{202e} e\u{2028} f\u{e0041} g\"\\ h日本";
        let json = to_string(&text, 0).unwrap();
        assert_eq!(
            json,
            r#""a\u001b[31m b\u0007 c\u009b d\u202e e\u2028 f\udb40\udc41 g\"\\ h日本""#
        );
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, text);
    }
}
