//! Filling the policy's JQL template: `{version}`, `{major}`, `{minor}`, `{patch}` and
//! `{tag}` become JQL string literals, so no value can change the query's meaning.
//!
//! JQL strings are quoted with `"` or `'`, and a backslash escapes the next character
//! (Atlassian: "Use quotes and backslashes to escape reserved characters"). A placeholder
//! outside a string becomes a `"…"` literal; a placeholder inside one (`"v{version}"`) has
//! its value escaped for that string's quote character.

/// The values a JQL template may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JqlValues {
    pub version: String,
    pub major: String,
    pub minor: String,
    pub patch: String,
    pub tag: String,
}

impl JqlValues {
    pub fn new(version: &semver::Version, tag: &str) -> JqlValues {
        JqlValues {
            version: version.to_string(),
            major: version.major.to_string(),
            minor: version.minor.to_string(),
            patch: version.patch.to_string(),
            tag: tag.to_string(),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "version" => Some(&self.version),
            "major" => Some(&self.major),
            "minor" => Some(&self.minor),
            "patch" => Some(&self.patch),
            "tag" => Some(&self.tag),
            _ => None,
        }
    }
}

/// `value` as a double-quoted JQL string literal.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", escape(value, '"'))
}

/// Escapes `value` for the inside of a JQL string quoted with `quote_char`.
fn escape(value: &str, quote_char: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '\\' || c == quote_char {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Substitutes the known placeholders in `template`. Braces that name no placeholder
/// (`summary ~ "{code}"`) are left as they are.
pub fn render(template: &str, values: &JqlValues) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    // The quote character of the string literal we are in, if any.
    let mut in_string: Option<char> = None;
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if in_string.is_some() => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '"' | '\'' => {
                match in_string {
                    None => in_string = Some(c),
                    Some(q) if q == c => in_string = None,
                    Some(_) => {}
                }
                out.push(c);
            }
            '{' => {
                let rest = &template[i + 1..];
                let value = rest
                    .find('}')
                    .and_then(|end| values.get(&rest[..end]).map(|v| (end, v)));
                match value {
                    Some((end, value)) => {
                        match in_string {
                            Some(q) => out.push_str(&escape(value, q)),
                            None => out.push_str(&quote(value)),
                        }
                        // Skip the name and the closing brace.
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    None => out.push(c),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(version: &str) -> JqlValues {
        JqlValues {
            version: version.to_string(),
            major: "1".to_string(),
            minor: "2".to_string(),
            patch: "3".to_string(),
            tag: format!("v{version}"),
        }
    }

    #[test]
    fn placeholders_become_quoted_literals() {
        let cases = [
            (
                "fixVersion = {version} AND priority in (Critical, High)",
                "1.2.3",
                r#"fixVersion = "1.2.3" AND priority in (Critical, High)"#,
            ),
            (
                "fixVersion = {major}.{minor}",
                "1.2.3",
                r#"fixVersion = "1"."2""#,
            ),
            (
                r#"fixVersion = "v{version}""#,
                "1.2.3",
                r#"fixVersion = "v1.2.3""#,
            ),
            ("fixVersion = '{tag}'", "1.2.3", "fixVersion = 'v1.2.3'"),
            // A value with quotes and backslashes cannot end the literal early.
            (
                "fixVersion = {version}",
                r#"1.2" OR project = "X\"#,
                r#"fixVersion = "1.2\" OR project = \"X\\""#,
            ),
            (
                "fixVersion = '{version}'",
                r#"it's "x""#,
                r#"fixVersion = 'it\'s "x"'"#,
            ),
            (
                r#"fixVersion = "a{version}b""#,
                r#"q"q"#,
                r#"fixVersion = "aq\"qb""#,
            ),
            // Unknown names and braces inside strings stay.
            (
                r#"summary ~ "{code}" AND fixVersion = {version}"#,
                "2.0.0",
                r#"summary ~ "{code}" AND fixVersion = "2.0.0""#,
            ),
            // An escaped quote inside a literal does not end it.
            (
                r#"summary ~ "say \"{version}\"""#,
                "1",
                r#"summary ~ "say \"1\"""#,
            ),
            ("{unclosed", "1", "{unclosed"),
        ];
        for (template, version, expected) in cases {
            assert_eq!(render(template, &values(version)), expected, "{template}");
        }
    }

    #[test]
    fn values_come_from_the_version_and_tag() {
        let v = semver::Version::parse("2.10.0-rc.1").unwrap();
        let values = JqlValues::new(&v, "pay-v2.10.0-rc.1");
        assert_eq!(
            render("{version} {major} {minor} {patch} {tag}", &values),
            r#""2.10.0-rc.1" "2" "10" "0" "pay-v2.10.0-rc.1""#
        );
    }
}
