//! What the separation-of-duties rules share: the facts they judge ([`SeparationFacts`],
//! at `promote` and at `cut`), who is the same person (`[separation] people`), and which
//! approvals count for the required roles.

use std::collections::BTreeMap;

use super::PromoteFacts;
use crate::ledger::ApprovalRecord;
use crate::ledger::identity::is_member;
use crate::policy::Policy;
use crate::report::Subject;

/// Who did what for a version, as the separation-of-duties rules judge it: at `promote`
/// (the environment's roles, the recorded cut) or at `cut` (the release's roles, the
/// person cutting).
#[derive(Debug, Clone)]
pub struct SeparationFacts<'a> {
    pub version: &'a str,
    /// What needs the roles, for messages: an environment's name, or `the cut`.
    pub scope: &'a str,
    /// The roles that must approve, in the policy's order.
    pub required: Vec<String>,
    /// The commit approvals must name (the tag's, or the one being cut); `None`: no tag.
    pub commit: Option<&'a str>,
    /// The approvals of the version at the commit that count where the roles are needed.
    pub approvals: &'a [ApprovalRecord],
    /// Who cut the version, and at which commit: the ledger's cut at `promote`, the person
    /// cutting at `cut`.
    pub cut: Option<(&'a str, &'a str)>,
    /// The author emails of the release's commits (gathered only when `sod-own-commits`
    /// runs).
    pub release_authors: &'a [String],
}

impl<'a> SeparationFacts<'a> {
    /// The facts of a promotion.
    pub fn of_promotion(facts: &PromoteFacts<'a>) -> SeparationFacts<'a> {
        SeparationFacts {
            version: facts.version,
            scope: facts.env,
            required: facts.environment.approvals(),
            commit: facts.tag_commit,
            approvals: facts.approvals,
            cut: facts
                .cut
                .map(|cut| (cut.actor.as_str(), cut.commit.as_str())),
            release_authors: facts.release_authors,
        }
    }

    pub fn subject(&self) -> Subject {
        Subject::Tag {
            name: self.version.to_string(),
        }
    }
}

/// Names of one person: `[separation.people]`, each name (lower-case) → the person's key.
#[derive(Debug, Clone, Default)]
pub struct People {
    aliases: BTreeMap<String, String>,
}

impl People {
    pub fn from_policy(policy: &Policy) -> People {
        let mut aliases = BTreeMap::new();
        for (person, names) in &policy.file.separation.people {
            let key = person.trim().to_ascii_lowercase();
            aliases.insert(key.clone(), key.clone());
            for name in names {
                aliases.insert(name.get_ref().trim().to_ascii_lowercase(), key.clone());
            }
        }
        People { aliases }
    }

    /// The person a name (an email, an `@login`) belongs to.
    pub fn person(&self, name: &str) -> String {
        let name = name.trim().to_ascii_lowercase();
        self.aliases.get(&name).cloned().unwrap_or(name)
    }

    pub fn same(&self, a: &str, b: &str) -> bool {
        self.person(a) == self.person(b)
    }
}

/// The approvals that count for `required` roles at `commit`: by a member of the role.
pub fn counted<'a>(
    approvals: &'a [ApprovalRecord],
    required: &[String],
    commit: &str,
    policy: &Policy,
) -> Vec<&'a ApprovalRecord> {
    approvals
        .iter()
        .filter(|a| {
            a.commit == commit
                && required.contains(&a.role)
                && is_member(&a.actor, &policy.role_members(&a.role))
        })
        .collect()
}

/// Whether each role in `roles` can be filled by a different person, given who approved
/// as which role (`(role, person)`): a small bipartite matching, by backtracking (a
/// policy names a handful of roles).
pub fn distinct_people_fill(roles: &[String], approvers: &[(String, String)]) -> bool {
    fn fill(roles: &[String], approvers: &[(String, String)], taken: &mut Vec<String>) -> bool {
        let Some((role, rest)) = roles.split_first() else {
            return true;
        };
        let candidates: Vec<&String> = approvers
            .iter()
            .filter(|(r, _)| r == role)
            .map(|(_, person)| person)
            .collect();
        for person in candidates {
            if taken.contains(person) {
                continue;
            }
            taken.push(person.clone());
            if fill(rest, approvers, taken) {
                return true;
            }
            taken.pop();
        }
        false
    }
    fill(roles, approvers, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(r, p)| (r.to_string(), p.to_string()))
            .collect()
    }

    #[test]
    fn roles_are_filled_by_distinct_people_when_a_matching_exists() {
        let roles = vec!["qa".to_string(), "po".to_string()];
        assert!(distinct_people_fill(
            &roles,
            &pairs(&[("qa", "ann"), ("po", "ann"), ("po", "bob")])
        ));
        assert!(!distinct_people_fill(
            &roles,
            &pairs(&[("qa", "ann"), ("po", "ann")])
        ));
        assert!(!distinct_people_fill(&roles, &pairs(&[("qa", "ann")])));
        assert!(distinct_people_fill(&[], &[]));
    }

    #[test]
    fn a_login_and_an_email_of_one_person_are_the_same_person() {
        let policy = Policy::from_toml(
            "[separation.people]\n\"ann@example.com\" = [\"@ann\", \"Ann.Smith@example.org\"]\n",
            "policy.toml",
            crate::policy::Source::Default,
        )
        .unwrap();
        let people = People::from_policy(&policy);
        assert!(people.same("@ann", "ann@example.com"));
        assert!(people.same("ann.smith@example.org", "@ANN"));
        assert!(!people.same("@bob", "ann@example.com"));
        assert_eq!(people.person("bob@example.com"), "bob@example.com");
    }
}
