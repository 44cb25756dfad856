//! GitHub's CODEOWNERS file: where GitHub looks for it, its syntax, and which rule owns a
//! path.
//!
//! A line is a pattern ([`PathPattern`]) followed by owners separated by spaces: `@login`,
//! `@org/team` or an email. `#` starts a comment (a whole line, or the rest of one); a
//! `\ ` keeps a space inside a pattern. A pattern with no owners leaves what it matches
//! without owners. The **last** rule whose pattern matches a path owns it.
//!
//! GitHub skips a line it cannot read and shows the error on the file's page. reltag
//! refuses the whole file instead, naming each such line: a gate that skipped a rule
//! would ask nobody for the paths that rule names.

use super::pattern::PathPattern;

/// Where GitHub looks for the file, in its order: the first that exists is used.
pub const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// GitHub does not load a CODEOWNERS file larger than this.
pub const MAX_SIZE: usize = 3 * 1024 * 1024;

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone)]
pub struct CodeOwners {
    /// Its path in the repository (`.github/CODEOWNERS`).
    pub path: String,
    pub rules: Vec<OwnerRule>,
}

/// One line of the file.
#[derive(Debug, Clone)]
pub struct OwnerRule {
    /// 1-based.
    pub line: usize,
    pub pattern: PathPattern,
    /// Empty: what the pattern matches has no owner.
    pub owners: Vec<Owner>,
}

/// An owner as CODEOWNERS names one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// `@login`: that account.
    User(String),
    /// `@org/team`: the team's members.
    Team { org: String, team: String },
    /// `dana@example.com`: the account with that email.
    Email(String),
}

impl Owner {
    /// The login of a user owner.
    pub fn login(&self) -> Option<&str> {
        match self {
            Owner::User(login) => Some(login),
            _ => None,
        }
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::User(login) => write!(f, "@{login}"),
            Owner::Team { org, team } => write!(f, "@{org}/{team}"),
            Owner::Email(email) => f.write_str(email),
        }
    }
}

/// A line reltag cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// Why a CODEOWNERS file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{path} is larger than GitHub's limit of 3 MB, so GitHub ignores it")]
    TooLarge { path: String },
    #[error("{path} is not UTF-8 text")]
    NotText { path: String },
    #[error("{}", lines.iter().map(|l| format!("{path}:{}: {}", l.line, l.message)).collect::<Vec<_>>().join("; "))]
    Lines { path: String, lines: Vec<LineError> },
}

impl CodeOwners {
    /// Parses the file found at `path`.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<CodeOwners, ParseError> {
        if bytes.len() > MAX_SIZE {
            return Err(ParseError::TooLarge {
                path: path.to_string(),
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotText {
            path: path.to_string(),
        })?;
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (index, line) in text.lines().enumerate() {
            match parse_line(line) {
                Ok(None) => {}
                Ok(Some((pattern, owners))) => rules.push(OwnerRule {
                    line: index + 1,
                    pattern,
                    owners,
                }),
                Err(message) => errors.push(LineError {
                    line: index + 1,
                    message,
                }),
            }
        }
        if !errors.is_empty() {
            return Err(ParseError::Lines {
                path: path.to_string(),
                lines: errors,
            });
        }
        Ok(CodeOwners {
            path: path.to_string(),
            rules,
        })
    }

    /// The rule that owns `path`: the last one whose pattern matches it.
    pub fn rule_for(&self, path: &str) -> Option<&OwnerRule> {
        self.rules
            .iter()
            .rev()
            .find(|rule| rule.pattern.matches(path))
    }
}

/// A line's pattern and owners; `None` for a blank or comment line.
fn parse_line(line: &str) -> Result<Option<(PathPattern, Vec<Owner>)>, String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = line.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '#' => break,
            '\\' => {
                // Kept: the pattern's own escape (`\ `, `\*`).
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            c if c.is_whitespace() => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    let Some((pattern, owners)) = tokens.split_first() else {
        return Ok(None);
    };
    let pattern = PathPattern::parse(pattern).map_err(|e| format!("`{pattern}`: {e}"))?;
    let owners = owners
        .iter()
        .map(|owner| parse_owner(owner))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((pattern, owners)))
}

fn parse_owner(text: &str) -> Result<Owner, String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if let Some(rest) = text.strip_prefix('@') {
        match rest.split_once('/') {
            None if !rest.is_empty() && rest.len() <= 39 && rest.chars().all(name_char) => {
                return Ok(Owner::User(rest.to_string()));
            }
            Some((org, team))
                if !org.is_empty()
                    && !team.is_empty()
                    && org.chars().all(name_char)
                    && team.chars().all(|c| name_char(c) || c == '.') =>
            {
                return Ok(Owner::Team {
                    org: org.to_string(),
                    team: team.to_string(),
                });
            }
            _ => {}
        }
    } else if let Some((local, domain)) = text.split_once('@')
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Ok(Owner::Email(text.to_string()));
    }
    Err(format!(
        "`{text}` is not an owner: expected @login, @org/team or an email"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# Everyone in the app team owns everything by default.
*       @octo/app
*.js    @js-owner   # the front end
docs/*  docs@example.com
/db/    @octo/dba @dana
/apps/github
path\\ with\\ spaces/ @spacey
";

    #[test]
    fn the_last_matching_rule_owns_a_path() {
        let file = CodeOwners::parse(".github/CODEOWNERS", FILE.as_bytes()).unwrap();
        let owner = |path: &str| {
            let rule = file.rule_for(path).unwrap();
            (
                rule.line,
                rule.owners.iter().map(Owner::to_string).collect::<Vec<_>>(),
            )
        };
        assert_eq!(owner("src/main.rs"), (2, vec!["@octo/app".to_string()]));
        assert_eq!(owner("web/app.js"), (3, vec!["@js-owner".to_string()]));
        assert_eq!(
            owner("docs/intro.md"),
            (4, vec!["docs@example.com".to_string()])
        );
        assert_eq!(
            owner("docs/deep/intro.md"),
            (2, vec!["@octo/app".to_string()])
        );
        assert_eq!(
            owner("db/schema.sql"),
            (5, vec!["@octo/dba".to_string(), "@dana".to_string()])
        );
        // A pattern without owners leaves its paths without an owner.
        assert_eq!(owner("apps/github/x.rb"), (6, vec![]));
        assert_eq!(
            owner("path with spaces/x"),
            (7, vec!["@spacey".to_string()])
        );
    }

    #[test]
    fn every_unreadable_line_is_named() {
        let text = "*.c @ok\n!*.h @neg\n*.[ch] @ranges\nsrc/ octocat\nlib/ @a/\n";
        let err = CodeOwners::parse("CODEOWNERS", text.as_bytes()).unwrap_err();
        let ParseError::Lines { lines, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(
            lines.iter().map(|l| l.line).collect::<Vec<_>>(),
            vec![2, 3, 4, 5]
        );
        assert!(
            err.to_string()
                .starts_with("CODEOWNERS:2: `!*.h`: `!` (negation)"),
            "{err}"
        );
        assert!(err.to_string().contains(
            "CODEOWNERS:4: `octocat` is not an owner: expected @login, @org/team or an email"
        ));
    }

    #[test]
    fn limits_github_applies() {
        let big = vec![b'#'; MAX_SIZE + 1];
        assert!(matches!(
            CodeOwners::parse("CODEOWNERS", &big),
            Err(ParseError::TooLarge { .. })
        ));
        assert!(matches!(
            CodeOwners::parse("CODEOWNERS", b"* @a\xff"),
            Err(ParseError::NotText { .. })
        ));
    }
}
