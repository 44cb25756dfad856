//! Branch patterns and tag formats: literal text with `{placeholders}` and `*` globs,
//! turned into anchored regular expressions when the policy loads and compiled the first
//! time one is matched (see [`PatternRegex`]).

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// A strict semantic version, as semver.org's grammar defines it.
pub(crate) const SEMVER_RE: &str = r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?";
const NUMBER_RE: &str = "(?:0|[1-9][0-9]*)";
/// What a tag format's version part may look like before semver judges it: loose on
/// purpose, so that `v01.2.3` is reported as "not semver" rather than "not a release tag".
const LOOSE_VERSION_RE: &str = r"[0-9][0-9A-Za-z.+-]*";

/// Regexes from policy files are user input: bound their compiled size.
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a user regex does not compile, in one line, and which characters of the pattern
/// the parser blames (when it says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegexError {
    pub message: String,
    /// Character offsets into the pattern.
    pub chars: Option<std::ops::Range<usize>>,
}

impl std::fmt::Display for RegexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub(crate) fn user_regex(pattern: &str) -> Result<Regex, RegexError> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_error(pattern, e))
}

/// The regex crate renders a syntax error as a diagram over several lines (the pattern, a
/// line of carets, `error: …`); a report line holds one line, so keep the reason and the
/// position of the carets.
fn regex_error(pattern: &str, error: regex::Error) -> RegexError {
    match error {
        regex::Error::Syntax(text) => {
            let reason = text
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or("the pattern does not parse")
                .to_string();
            // `    <pattern>` then `    ^^^` (only for a one-line pattern).
            let lines: Vec<&str> = text.lines().collect();
            let chars = (!pattern.contains('\n'))
                .then(|| {
                    lines.iter().find(|l| {
                        l.trim_start().starts_with('^') && l.trim().chars().all(|c| c == '^')
                    })
                })
                .flatten()
                .map(|carets| {
                    let start = carets.len() - carets.trim_start().len();
                    let width = carets.trim().chars().count();
                    start.saturating_sub(4)..start.saturating_sub(4) + width
                });
            let message = match &chars {
                Some(at) if pattern.chars().count() > 1 => {
                    format!("{reason} (at character {} of the pattern)", at.start + 1)
                }
                _ => reason,
            };
            RegexError { message, chars }
        }
        regex::Error::CompiledTooBig(limit) => RegexError {
            message: format!(
                "the pattern compiles to more than {limit} bytes: expected a simpler pattern"
            ),
            chars: None,
        },
        other => RegexError {
            message: other.to_string().replace('\n', " "),
            chars: None,
        },
    }
}

/// A pattern of `[commits] exempt_authors`: `*` is any text, everything else literal
/// (so `dependabot[bot]` means itself), matched against a whole name, email or login,
/// ignoring ASCII case.
#[derive(Debug, Clone)]
pub struct AuthorPattern {
    pub source: String,
    regex: Regex,
}

impl AuthorPattern {
    pub fn compile(source: &str) -> Result<AuthorPattern, String> {
        if source.trim().is_empty() {
            return Err(
                "empty pattern: expected a name, an email or a login, such as dependabot[bot]"
                    .to_string(),
            );
        }
        if source.trim() == "*" || source.chars().all(|c| c == '*') {
            return Err(
                "`*` alone would exempt every author: expected a name, an email or a login"
                    .to_string(),
            );
        }
        let parts: Vec<String> = source.split('*').map(regex::escape).collect();
        let regex = RegexBuilder::new(&format!("^{}$", parts.join(".*")))
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| regex_error(source, e).message)?;
        Ok(AuthorPattern {
            source: source.to_string(),
            regex,
        })
    }

    pub fn matches(&self, identity: &str) -> bool {
        self.regex.is_match(identity)
    }
}

/// The regex of a branch pattern or tag format, compiled the first time it is matched:
/// compiling them all costs more than the rest of a commit-msg hook, which matches none.
///
/// Built from escaped text and fixed pieces, it is always valid; the one way it can fail
/// is the size limit, which takes far more than [`COMPILE_AT_LOAD_ABOVE`] bytes of regex
/// (tested below). A longer one is compiled when the policy loads, so that an oversized
/// pattern is still refused there, with its line and column.
#[derive(Debug, Clone)]
struct PatternRegex {
    text: String,
    compiled: OnceLock<Regex>,
}

/// Regex text up to this length is compiled when first matched (see [`PatternRegex`]).
const COMPILE_AT_LOAD_ABOVE: usize = 1024;

impl PatternRegex {
    fn new(text: String) -> Result<PatternRegex, String> {
        let compiled = OnceLock::new();
        if text.len() > COMPILE_AT_LOAD_ABOVE {
            let _ = compiled.set(user_regex(&text).map_err(|e| e.message)?);
        }
        Ok(PatternRegex { text, compiled })
    }

    fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            user_regex(&self.text).expect(
                "a short pattern regex compiles (pattern::tests::short_pattern_regexes_compile)",
            )
        })
    }
}

/// A branch pattern, keeping its source text for messages.
#[derive(Debug, Clone)]
pub struct NamePattern {
    pub source: String,
    /// The literal text before the first placeholder or `*`: a name that does not start
    /// with it cannot match, and is refused without compiling the regex.
    prefix: String,
    /// No placeholder and no `*`: the name must be the pattern itself.
    literal: bool,
    regex: PatternRegex,
}

impl NamePattern {
    /// `jira_key` is the regex a `{jira}` placeholder stands for (it depends on the
    /// policy's project allow-list).
    pub fn compile(source: &str, jira_key: &str) -> Result<NamePattern, String> {
        let literal_end = source.find(['{', '*']);
        let mut re = String::from("^");
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if c == '{' {
                let end = rest.find('}').ok_or_else(|| {
                    "unclosed `{`: expected a placeholder such as {jira}".to_string()
                })?;
                let name = &rest[1..end];
                re.push_str(&match name {
                    "jira" => format!("(?:{jira_key})"),
                    "semver" => format!("(?:{SEMVER_RE})"),
                    "major" | "minor" | "patch" => NUMBER_RE.to_string(),
                    _ => {
                        return Err(format!(
                            "unknown placeholder `{{{name}}}`: expected {{jira}}, {{semver}}, {{major}}, {{minor}} or {{patch}}"
                        ));
                    }
                });
                rest = &rest[end + 1..];
            } else if let Some(after) = rest.strip_prefix("**") {
                re.push_str(".*");
                rest = after;
            } else if let Some(after) = rest.strip_prefix('*') {
                re.push_str("[^/]*");
                rest = after;
            } else {
                re.push_str(&regex::escape(&c.to_string()));
                rest = &rest[c.len_utf8()..];
            }
        }
        re.push('$');
        Ok(NamePattern {
            source: source.to_string(),
            prefix: source[..literal_end.unwrap_or(source.len())].to_string(),
            literal: literal_end.is_none(),
            regex: PatternRegex::new(re)?,
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        if self.literal {
            return name == self.source;
        }
        name.starts_with(&self.prefix) && self.regex.get().is_match(name)
    }
}

/// The policy's `tags.format`: recognises release tags and renders a version's tag name.
#[derive(Debug, Clone)]
pub struct TagFormat {
    pub source: String,
    /// Matches tags that are meant as release tags, with the version loosely captured.
    loose: PatternRegex,
    kind: VersionParts,
}

#[derive(Debug, Clone, Copy)]
enum VersionParts {
    /// `{semver}`: one placeholder for the whole version.
    Semver,
    /// `{major}.{minor}.{patch}` (in any literal arrangement).
    Numbers,
}

impl TagFormat {
    pub fn compile(source: &str) -> Result<TagFormat, String> {
        let has_semver = source.contains("{semver}");
        let has_numbers = ["{major}", "{minor}", "{patch}"]
            .iter()
            .all(|p| source.contains(p));
        let kind = match (has_semver, has_numbers) {
            (true, false) => VersionParts::Semver,
            (false, true) => VersionParts::Numbers,
            _ => {
                return Err(
                    "expected a format with {semver}, or with {major}, {minor} and {patch} (not both)"
                        .to_string(),
                );
            }
        };
        let mut re = String::from("^");
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if c == '{' {
                let end = rest
                    .find('}')
                    .ok_or_else(|| "unclosed `{`: expected {semver}".to_string())?;
                let name = &rest[1..end];
                re.push_str(match name {
                    "semver" => "(?P<semver>",
                    "major" => "(?P<major>",
                    "minor" => "(?P<minor>",
                    "patch" => "(?P<patch>",
                    _ => {
                        return Err(format!(
                            "unknown placeholder `{{{name}}}`: expected {{semver}}, {{major}}, {{minor}} or {{patch}}"
                        ));
                    }
                });
                re.push_str(if name == "semver" {
                    LOOSE_VERSION_RE
                } else {
                    "[0-9]+"
                });
                re.push(')');
                rest = &rest[end + 1..];
            } else if c == '*' {
                return Err("`*` is not allowed in a tag format".to_string());
            } else {
                re.push_str(&regex::escape(&c.to_string()));
                rest = &rest[c.len_utf8()..];
            }
        }
        re.push('$');
        Ok(TagFormat {
            source: source.to_string(),
            loose: PatternRegex::new(re)?,
            kind,
        })
    }

    /// The version text of a tag that has the format's shape, not yet judged as semver.
    pub fn version_text(&self, tag: &str) -> Option<String> {
        let caps = self.loose.get().captures(tag)?;
        Some(match self.kind {
            VersionParts::Semver => caps["semver"].to_string(),
            VersionParts::Numbers => {
                format!("{}.{}.{}", &caps["major"], &caps["minor"], &caps["patch"])
            }
        })
    }

    /// Whether a tag is meant as a release tag: it has the format's shape with more than
    /// a major number (`v1.2.3`, and malformed ones such as `v1.2` or `v01.2.3`, which
    /// `tag-semver` then refuses). A major number alone — the moving `v1` that GitHub
    /// Actions publish — and names without the shape are other tags.
    pub fn is_release_shaped(&self, tag: &str) -> bool {
        let Some(text) = self.version_text(tag) else {
            return false;
        };
        match self.kind {
            VersionParts::Numbers => true,
            VersionParts::Semver => text
                .split(['-', '+'])
                .next()
                .is_some_and(|core| core.contains('.')),
        }
    }

    /// The tag name of a version under this format.
    pub fn render(&self, version: &semver::Version) -> String {
        render_template(&self.source, version)
    }
}

/// Substitutes `{semver}`, `{major}`, `{minor}`, `{patch}` in a template such as
/// `release/v{major}.{minor}.{patch}`.
pub fn render_template(template: &str, version: &semver::Version) -> String {
    template
        .replace("{semver}", &version.to_string())
        .replace("{major}", &version.major.to_string())
        .replace("{minor}", &version.minor.to_string())
        .replace("{patch}", &version.patch.to_string())
}

/// Checks a template that is rendered, never matched (`tags.release_branch`).
pub fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| "unclosed `{`: expected a placeholder such as {major}".to_string())?;
        let name = &rest[start + 1..start + end];
        if !matches!(name, "semver" | "major" | "minor" | "patch") {
            return Err(format!(
                "unknown placeholder `{{{name}}}`: expected {{semver}}, {{major}}, {{minor}} or {{patch}}"
            ));
        }
        rest = &rest[start + end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "[A-Z][A-Z0-9_]+-[1-9][0-9]*";

    #[test]
    fn branch_patterns_match_as_documented() {
        let cases = [
            ("main", "main", true),
            ("main", "mainline", false),
            ("release/v{semver}", "release/v1.2.3", true),
            ("release/v{semver}", "release/v1.2.3-rc.1", true),
            ("release/v{semver}", "release/v1.2", false),
            ("release/v{semver}", "release/v01.2.3", false),
            ("feature/{jira}-*", "feature/PAY-12-login", true),
            ("feature/{jira}-*", "feature/PAY-12-a/b", false),
            ("feature/{jira}-**", "feature/PAY-12-a/b", true),
            ("feature/{jira}-*", "feature/pay-12-login", false),
            ("release/*", "release/v1.2.3", true),
            ("release/*", "releases/v1", false),
            ("release/*", "feature/release/x", false),
            ("a.b", "axb", false),
            ("a.b", "a.b", true),
            ("main", "main\n", false),
            ("caf\u{e9}/*", "caf\u{e9}/x", true),
            ("**/{jira}", "team/x/PAY-1", true),
            ("{jira}/*", "PAY-1/x", true),
        ];
        for (pattern, name, expected) in cases {
            let p = NamePattern::compile(pattern, KEY).unwrap();
            assert_eq!(p.matches(name), expected, "{pattern} vs {name}");
            // The shortcuts (a literal pattern, the literal prefix) agree with the regex.
            assert_eq!(
                p.regex.get().is_match(name),
                expected,
                "{pattern} vs {name}"
            );
        }
    }

    #[test]
    fn short_pattern_regexes_compile() {
        // The longest regexes a pattern can make without being compiled at load, from the
        // largest pieces: `{semver}`, `*` (a Unicode class), `{jira}` over many projects.
        let projects: Vec<String> = (0..200).map(|i| format!("P{i}")).collect();
        let jira = crate::policy::Policy::jira_key_regex(&projects);
        for piece in ["{semver}", "*", "**", "{jira}", "{major}", "\u{e9}"] {
            let mut source = String::new();
            let mut longest = None;
            loop {
                source.push_str(piece);
                match NamePattern::compile(&source, &jira) {
                    Ok(p) if p.regex.text.len() <= COMPILE_AT_LOAD_ABOVE => longest = Some(p),
                    _ => break,
                }
            }
            if let Some(p) = longest {
                user_regex(&p.regex.text).unwrap();
            }
        }
    }

    #[test]
    fn oversized_patterns_are_refused_when_the_policy_loads() {
        let err = NamePattern::compile(&"{semver}*".repeat(400), KEY).unwrap_err();
        assert!(err.contains("compiles to more than"), "{err}");
    }

    #[test]
    fn unknown_placeholders_are_refused_with_the_expected_ones() {
        let err = NamePattern::compile("feature/{ticket}-*", KEY).unwrap_err();
        assert!(err.contains("unknown placeholder `{ticket}`"), "{err}");
        assert!(err.contains("{jira}"), "{err}");
    }

    #[test]
    fn tag_format_extracts_and_renders_versions() {
        let f = TagFormat::compile("v{semver}").unwrap();
        assert_eq!(f.version_text("v1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(f.version_text("v01.2.3").as_deref(), Some("01.2.3"));
        assert_eq!(f.version_text("1.2.3"), None);
        assert_eq!(f.render(&semver::Version::new(1, 2, 3)), "v1.2.3");
        let n = TagFormat::compile("release-{major}.{minor}.{patch}").unwrap();
        assert_eq!(n.version_text("release-1.2.3").as_deref(), Some("1.2.3"));
        assert!(TagFormat::compile("v{major}").is_err());
    }
}
