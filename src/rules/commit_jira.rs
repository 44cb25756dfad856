use super::{AuthorFacts, ForgeAccount, MessageFacts, declare_rule, display_text, jira};
use crate::policy::Policy;
use crate::policy::schema::{Exemption, JiraIn};
use crate::report::{Exempted, Finding};

declare_rule! {
    /// ## What it checks
    /// Every commit message names a Jira issue key, such as `PAY-456`.
    ///
    /// A key is a project key (an uppercase letter, then uppercase letters, digits or
    /// `_`), a dash and a number that does not start with 0, on word boundaries; as in
    /// Jira, a suffix after the number (`KAFKA-17532-2: …`) still names `KAFKA-17532`.
    /// Without `jira_projects`, look-alikes such as `UTF-8`, `SHA-256`, `ISO-8601` and
    /// `CVE-2024-1234` are not keys. Keys in `#` comments do not count: git removes them.
    ///
    /// ## Why
    /// Linking every change to a ticket makes a release traceable: the release notes
    /// group commits by issue, and an auditor can go from a line of code to its request.
    ///
    /// ## Example
    /// `Fix login bug` is refused; `PAY-456: Fix login bug` passes. With
    /// `exempt_subjects = ["^MINOR:"]`, `MINOR: fix a typo` passes too.
    ///
    /// ## Configuration
    /// `[commits] require_jira`, `jira_projects`, `jira_in` (`subject` or `message`), and
    /// the exemptions: `exempt` — `merges` (by parent count, never by message text, which
    /// anyone can type), `reverts` (`Revert "…"`) and `fixups` (`fixup!`, `squash!`,
    /// `amend!`) —, `exempt_subjects` (regular expressions on the subject line) and
    /// `exempt_authors` (globs on the author's name or email; in the pull-request gate,
    /// the author's GitHub account). `--verbose` and the JSON report list every commit an
    /// exemption let through, and which one.
    ///
    /// ## How to fix
    /// Reword the commit: `git commit --amend` for the last one, `git rebase -i` and
    /// `reword` for older ones.
    pub struct CommitJira { id: "commit-jira", group: Message }
}

/// Checks the message; returns the exemption that let it through without a key, if one did.
pub fn check(facts: &MessageFacts, policy: &Policy, out: &mut Vec<Finding>) -> Option<Exempted> {
    let commits = &policy.file.commits;
    if !commits.require_jira {
        return None;
    }
    if let Some(exempted) = exemption(facts, policy) {
        return Some(exempted);
    }
    let (text, place) = match commits.jira_in {
        JiraIn::Subject => (facts.subject_line(), "subject line"),
        JiraIn::Message => (facts.text(), "commit message"),
    };
    if jira::find_keys(text, &policy.jira_projects)
        .next()
        .is_some()
    {
        return None;
    }
    let wanted = if policy.jira_projects.is_empty() {
        "a Jira key such as PAY-123".to_string()
    } else {
        format!("a Jira key of project {}", policy.jira_projects.join(", "))
    };
    let subject_line = display_text(facts.subject_line(), 60);
    let (message, hint) = if let Some((lower, upper)) = lower_case_key(text, policy) {
        let example = if facts
            .subject_line()
            .windows(lower.len())
            .any(|w| w == lower.as_bytes())
        {
            format!("\"{}\"", subject_line.replacen(&lower, &upper, 1))
        } else {
            upper.clone()
        };
        (
            format!(
                "the {place} has no Jira key: `{lower}` is not one, because Jira keys are upper case: expected {wanted}"
            ),
            format!("write the key in upper case, as Jira does: {example}"),
        )
    } else if let Some((pattern, example)) = subject_near_miss(facts.subject_line(), policy) {
        let example_project = policy.jira_projects.first().map_or("PAY", |p| p.as_str());
        (
            format!(
                "the {place} has no Jira key, and exempt_subjects `{pattern}` does not match its subject (patterns are case-sensitive): expected {wanted}"
            ),
            format!(
                "write the subject as the exemption expects, \"{}\", or name the issue, e.g. \"{example_project}-123: {subject_line}\"",
                display_text(example.as_bytes(), 60)
            ),
        )
    } else {
        let example_project = policy.jira_projects.first().map_or("PAY", |p| p.as_str());
        let elsewhere = (commits.jira_in == JiraIn::Subject)
            .then(|| jira::find_keys(facts.text(), &policy.jira_projects).next())
            .flatten();
        let hint = match elsewhere {
            Some(key) => format!(
                "{} stands below the subject line, and jira_in = \"subject\": start the subject with it, e.g. \"{}: {subject_line}\"",
                key.key, key.key
            ),
            None => format!(
                "start the subject with the issue, e.g. \"{example_project}-123: {subject_line}\""
            ),
        };
        (
            format!("the {place} has no Jira key: expected {wanted}"),
            hint,
        )
    };
    let hint = match near_miss(facts, policy) {
        Some(extra) => format!("{hint}; {extra}"),
        None => hint,
    };
    out.push(Finding::error(CommitJira::ID, facts.subject.clone(), message).with_hint(hint));
    None
}

/// Why the message needs no key, if the policy says it does not: the kinds of `exempt`
/// first, then `exempt_authors`, then `exempt_subjects` (the weakest: anyone can type a
/// subject, so it is named only when nothing else applies).
pub fn exemption(facts: &MessageFacts, policy: &Policy) -> Option<Exempted> {
    let commits = &policy.file.commits;
    let subject = facts.subject_line();
    let exempted = |exemption, pattern: &str, matched: String| Exempted {
        rule: CommitJira::ID,
        subject: facts.subject.clone(),
        exemption,
        pattern: pattern.to_string(),
        matched,
    };
    for kind in &commits.exempt {
        let hit = match kind {
            Exemption::Merges => facts
                .parent_count
                .filter(|n| *n >= 2)
                .map(|n| ("merges", format!("a commit with {n} parents"))),
            Exemption::Reverts => subject.starts_with(b"Revert \"").then(|| {
                (
                    "reverts",
                    format!("the subject \"{}\"", display_text(subject, 80)),
                )
            }),
            Exemption::Fixups => [&b"fixup! "[..], b"squash! ", b"amend! "]
                .iter()
                .any(|p| subject.starts_with(p))
                .then(|| {
                    (
                        "fixups",
                        format!("the subject \"{}\"", display_text(subject, 80)),
                    )
                }),
        };
        if let Some((pattern, matched)) = hit {
            return Some(exempted("exempt", pattern, matched));
        }
    }
    if let Some(author) = &facts.author
        && let Some((pattern, matched)) = author_exemption(author, policy)
    {
        return Some(exempted("exempt_authors", &pattern, matched));
    }
    if !policy.exempt_subjects.is_empty() {
        let line = String::from_utf8_lossy(subject);
        if let Some((source, _)) = policy
            .exempt_subjects
            .iter()
            .find(|(_, re)| re.is_match(&line))
        {
            return Some(exempted(
                "exempt_subjects",
                source,
                format!("the subject \"{}\"", display_text(subject, 80)),
            ));
        }
    }
    None
}

/// The first `exempt_authors` pattern the author matches, and what it matched. Without a
/// forge, the commit's claim (name or email) is matched; with one, the forge's account
/// (its login, or the email it linked to it), never a claim the forge does not back.
fn author_exemption(author: &AuthorFacts, policy: &Policy) -> Option<(String, String)> {
    for pattern in &policy.exempt_authors {
        let matched = match author.account {
            ForgeAccount::NotAsked => [author.name, author.email]
                .into_iter()
                .find(|id| pattern.matches(id))
                .map(|_| format!("the author {} <{}>", author.name, author.email)),
            ForgeAccount::Linked(login) => {
                if pattern.matches(login) {
                    Some(format!("the GitHub account @{login}"))
                } else if pattern.matches(author.email) {
                    Some(format!(
                        "the email {} of the GitHub account @{login}",
                        author.email
                    ))
                } else {
                    None
                }
            }
            ForgeAccount::Unlinked => None,
        };
        if let Some(matched) = matched {
            return Some((pattern.source.clone(), matched));
        }
    }
    None
}

/// A key written in lower (or mixed) case, `pay-12`, that would count in upper case:
/// (as written, in upper case).
fn lower_case_key(text: &[u8], policy: &Policy) -> Option<(String, String)> {
    let upper = text.to_ascii_uppercase();
    let key = jira::find_keys(&upper, &policy.jira_projects).next()?;
    let start = key.key.as_ptr() as usize - upper.as_ptr() as usize;
    // Without an allow-list any word-dash-number would do (`python-3`): only a key where
    // one usually stands, at the start of the subject (`pay-12: x`, `[pay-12] x`).
    if policy.jira_projects.is_empty() && start > 1 {
        return None;
    }
    let written = String::from_utf8_lossy(&text[start..start + key.key.len()]).into_owned();
    Some((written, key.key.to_string()))
}

/// What a commit that went without a key almost had: an author exemption the forge does
/// not back.
fn near_miss(facts: &MessageFacts, policy: &Policy) -> Option<String> {
    let author = facts.author.as_ref()?;
    if author.account != ForgeAccount::Unlinked {
        return None;
    }
    let claimed = [author.name, author.email];
    let pattern = policy
        .exempt_authors
        .iter()
        .find(|p| claimed.iter().any(|id| p.matches(id)))?;
    Some(format!(
        "its author claims to be {} <{}>, which exempt_authors `{}` matches, but GitHub links the commit to no account, so the pull-request gate does not take the claim",
        author.name, author.email, pattern.source
    ))
}

/// A subject that starts with the word of a subject exemption but does not match it
/// (`minor: x`, `MINOR - x` for `^MINOR:`): the pattern and the subject as it expects it.
fn subject_near_miss(subject: &[u8], policy: &Policy) -> Option<(String, String)> {
    let line = String::from_utf8_lossy(subject);
    let word_end = line
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(line.len());
    let (word, rest) = line.split_at(word_end);
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || ":;-–—".contains(c));
    policy.exempt_subjects.iter().find_map(|(source, regex)| {
        let literal: String = source
            .trim_start_matches('^')
            .chars()
            .take_while(|c| !".[](){}*+?|\\$".contains(*c))
            .collect();
        let literal_word: String = literal
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        if word.is_empty() || !word.eq_ignore_ascii_case(&literal_word) {
            return None;
        }
        let separator = if literal.len() > literal_word.len() {
            " "
        } else {
            ": "
        };
        let example = format!("{}{separator}{rest}", literal.trim_end());
        regex.is_match(&example).then(|| (source.clone(), example))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, Source};
    use crate::report::Subject;

    fn run(policy_toml: &str, message: &str, parents: Option<usize>) -> Vec<Finding> {
        run_by(policy_toml, message, parents, None).0
    }

    fn run_by(
        policy_toml: &str,
        message: &str,
        parents: Option<usize>,
        author: Option<AuthorFacts>,
    ) -> (Vec<Finding>, Option<Exempted>) {
        let policy = Policy::from_toml(policy_toml, "policy.toml", Source::Default).unwrap();
        let subject = Subject::Message {
            source: "-".into(),
            summary: "s".into(),
        };
        let facts = MessageFacts {
            subject: &subject,
            message: message.as_bytes(),
            parent_count: parents,
            encoding: None,
            author,
        };
        let mut out = Vec::new();
        let exempted = check(&facts, &policy, &mut out);
        (out, exempted)
    }

    const KAFKA: &str = "[commits]\nexempt_subjects = [\"^MINOR:\", \"^HOTFIX\"]\nexempt_authors = [\"dependabot[bot]\", \"*[bot]@users.noreply.github.com\"]\n";

    fn author<'a>(name: &'a str, email: &'a str, account: ForgeAccount<'a>) -> AuthorFacts<'a> {
        AuthorFacts {
            name,
            email,
            account,
        }
    }

    #[test]
    fn subject_exemptions_say_which_pattern_let_the_commit_through() {
        let (out, exempted) = run_by(KAFKA, "MINOR: fix a typo", Some(1), None);
        assert!(out.is_empty());
        let e = exempted.unwrap();
        assert_eq!(
            (e.exemption, e.pattern.as_str()),
            ("exempt_subjects", "^MINOR:")
        );
        assert_eq!(e.matched, "the subject \"MINOR: fix a typo\"");
        assert!(
            run_by(KAFKA, "HOTFIX: revert the broker change", Some(1), None)
                .1
                .is_some()
        );
        // A merge is exempt as a merge first, whatever its subject.
        let merge = run_by(KAFKA, "MINOR: merge", Some(2), None).1.unwrap();
        assert_eq!(
            (merge.exemption, merge.pattern.as_str()),
            ("exempt", "merges")
        );
        // Case-sensitive, as written; the hint says why it did not match.
        let (out, exempted) = run_by(KAFKA, "minor: fix a typo", Some(1), None);
        assert!(exempted.is_none());
        assert_eq!(
            out[0].hint.as_deref(),
            Some(
                "write the subject as the exemption expects, \"MINOR: fix a typo\", or name the issue, e.g. \"PAY-123: minor: fix a typo\""
            )
        );
        let (out, _) = run_by(KAFKA, "MINOR - fix a typo", Some(1), None);
        assert!(
            out[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("\"MINOR: fix a typo\"")
        );
        let (out, _) = run_by(KAFKA, "hotfix the build", Some(1), None);
        assert!(
            out[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("\"HOTFIX: the build\""),
            "{out:?}"
        );
    }

    #[test]
    fn author_exemptions_match_the_claim_locally_and_the_account_on_the_forge() {
        let bot = "49699333+dependabot[bot]@users.noreply.github.com";
        let claimed = author("dependabot[bot]", bot, ForgeAccount::NotAsked);
        let e = run_by(KAFKA, "Bump x from 1 to 2", Some(1), Some(claimed))
            .1
            .unwrap();
        assert_eq!(
            (e.exemption, e.pattern.as_str()),
            ("exempt_authors", "dependabot[bot]")
        );
        // On the forge, the linked account decides, not the name the commit claims.
        let linked = author("Mallory", bot, ForgeAccount::Linked("dependabot[bot]"));
        let e = run_by(KAFKA, "Bump x", Some(1), Some(linked)).1.unwrap();
        assert_eq!(e.matched, "the GitHub account @dependabot[bot]");
        let impostor = author(
            "dependabot[bot]",
            "m@evil.test",
            ForgeAccount::Linked("mallory"),
        );
        assert!(run_by(KAFKA, "Bump x", Some(1), Some(impostor)).1.is_none());
        let unlinked = author("dependabot[bot]", "m@evil.test", ForgeAccount::Unlinked);
        let (out, exempted) = run_by(KAFKA, "Bump x", Some(1), Some(unlinked));
        assert!(exempted.is_none());
        assert!(
            out[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("GitHub links the commit to no account"),
            "{out:?}"
        );
        // `[bot]` is literal text, not a character class; matching ignores case.
        let b = author("b", "x", ForgeAccount::NotAsked);
        assert!(run_by(KAFKA, "Bump", Some(1), Some(b)).1.is_none());
        let upper = author("DEPENDABOT[BOT]", "x", ForgeAccount::NotAsked);
        assert!(run_by(KAFKA, "Bump", Some(1), Some(upper)).1.is_some());
    }

    #[test]
    fn a_lower_case_key_gets_its_upper_case_form_as_the_hint() {
        let f = &run("", "pay-12: fix the login", Some(1))[0];
        assert_eq!(
            f.message,
            "the commit message has no Jira key: `pay-12` is not one, because Jira keys are upper case: expected a Jira key such as PAY-123"
        );
        assert_eq!(
            f.hint.as_deref(),
            Some("write the key in upper case, as Jira does: \"PAY-12: fix the login\"")
        );
        // Not any word-dash-number: `python-3` in the middle is no key.
        let f = &run("", "Move to python-3", Some(1))[0];
        assert!(
            f.hint.as_deref().unwrap().starts_with("start the subject"),
            "{f:?}"
        );
    }

    #[test]
    fn a_key_below_the_subject_is_pointed_at_when_the_subject_needs_one() {
        let f = &run(
            "[commits]\njira_in = \"subject\"",
            "Add API\n\nRefs: PAY-7",
            Some(1),
        )[0];
        assert_eq!(
            f.hint.as_deref(),
            Some(
                "PAY-7 stands below the subject line, and jira_in = \"subject\": start the subject with it, e.g. \"PAY-7: Add API\""
            )
        );
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, Option<usize>, bool)] = &[
            // (policy, message, parents, passes)
            ("", "PAY-456: Add payment API", Some(1), true),
            ("", "Add payment API\n\nRefs: PAY-456", Some(1), true),
            ("", "Add payment API", Some(1), false),
            // A byte order mark (Windows editors) is not a word character before the key,
            // in the subject or the whole message; elsewhere a non-ASCII letter still is.
            ("", "\u{FEFF}PAY-456: Add payment API\r\n", Some(1), true),
            (
                "[commits]\njira_in = \"subject\"",
                "\u{FEFF}PAY-456: x",
                Some(1),
                true,
            ),
            ("", "\u{FEFF}Add payment API", Some(1), false),
            ("", "\u{FEFF}\u{FEFF}PAY-456: x", Some(1), false),
            ("", "\u{FEFF}fixup! Add API", Some(1), true),
            ("", "Bump UTF-8 handling to SHA-256", Some(1), false),
            (
                "[commits]\njira_in = \"subject\"",
                "Add API\n\nPAY-1",
                Some(1),
                false,
            ),
            (
                "[commits]\njira_projects = [\"OPS\"]",
                "PAY-1: x",
                Some(1),
                false,
            ),
            (
                "[commits]\njira_projects = [\"OPS\"]",
                "OPS-1: x",
                Some(1),
                true,
            ),
            // Merges by parent count, not by text.
            ("", "Merge branch 'x'", Some(2), true),
            ("", "Merge branch 'x'", Some(1), false),
            ("[commits]\nexempt = []", "Merge branch 'x'", Some(2), false),
            ("", "Revert \"PAY-1: x\"", Some(1), true),
            (
                "[commits]\nexempt = [\"merges\"]",
                "Revert \"thing\"",
                Some(1),
                false,
            ),
            ("", "fixup! thing", Some(1), true),
            ("", "squash! thing", Some(1), true),
            (
                "[commits]\nexempt = [\"merges\"]",
                "fixup! thing",
                Some(1),
                false,
            ),
            ("[commits]\nrequire_jira = false", "anything", Some(1), true),
        ];
        for (policy, message, parents, passes) in cases {
            let findings = run(policy, message, *parents);
            assert_eq!(
                findings.is_empty(),
                *passes,
                "{policy:?} / {message:?}: {findings:?}"
            );
            if let Some(f) = findings.first() {
                assert_eq!(f.rule, "commit-jira");
            }
        }
    }

    #[test]
    fn the_message_says_what_was_expected() {
        let f = &run("[commits]\njira_projects = [\"OPS\"]", "Add API", Some(1))[0];
        assert_eq!(
            f.message,
            "the commit message has no Jira key: expected a Jira key of project OPS"
        );
        assert_eq!(
            f.hint.as_deref(),
            Some("start the subject with the issue, e.g. \"OPS-123: Add API\"")
        );
    }
}
