//! Who must approve a change to which paths: GitHub's CODEOWNERS (read from a pull
//! request's base commit, never its head) and the policy's path rules
//! (`[[pull_requests.rules]]`), as plain facts for the rules `pr-code-owners` and
//! `pr-path-approvals`.
//!
//! Nothing here reads a file or asks a service: `check pr` reads CODEOWNERS from the base
//! commit's git objects (`forge::base`) and lists teams through the forge; `reltag test`
//! takes both from a scenario. [`resolve`] is where both turn owners into accounts.

pub mod codeowners;
pub mod pattern;

use std::collections::{BTreeMap, BTreeSet};

pub use codeowners::{CodeOwners, LOCATIONS, Owner, OwnerRule, ParseError};
pub use pattern::{PathPattern, PatternError};

use crate::policy::Policy;

/// The code owners at a pull request's base commit, and who counts as each team or email
/// owner that the changed paths need.
#[derive(Debug, Clone, Default)]
pub struct CodeOwnersFacts {
    /// `None`: no CODEOWNERS in any place GitHub looks ([`LOCATIONS`]).
    pub file: Option<CodeOwners>,
    /// Every team or email owner of a rule that owns a changed path, with its members.
    pub members: BTreeMap<Owner, Members>,
}

/// The accounts that count as a team or email owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    /// GitHub logins, without `@`.
    pub logins: Vec<String>,
    /// Where they came from, for messages: `[roles] "@octo/dba"`, or the forge's name.
    pub source: String,
}

impl CodeOwnersFacts {
    /// Whether an approval by `login` is an approval by `owner`.
    pub fn approves_as(&self, login: &str, owner: &Owner) -> bool {
        match owner {
            Owner::User(user) => user.eq_ignore_ascii_case(login),
            group => self.members.get(group).is_some_and(|members| {
                members.logins.iter().any(|m| m.eq_ignore_ascii_case(login))
            }),
        }
    }
}

/// Changed paths owned by one rule of the file.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub rule: &'a OwnerRule,
    pub paths: Vec<&'a str>,
}

/// The changed paths grouped by the rule that owns each (the last that matches), in the
/// file's order; paths no rule gives an owner are left out.
pub fn owned_groups<'a>(file: &'a CodeOwners, changed: &'a [String]) -> Vec<Group<'a>> {
    let mut groups: BTreeMap<usize, Group<'a>> = BTreeMap::new();
    for path in changed {
        let Some(rule) = file.rule_for(path) else {
            continue;
        };
        if rule.owners.is_empty() {
            continue;
        }
        let group = groups.entry(rule.line).or_insert_with(|| Group {
            rule,
            paths: Vec::new(),
        });
        if !group.paths.contains(&path.as_str()) {
            group.paths.push(path);
        }
    }
    groups.into_values().collect()
}

/// Why an owner could not be turned into accounts.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError<E: std::error::Error + 'static> {
    /// An email owner the policy does not map to an account.
    #[error(
        "{file} names {owner} as a code owner, and reltag cannot tell which GitHub account that is"
    )]
    Email { file: String, owner: Owner },
    /// The forge did not list a team's members.
    #[error("cannot list the members of {owner} (a code owner in {file}): {source}")]
    Team {
        file: String,
        owner: Owner,
        #[source]
        source: E,
    },
}

impl<E: std::error::Error + 'static> ResolveError<E> {
    /// How to get past it.
    pub fn hint(&self) -> String {
        match self {
            ResolveError::Email { owner, .. } => {
                format!("name the account in the policy: [roles] \"{owner}\" = [\"@login\"]")
            }
            ResolveError::Team { owner, .. } => format!(
                "give the token read access to the organization's members (Members: read, or read:org), or name the team's members in the policy: [roles] \"{owner}\" = [\"@login\", …]"
            ),
        }
    }
}

/// The facts `pr-code-owners` needs: `file` (the base commit's CODEOWNERS), and for each
/// team or email owner of a rule that owns one of the `changed` paths, its members — from
/// a `[roles]` entry named exactly as the owner (`"@octo/dba"`, `"dba@example.com"`),
/// whose `@login` members count, else, for a team, from `list_team(org, team)`. An email
/// without such a role, or a team the forge will not list, is an error: the gate cannot
/// decide who may approve.
pub fn resolve<E: std::error::Error + 'static>(
    file: Option<CodeOwners>,
    changed: &[String],
    policy: &Policy,
    forge: &str,
    mut list_team: impl FnMut(&str, &str) -> Result<Vec<String>, E>,
) -> Result<CodeOwnersFacts, ResolveError<E>> {
    let Some(file) = file else {
        return Ok(CodeOwnersFacts::default());
    };
    let needed: BTreeSet<Owner> = owned_groups(&file, changed)
        .iter()
        .flat_map(|group| group.rule.owners.iter())
        .filter(|owner| owner.login().is_none())
        .cloned()
        .collect();
    let mut members = BTreeMap::new();
    for owner in needed {
        let name = owner.to_string();
        // GitHub matches team and email owners ignoring case: `@Octo/DBA` is `@octo/dba`.
        let role = policy
            .file
            .roles
            .iter()
            .find(|(role, _)| role.eq_ignore_ascii_case(&name))
            .map(|(_, members)| members);
        let resolved = if let Some(role) = role {
            Members {
                logins: role
                    .iter()
                    .filter_map(|m| m.get_ref().trim().strip_prefix('@').map(str::to_string))
                    .collect(),
                source: format!("[roles] \"{name}\""),
            }
        } else {
            match &owner {
                Owner::Team { org, team } => Members {
                    logins: list_team(org, team).map_err(|source| ResolveError::Team {
                        file: file.path.clone(),
                        owner: owner.clone(),
                        source,
                    })?,
                    source: forge.to_string(),
                },
                _ => {
                    return Err(ResolveError::Email {
                        file: file.path.clone(),
                        owner,
                    });
                }
            }
        };
        members.insert(owner, resolved);
    }
    Ok(CodeOwnersFacts {
        file: Some(file),
        members,
    })
}

/// `[[pull_requests.rules]]`, compiled: changes to `paths` need `min_approvals` approvals
/// from members of `approvers` (anyone whose approval counts when empty).
#[derive(Debug, Clone)]
pub struct PathRule {
    /// 1-based, in the policy's order, for messages.
    pub number: usize,
    pub paths: Vec<PathPattern>,
    pub approvers: Vec<String>,
    pub min_approvals: u32,
}

impl PathRule {
    /// The changed paths this rule is about.
    pub fn touched<'a>(&self, changed: &'a [String]) -> Vec<&'a str> {
        changed
            .iter()
            .filter(|path| self.paths.iter().any(|p| p.matches(path)))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    #[derive(Debug, thiserror::Error)]
    #[error("403 Forbidden")]
    struct Forbidden;

    fn changed(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn owners_are_resolved_through_roles_then_the_forge_and_only_when_needed() {
        let file = CodeOwners::parse(
            "CODEOWNERS",
            b"* @octo/app\n/db/ @octo/dba dba@example.com\n/web/ @octo/web\n",
        )
        .unwrap();
        let policy = Policy::from_toml(
            "[roles]\n\"dba@example.com\" = [\"@dana\", \"ops@example.com\"]\n",
            "policy.toml",
            Source::Default,
        )
        .unwrap();
        let mut asked = Vec::new();
        let facts = resolve::<Forbidden>(
            Some(file.clone()),
            &changed(&["db/schema.sql", "README.md"]),
            &policy,
            "GitHub",
            |org, team| {
                asked.push(format!("{org}/{team}"));
                Ok(vec!["dave".to_string()])
            },
        )
        .unwrap();
        // @octo/web owns nothing that changed: never asked.
        assert_eq!(asked, ["octo/app", "octo/dba"]);
        let email = Owner::Email("dba@example.com".into());
        assert_eq!(facts.members[&email].logins, ["dana"]);
        assert!(facts.approves_as("DANA", &email));
        assert!(facts.approves_as(
            "dave",
            &Owner::Team {
                org: "octo".into(),
                team: "dba".into()
            }
        ));
        let refused = resolve(
            Some(file),
            &changed(&["web/x.js"]),
            &policy,
            "GitHub",
            |_, _| Err(Forbidden),
        )
        .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "cannot list the members of @octo/web (a code owner in CODEOWNERS): 403 Forbidden"
        );
    }

    #[test]
    fn a_role_names_a_team_or_email_owner_whatever_the_case() {
        let file = CodeOwners::parse("CODEOWNERS", b"/db/ @Octo/DBA DBA@Example.com\n").unwrap();
        let policy = Policy::from_toml(
            "[roles]\n\"@octo/dba\" = [\"@dana\"]\n\"dba@example.com\" = [\"@dave\"]\n",
            "policy.toml",
            Source::Default,
        )
        .unwrap();
        let facts = resolve::<Forbidden>(
            Some(file),
            &changed(&["db/schema.sql"]),
            &policy,
            "GitHub",
            |_, _| Err(Forbidden),
        )
        .unwrap();
        let team = Owner::Team {
            org: "Octo".into(),
            team: "DBA".into(),
        };
        assert!(facts.approves_as("dana", &team));
        assert!(facts.approves_as("dave", &Owner::Email("DBA@Example.com".into())));
    }

    #[test]
    fn changed_paths_are_grouped_by_the_rule_that_owns_them() {
        let file = CodeOwners::parse("CODEOWNERS", b"*.sql @sql\n/db/ @dba\n/db/tmp/\n").unwrap();
        let changed = changed(&["db/a.sql", "db/b.rs", "x.sql", "db/tmp/t.sql", "y.rs"]);
        let groups: Vec<(usize, Vec<&str>)> = owned_groups(&file, &changed)
            .into_iter()
            .map(|g| (g.rule.line, g.paths))
            .collect();
        assert_eq!(
            groups,
            [(1, vec!["x.sql"]), (2, vec!["db/a.sql", "db/b.rs"])]
        );
    }
}
