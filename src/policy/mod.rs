//! `policy.toml`: loading, the embedded default, validation with line and column.
//!
//! Loading never falls back to the default on a bad file: a broken policy is an error
//! (exit 2) that names `file:line:column`, the offending text and what was expected.

mod environment;
mod pattern;
pub mod schema;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::input;

pub use environment::Environment;
pub use pattern::{AuthorPattern, NamePattern, TagFormat, check_template, render_template};
pub use schema::PolicyFile;

/// The reference policy: the default when a repository has none, and what `reltag init`
/// writes. One text, so the two can never disagree.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../policy.toml");

/// The file name reltag looks for at the root of the working tree.
pub const POLICY_FILE_NAME: &str = "policy.toml";

/// Where the policy in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// No policy file: the embedded default applies in full.
    Default,
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("the default policy (no policy.toml)"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A validated policy with its patterns compiled.
#[derive(Debug, Clone)]
pub struct Policy {
    pub file: PolicyFile,
    pub source: Source,
    pub allowed_branches: Vec<NamePattern>,
    pub protected_branches: Vec<NamePattern>,
    pub tag_format: TagFormat,
    pub subject_pattern: Option<Regex>,
    pub jira_projects: Vec<String>,
    /// `[commits] exempt_subjects`, compiled, with their source text.
    pub exempt_subjects: Vec<(String, Regex)>,
    /// `[commits] exempt_authors`, compiled.
    pub exempt_authors: Vec<AuthorPattern>,
    /// `[tags] protected`, compiled.
    pub protected_tags: Vec<NamePattern>,
    /// `[[pull_requests.rules]]`, compiled.
    pub path_rules: Vec<crate::owners::PathRule>,
    /// `[environments]` with their calendars and durations parsed, in the file's order.
    pub environments: Vec<Environment>,
    /// What is valid but risky (`check policy` shows them as warnings).
    pub warnings: Vec<Problem>,
}

impl Policy {
    /// The embedded default policy.
    pub fn default_policy() -> Policy {
        // The default is tested to be valid (see tests below); failing here is a build bug.
        Policy::from_toml(
            DEFAULT_POLICY_TOML,
            "policy.toml (default)",
            Source::Default,
        )
        .expect("the embedded default policy is valid")
    }

    /// Parses and validates policy text. `display_path` is how errors name the file.
    pub fn from_toml(text: &str, display_path: &str, source: Source) -> Result<Policy, Invalid> {
        // Every structural problem (unknown key, wrong type), not only the first one.
        let read = validate::deserialize(text).map_err(|problems| Invalid {
            path: display_path.to_string(),
            problems,
        })?;
        validate::validate(read, text, display_path, source)
    }

    /// The environment named `name` under `[environments]`.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// Every role under `[roles]` with its members (emails or `@logins`).
    pub fn roles(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        self.file
            .roles
            .iter()
            .map(|(role, members)| (role.clone(), names(members)))
            .collect()
    }

    /// Members of a role under `[roles]` (none if the role is unknown).
    pub fn role_members(&self, role: &str) -> Vec<String> {
        self.file
            .roles
            .get(role)
            .map(|m| names(m))
            .unwrap_or_default()
    }

    /// Is this branch name protected from direct pushes?
    pub fn is_protected(&self, branch: &str) -> bool {
        self.protected_branches.iter().any(|p| p.matches(branch))
    }

    /// The regex for one Jira key under this policy's project allow-list.
    pub fn jira_key_regex(projects: &[String]) -> String {
        if projects.is_empty() {
            "[A-Z][A-Z0-9_]+-[1-9][0-9]*".to_string()
        } else {
            let alternatives: Vec<String> = projects.iter().map(|p| regex::escape(p)).collect();
            format!("(?:{})-[1-9][0-9]*", alternatives.join("|"))
        }
    }

    /// The tag name the policy gives a version (`v1.2.3`).
    pub fn tag_name(&self, version: &semver::Version) -> String {
        self.tag_format.render(version)
    }

    /// The branches a version may be cut from, in the policy's order: `release/v1.2.3`,
    /// then the release line `release/v1.2` under the default policy. A version's release
    /// branch is the first of them that exists.
    pub fn release_branches(&self, version: &semver::Version) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for template in &self.file.tags.release_branch.get_ref().0 {
            let name = render_template(template, version);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Is this tag name meant as a release tag: the shape of `[tags] format` with more than
    /// a major number (`v1.2.3`, or a malformed one such as `v1.2` or `v01.2.3`), or a
    /// semantic version after a prefix the format does not have (`1.2.3`,
    /// `release-1.2.3`: a misnamed release)? `v1` (the moving tag GitHub Actions publish),
    /// `deploy-marker` and `2024.01.15` are other tags.
    pub fn is_release_tag(&self, name: &str) -> bool {
        if self.tag_format.is_release_shaped(name) {
            return true;
        }
        let version = name.trim_start_matches(|c: char| !c.is_ascii_digit());
        !version.is_empty() && semver::Version::parse(version).is_ok()
    }

    /// Is this tag protected from moves and deletions once on the remote: a release tag,
    /// or a name matching `[tags] protected`?
    pub fn is_protected_tag(&self, name: &str) -> bool {
        self.is_release_tag(name) || self.protected_tags.iter().any(|p| p.matches(name))
    }
}

/// The plain values of a list of names read from the file (roles, environments).
pub fn names(list: &[toml::Spanned<String>]) -> Vec<String> {
    list.iter().map(|n| n.get_ref().clone()).collect()
}

/// Finds and loads the policy in force: `explicit` (from `--policy`) if given, else
/// `policy.toml` at the root of the working tree, else the embedded default.
///
/// Both are read through the input layer ([`crate::input`]): a regular file of at most
/// [`input::Limit::POLICY`], never a FIFO or a device. `policy.toml` at the root must
/// also stay inside the working tree (a committed symlink to `/proc/self/environ` is
/// refused); the default applies only when there is no `policy.toml` entry at all — a
/// dangling symlink is an error, not a reason to fall back.
pub fn load(
    explicit: Option<&Path>,
    worktree_root: Option<&Path>,
    cwd: &Path,
) -> Result<Policy, LoadError> {
    if let Some(path) = explicit {
        return load_file(path, cwd);
    }
    let Some(root) = worktree_root else {
        return Ok(Policy::default_policy());
    };
    let path = root.join(POLICY_FILE_NAME);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Policy::default_policy());
        }
        _ => {}
    }
    let origin = input::Origin::WorkTree { root };
    load_from(Path::new(POLICY_FILE_NAME), &path, origin, cwd)
}

/// Loads one policy file given on the command line; errors name it relative to `cwd`
/// when it is below it.
pub fn load_file(path: &Path, cwd: &Path) -> Result<Policy, LoadError> {
    let full = cwd.join(path);
    load_from(path, &full, input::Origin::CommandLine { cwd }, cwd)
}

/// Reads `path` (relative to `origin`; `full` is where it is) through the input layer.
fn load_from(
    path: &Path,
    full: &Path,
    origin: input::Origin<'_>,
    cwd: &Path,
) -> Result<Policy, LoadError> {
    let bytes = input::open(path, origin, input::Limit::POLICY)
        .and_then(input::Input::into_bytes)
        .map_err(|error| LoadError::Read {
            path: full.to_path_buf(),
            source: match error.problem {
                input::Problem::Io(source) => source,
                problem => std::io::Error::other(problem),
            },
        })?;
    let display = full.strip_prefix(cwd).unwrap_or(full).display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        LoadError::Invalid(Invalid {
            path: display.clone(),
            problems: vec![Problem::at(
                &text,
                offset..offset + 1,
                "invalid UTF-8: expected a UTF-8 text file".to_string(),
            )],
        })
    })?;
    Policy::from_toml(&text, &display, Source::File(full.to_path_buf())).map_err(LoadError::Invalid)
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the policy file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Invalid),
}

/// Everything wrong with one policy file, each problem at its line and column.
#[derive(Debug, Clone)]
pub struct Invalid {
    pub path: String,
    pub problems: Vec<Problem>,
}

impl std::error::Error for Invalid {}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.path, p.line, p.column, p.message)?;
            if let Some(snippet) = p.snippet() {
                for line in snippet.lines() {
                    write!(f, "\n{line}")?;
                }
            }
        }
        Ok(())
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The offending text (the part the caret underlines).
    pub text: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// The whole line, for the snippet.
    pub source_line: String,
}

impl Problem {
    /// The line with the offending text underlined (none for an empty line).
    pub fn snippet(&self) -> Option<crate::report::Snippet> {
        (!self.source_line.is_empty()).then(|| crate::report::Snippet {
            line: self.line,
            text: self.source_line.clone(),
            column: self.column,
            width: self.text.chars().count().max(1),
        })
    }

    pub(crate) fn at(text: &str, span: std::ops::Range<usize>, message: String) -> Problem {
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let before = &text[..floor_char_boundary(text, start)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let source_line = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let offending = text
            .get(floor_char_boundary(text, start)..floor_char_boundary(text, end.min(line_end)))
            .unwrap_or("")
            .to_string();
        // A "policy" that is really a secrets file (`--policy .env`, a symlink to one)
        // must not have its line printed: no snippet when the line looks like a secret.
        let message = input::redact::scrub(&message).into_owned();
        if input::redact::scrub(&source_line) != source_line {
            return Problem {
                line,
                column,
                text: String::new(),
                message: format!("{message} (the line is not shown: it looks like a secret)"),
                source_line: String::new(),
            };
        }
        Problem {
            line,
            column,
            text: offending,
            message,
            source_line,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_is_valid_and_encodes_the_seeds() {
        let p = Policy::default_policy();
        assert!(p.file.commits.require_jira);
        assert_eq!(p.file.pull_requests.min_approvals, 1);
        assert_eq!(p.file.tags.format.get_ref(), "v{semver}");
        assert_eq!(
            p.file.environments["prod"].from.as_ref().unwrap().get_ref(),
            "staging"
        );
        assert_eq!(p.file.emergency.approvers[0].get_ref(), "cto");
        assert!(p.is_protected("main") && p.is_protected("release/v1.2.3"));
        assert!(!p.is_protected("feature/PAY-1-x"));
    }

    #[test]
    fn an_empty_file_is_valid_and_takes_every_per_key_default() {
        let p = Policy::from_toml("", "policy.toml", Source::Default).unwrap();
        assert!(p.file.roles.is_empty() && p.file.environments.is_empty());
        assert!(p.file.release.criteria.is_empty());
        assert_eq!(p.allowed_branches.len(), 7);
    }

    #[test]
    fn a_short_file_is_valid_on_its_own() {
        let text = "[commits]\njira_projects = [\"PAY\"]\n[environments.prod]\nwindows = [\"Mon 10:00-11:00\"]\n";
        let p = Policy::from_toml(text, "policy.toml", Source::Default).unwrap();
        assert_eq!(p.jira_projects, vec!["PAY".to_string()]);
    }

    #[test]
    fn problems_point_at_line_and_column() {
        let text = "version = 1\n[branches]\nallowed = [\"feature/{ticket}\"]\n";
        let err = Policy::from_toml(text, "policy.toml", Source::Default).unwrap_err();
        let p = &err.problems[0];
        assert_eq!((p.line, p.column), (3, 12));
        assert_eq!(p.text, "\"feature/{ticket}\"");
        assert!(err.to_string().starts_with("policy.toml:3:12: "), "{err}");
    }
}
