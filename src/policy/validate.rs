//! Checks what serde cannot: patterns compile, referenced roles and environments exist,
//! the promotion chain has no cycle, times and durations parse. All problems are
//! collected, so one run of `reltag check policy` shows every mistake in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::pattern::{AuthorPattern, NamePattern, TagFormat, check_template, user_regex};
use super::schema::{Criterion, PolicyFile};
use super::{Environment, Invalid, Policy, Problem, Source};

/// More structural problems than this in one file are not worth listing one by one.
const MAX_STRUCTURAL_PROBLEMS: usize = 200;

/// Reads the file into the schema, collecting every structural problem (an unknown key, a
/// wrong type, a missing field) rather than stopping at the first: each problem's entry is
/// taken out of the document and the rest is read again. Syntax errors are all reported
/// and nothing is read, since the document itself is uncertain.
///
/// On success, returns the file (without the entries that had problems) and the problems
/// found, which make the policy invalid but let validation report the rest too.
pub(super) fn deserialize(text: &str) -> Result<Read, Vec<Problem>> {
    let problem = |e: &toml::de::Error| {
        Problem::at(
            text,
            e.span().unwrap_or(0..0),
            with_suggestion(e.message().trim_end()),
        )
    };
    let (mut doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let mut problems: Vec<Problem> = errors.iter().map(problem).collect();
        problems.dedup_by(|a, b| (a.line, a.column) == (b.line, b.column));
        return Err(problems);
    }
    let mut problems = Vec::new();
    loop {
        match PolicyFile::deserialize(doc.clone().into_deserializer()) {
            Ok(file) => {
                let environment_order = environment_order(&doc);
                return Ok(Read {
                    file,
                    problems,
                    environment_order,
                });
            }
            Err(e) => {
                problems.push(problem(&e));
                let removed = e.span().is_some_and(|span| remove_at(doc.get_mut(), &span));
                if !removed || problems.len() >= MAX_STRUCTURAL_PROBLEMS {
                    return Err(problems);
                }
            }
        }
    }
}

/// What [`deserialize`] read.
pub(super) struct Read {
    pub file: PolicyFile,
    /// Problems that make the policy invalid but let validation report the rest too.
    pub problems: Vec<Problem>,
    /// The keys of `[environments]` in the file's order (the schema keeps them sorted): the
    /// order a team reads its promotion path in.
    pub environment_order: Vec<String>,
}

fn environment_order(doc: &Spanned<DeTable<'_>>) -> Vec<String> {
    let Some(DeValue::Table(table)) = doc.get_ref().get("environments").map(|v| v.get_ref()) else {
        return Vec::new();
    };
    let mut keys: Vec<(usize, String)> = table
        .keys()
        .map(|k| (k.span().start, k.get_ref().to_string()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, name)| name).collect()
}

/// serde's "unknown field `tagz`, expected one of `version`, …" with "did you mean `tags`?"
/// when one of the expected names is a typo away.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message.to_string();
    };
    let Some((given, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| (edit_distance(given, name), name))
        .filter(|(d, name)| *d <= 2 && *d < name.len().min(given.len()))
        .min();
    match best {
        Some((_, name)) => format!("{message}: did you mean `{name}`?"),
        None => message.to_string(),
    }
}

/// Levenshtein distance, for suggestions between short key names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Removes the innermost entry (a key with its value, or an array element) whose key is
/// at `span` or whose value covers it. Returns whether one was removed.
fn remove_at(table: &mut DeTable<'_>, span: &Range<usize>) -> bool {
    let mut found = None;
    for (key, value) in table.iter_mut() {
        if remove_inside(value.get_mut(), span) {
            return true;
        }
        if key.span() == *span || covers(value.span(), span) {
            found = Some(key.get_ref().to_string());
            break;
        }
    }
    found.is_some_and(|key| table.remove(key.as_str()).is_some())
}

fn remove_in_array(items: &mut DeArray<'_>, span: &Range<usize>) -> bool {
    let mut found = None;
    for (i, item) in items.iter_mut().enumerate() {
        if remove_inside(item.get_mut(), span) {
            return true;
        }
        if covers(item.span(), span) {
            found = Some(i);
            break;
        }
    }
    let Some(index) = found else {
        return false;
    };
    let mut kept = DeArray::new();
    for (i, item) in items.iter().enumerate() {
        if i != index {
            kept.push(item.clone());
        }
    }
    *items = kept;
    true
}

/// Removes the entry at `span` from inside a table or an array value.
fn remove_inside(value: &mut DeValue<'_>, span: &Range<usize>) -> bool {
    match value {
        DeValue::Table(inner) => remove_at(inner, span),
        DeValue::Array(items) => remove_in_array(items, span),
        _ => false,
    }
}

fn covers(outer: Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

struct Checker<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn report<T>(&mut self, spanned: &Spanned<T>, message: String) {
        self.problems
            .push(Problem::at(self.text, spanned.span(), message));
    }
}

pub(super) fn validate(
    read: Read,
    text: &str,
    display_path: &str,
    source: Source,
) -> Result<Policy, Invalid> {
    let Read {
        file,
        problems: structural,
        environment_order,
    } = read;
    let mut c = Checker {
        text,
        problems: structural,
    };

    if *file.version.get_ref() != 1 {
        c.report(
            &file.version,
            format!(
                "unsupported policy version {}: expected 1",
                file.version.get_ref()
            ),
        );
    }

    let jira_projects: Vec<String> = file
        .commits
        .jira_projects
        .iter()
        .map(|p| p.get_ref().clone())
        .collect();
    for project in &file.commits.jira_projects {
        if !is_jira_project_key(project.get_ref()) {
            c.report(
                project,
                format!(
                    "invalid Jira project key `{}`: expected an uppercase letter followed by uppercase letters, digits or `_` (e.g. PAY)",
                    project.get_ref()
                ),
            );
        }
    }
    let jira_key = Policy::jira_key_regex(&jira_projects);

    let compile_names =
        |c: &mut Checker, list: &[Spanned<String>], what: &str| -> Vec<NamePattern> {
            list.iter()
                .filter_map(|p| match NamePattern::compile(p.get_ref(), &jira_key) {
                    Ok(compiled) => Some(compiled),
                    Err(e) => {
                        c.report(p, format!("invalid {what} pattern: {e}"));
                        None
                    }
                })
                .collect()
        };
    let allowed_branches = compile_names(&mut c, &file.branches.allowed, "branch");
    let protected_branches = compile_names(&mut c, &file.branches.protected, "branch");

    let subject_pattern = file
        .commits
        .subject_pattern
        .as_ref()
        .and_then(|p| compile_regex(&mut c, p));
    let exempt_subjects: Vec<(String, regex::Regex)> = file
        .commits
        .exempt_subjects
        .iter()
        .filter_map(|p| Some((p.get_ref().clone(), compile_regex(&mut c, p)?)))
        .collect();
    let exempt_authors: Vec<AuthorPattern> = file
        .commits
        .exempt_authors
        .iter()
        .filter_map(|p| match AuthorPattern::compile(p.get_ref()) {
            Ok(pattern) => Some(pattern),
            Err(e) => {
                c.report(p, format!("invalid author pattern: {e}"));
                None
            }
        })
        .collect();
    let protected_tags = compile_names(&mut c, &file.tags.protected, "tag");
    let mut warnings = exemption_warnings(text, &file);
    warnings.extend(path_rule_warnings(text, &file));

    let tag_format = match TagFormat::compile(file.tags.format.get_ref()) {
        Ok(f) => Some(f),
        Err(e) => {
            c.report(&file.tags.format, format!("invalid tag format: {e}"));
            None
        }
    };
    let templates = &file.tags.release_branch.get_ref().0;
    if templates.is_empty() {
        c.report(
            &file.tags.release_branch,
            "no release branch template: expected one, such as \"release/v{major}.{minor}\""
                .to_string(),
        );
    }
    for template in templates {
        if let Err(e) = check_template(template) {
            c.report(
                &file.tags.release_branch,
                format!("invalid release branch template `{template}`: {e}"),
            );
        }
    }
    let approval = &file.pull_requests.subject_exemptions_need_approval;
    if *approval.get_ref() && file.pull_requests.policy_approvers.is_empty() {
        c.report(
            approval,
            "subject_exemptions_need_approval needs someone to approve: expected roles in [pull_requests] policy_approvers".to_string(),
        );
    }

    let path_rules = path_rules(&mut c, &file);
    check_roles(&mut c, &file);
    check_release(&mut c, &file);
    let environments = check_environments(&mut c, &file, &environment_order);
    check_ledger(&mut c, &file);
    check_separation(&mut c, &file);
    check_notify(&mut c, &file);

    if let Some(prefix) = &file.emergency.jira_prefix
        && !is_jira_project_key(prefix)
    {
        // Not spanned (a plain string); point at the [emergency] table's key by search.
        let span = find_span(text, "jira_prefix");
        c.problems.push(Problem::at(
            text,
            span,
            format!("invalid emergency jira_prefix `{prefix}`: expected a Jira project key such as HOTFIX"),
        ));
    }

    if !c.problems.is_empty() {
        c.problems.sort_by_key(|p| (p.line, p.column));
        return Err(Invalid {
            path: display_path.to_string(),
            problems: c.problems,
        });
    }
    Ok(Policy {
        file,
        source,
        allowed_branches,
        protected_branches,
        tag_format: tag_format.expect("no problems means the tag format compiled"),
        subject_pattern,
        jira_projects,
        exempt_subjects,
        exempt_authors,
        protected_tags,
        path_rules,
        environments,
        warnings,
    })
}

/// `[[pull_requests.rules]]`: patterns that compile (CODEOWNERS syntax), at least one
/// approval asked. Their roles are checked with the others (`check_roles`).
fn path_rules(c: &mut Checker, file: &PolicyFile) -> Vec<crate::owners::PathRule> {
    let mut rules = Vec::new();
    for (index, spec) in file.pull_requests.rules.iter().enumerate() {
        let mut paths = Vec::new();
        for path in spec.paths.get_ref() {
            match crate::owners::PathPattern::parse(path.get_ref()) {
                Ok(pattern) => paths.push(pattern),
                Err(e) => c.report(path, format!("invalid path pattern: {e}")),
            }
        }
        if spec.paths.get_ref().is_empty() {
            c.report(
                &spec.paths,
                format!(
                    "[[pull_requests.rules]] #{} has no paths: expected patterns such as paths = [\"db/\"]",
                    index + 1
                ),
            );
        }
        if *spec.min_approvals.get_ref() == 0 {
            c.report(
                &spec.min_approvals,
                "min_approvals = 0 asks for nothing: expected 1 or more".to_string(),
            );
        }
        rules.push(crate::owners::PathRule {
            number: index + 1,
            paths,
            approvers: super::names(&spec.approvers),
            min_approvals: *spec.min_approvals.get_ref(),
        });
    }
    rules
}

/// A user regular expression; a problem is reported at the pattern's text, underlining
/// the part the regex parser blames when the TOML string holds the pattern verbatim.
fn compile_regex(c: &mut Checker, pattern: &Spanned<String>) -> Option<regex::Regex> {
    match user_regex(pattern.get_ref()) {
        Ok(regex) => Some(regex),
        Err(e) => {
            let span = e
                .chars
                .as_ref()
                .and_then(|chars| span_in_string(c.text, pattern, chars))
                .unwrap_or_else(|| pattern.span());
            c.problems.push(Problem::at(
                c.text,
                span,
                format!("invalid regular expression: {}", e.message),
            ));
            None
        }
    }
}

/// The bytes of the file that hold characters `chars` of a string value, when the TOML
/// string is the value verbatim (a literal string, or a basic string without escapes).
fn span_in_string(
    text: &str,
    value: &Spanned<String>,
    chars: &Range<usize>,
) -> Option<Range<usize>> {
    let raw = text.get(value.span())?;
    let inner = raw.get(1..raw.len().checked_sub(1)?)?;
    if !(raw.starts_with('\'') || raw.starts_with('"')) || inner != value.get_ref() {
        return None;
    }
    let start = value.span().start + 1;
    let byte = |n: usize| inner.char_indices().nth(n).map_or(inner.len(), |(i, _)| i);
    Some(start + byte(chars.start)..start + byte(chars.end.max(chars.start + 1)))
}

/// What a valid policy risks: exemptions anyone can claim.
fn exemption_warnings(text: &str, file: &PolicyFile) -> Vec<Problem> {
    let mut warnings = Vec::new();
    let commits = &file.commits;
    let reviewed = *file
        .pull_requests
        .subject_exemptions_need_approval
        .get_ref();
    for pattern in &commits.exempt_subjects {
        let p = pattern.get_ref();
        let mut risk = if reviewed {
            None
        } else {
            Some(format!(
                "anyone can type a subject matching `{p}` to skip the Jira key: set [pull_requests] subject_exemptions_need_approval = true so that the pull-request gate asks a policy approver"
            ))
        };
        if !p.starts_with('^') {
            risk = Some(format!(
                "`{p}` is not anchored with `^`: it exempts every subject that contains it anywhere{}",
                if reviewed {
                    String::new()
                } else {
                    "; and anyone can type such a subject".to_string()
                }
            ));
        }
        if let Some(message) = risk {
            warnings.push(Problem::at(text, pattern.span(), message));
        }
    }
    if let Some(first) = commits.exempt_authors.first() {
        warnings.push(Problem::at(
            text,
            first.span(),
            "on developers' machines a commit's author is whatever the commit claims (`git commit --author`); only the pull-request gate matches exempt_authors against the author's account on the forge".to_string(),
        ));
    }
    warnings
}

/// A path rule whose approvers have no GitHub login can never be satisfied: reviews are
/// given by accounts, and a role's emails name none.
fn path_rule_warnings(text: &str, file: &PolicyFile) -> Vec<Problem> {
    let mut warnings = Vec::new();
    for rule in &file.pull_requests.rules {
        for role in &rule.approvers {
            let Some(members) = file.roles.get(role.get_ref()) else {
                continue; // an unknown role is an error of its own
            };
            if !members.iter().any(|m| m.get_ref().trim().starts_with('@')) {
                warnings.push(Problem::at(
                    text,
                    role.span(),
                    format!(
                        "role `{}` has no GitHub login (@login) among its members: no review can count as its approval, so every pull request this rule applies to is blocked",
                        role.get_ref()
                    ),
                ));
            }
        }
    }
    warnings
}

fn check_roles(c: &mut Checker, file: &PolicyFile) {
    for (role, members) in &file.roles {
        for member in members {
            let m = member.get_ref();
            let ok = match m.strip_prefix('@') {
                Some(login) => is_github_login(login),
                None => m.contains('@') && !m.starts_with('@') && !m.ends_with('@'),
            };
            if !ok {
                c.report(
                    member,
                    format!(
                        "invalid member `{m}` of role `{role}`: expected an email (qa@example.com) or a GitHub login (@octocat)"
                    ),
                );
            }
        }
    }
    let mut refs: Vec<(&Spanned<String>, String)> = Vec::new();
    for r in &file.release.approvals.roles {
        refs.push((r, "[release.approvals] roles".to_string()));
    }
    for r in &file.pull_requests.policy_approvers {
        refs.push((r, "[pull_requests] policy_approvers".to_string()));
    }
    for r in &file.emergency.approvers {
        refs.push((r, "[emergency] approvers".to_string()));
    }
    for r in &file.ledger.admins {
        refs.push((r, "[ledger] admins".to_string()));
    }
    for (index, rule) in file.pull_requests.rules.iter().enumerate() {
        for r in &rule.approvers {
            refs.push((
                r,
                format!("[[pull_requests.rules]] #{} approvers", index + 1),
            ));
        }
    }
    for (name, env) in &file.environments {
        for r in &env.approvals {
            refs.push((r, format!("[environments.{name}] approvals")));
        }
        for r in &env.deployers {
            refs.push((r, format!("[environments.{name}] deployers")));
        }
    }
    for (role, place) in refs {
        if !file.roles.contains_key(role.get_ref()) {
            let known = if file.roles.is_empty() {
                "no roles are defined: add it under [roles]".to_string()
            } else {
                format!(
                    "expected one of the roles under [roles]: {}",
                    file.roles.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            c.report(
                role,
                format!("unknown role `{}` in {place}: {known}", role.get_ref()),
            );
        }
    }
}

/// `[ledger]`'s signing keys: files inside the repository, fingerprints that are
/// fingerprints, and something to verify with when signatures are required.
fn check_ledger(c: &mut Checker, file: &PolicyFile) {
    let ledger = &file.ledger;
    for path in [
        &ledger.allowed_signers,
        &ledger.revoked_signers,
        &ledger.openpgp_keys,
    ]
    .into_iter()
    .flatten()
    {
        if let Err(reason) = repository_path(path.get_ref()) {
            c.report(path, format!("invalid path `{}`: {reason}", path.get_ref()));
        }
    }
    if *ledger.require_signed.get_ref() && !ledger.names_keys() {
        c.report(
            &ledger.require_signed,
            "require_signed needs keys to verify with: expected `allowed_signers = \".reltag/allowed_signers\"` or members under [ledger.openpgp]".to_string(),
        );
    }
    for fingerprints in ledger.openpgp.values() {
        for fingerprint in fingerprints {
            let hex: String = fingerprint
                .get_ref()
                .chars()
                .filter(|c| *c != ' ')
                .collect();
            if !(hex.len() == 40 || hex.len() == 64) || !hex.chars().all(|c| c.is_ascii_hexdigit())
            {
                c.report(
                    fingerprint,
                    format!(
                        "invalid OpenPGP fingerprint `{}`: expected 40 (or 64) hex digits, as `gpg --fingerprint` prints them",
                        fingerprint.get_ref()
                    ),
                );
            }
        }
    }
}

/// `[[notify.targets]]`: an email target names its server, its sender and its
/// recipients, each well formed; the web targets take none of those keys.
fn check_notify(c: &mut Checker, file: &PolicyFile) {
    use super::schema::NotifyKind;
    for target in &file.notify.targets {
        let email = *target.kind.get_ref() == NotifyKind::Email;
        if !email {
            if let Some(key) = target
                .smtp
                .as_ref()
                .or(target.from.as_ref())
                .or(target.to.first())
            {
                c.report(
                    key,
                    format!(
                        "`smtp`, `from` and `to` are for `kind = \"email\"`; target `{}` posts to a URL",
                        target.name
                    ),
                );
            }
            continue;
        }
        match &target.smtp {
            Some(smtp) => {
                if let Err(reason) = crate::notify::email::server(smtp.get_ref()) {
                    c.report(
                        smtp,
                        format!("invalid SMTP server `{}`: {reason}", smtp.get_ref()),
                    );
                }
            }
            None => c.report(
                &target.kind,
                format!(
                    "email target `{}` needs `smtp = \"host:port\"`",
                    target.name
                ),
            ),
        }
        match &target.from {
            Some(from) => {
                if let Err(reason) = crate::notify::email::mailbox(from.get_ref()) {
                    c.report(
                        from,
                        format!("invalid sender `{}`: {reason}", from.get_ref()),
                    );
                }
            }
            None => c.report(
                &target.kind,
                format!(
                    "email target `{}` needs `from = \"reltag <releases@example.com>\"`",
                    target.name
                ),
            ),
        }
        if target.to.is_empty() {
            c.report(
                &target.kind,
                format!(
                    "email target `{}` needs `to = [\"team@example.com\"]`",
                    target.name
                ),
            );
        }
        for to in &target.to {
            if let Err(reason) = crate::notify::email::mailbox(to.get_ref()) {
                c.report(
                    to,
                    format!("invalid recipient `{}`: {reason}", to.get_ref()),
                );
            }
        }
    }
}

/// A path the policy names inside the repository: relative, `/`-separated, no `..`.
fn repository_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("empty");
    }
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return Err("expected a path relative to the repository's root, with `/`");
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err("expected a plain path inside the repository (no `.`, `..` or `//`)");
    }
    Ok(())
}

/// `[separation.people]`: each name an email or a login, and nobody's name twice.
fn check_separation(c: &mut Checker, file: &PolicyFile) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (person, names) in &file.separation.people {
        seen.insert(person.to_ascii_lowercase(), person.clone());
        for name in names {
            let n = name.get_ref();
            let ok = match n.strip_prefix('@') {
                Some(login) => is_github_login(login),
                None => n.contains('@') && !n.ends_with('@'),
            };
            if !ok {
                c.report(
                    name,
                    format!("invalid name `{n}` of {person}: expected an email or a GitHub login (@octocat)"),
                );
            } else if let Some(other) = seen.insert(n.to_ascii_lowercase(), person.clone())
                && other != *person
            {
                c.report(
                    name,
                    format!("`{n}` is named for both {other} and {person}: one name, one person"),
                );
            }
        }
    }
}

fn check_release(c: &mut Checker, file: &PolicyFile) {
    let release = &file.release;
    let mut seen = BTreeSet::new();
    for criterion in &release.criteria {
        if !seen.insert(*criterion.get_ref()) {
            c.report(criterion, "criterion listed twice".to_string());
        }
        match criterion.get_ref() {
            Criterion::Bugs if release.bugs.jql.is_none() => c.report(
                criterion,
                "criterion `bugs` needs a query: expected `jql = \"…\"` under [release.bugs]"
                    .to_string(),
            ),
            Criterion::Command if release.command.argv.is_empty() => c.report(
                criterion,
                "criterion `command` needs a program: expected `argv = [\"make\", \"check\"]` under [release.command]"
                    .to_string(),
            ),
            Criterion::Approvals if release.approvals.roles.is_empty() => c.report(
                criterion,
                "criterion `approvals` needs roles: expected `roles = [\"qa-lead\"]` under [release.approvals]"
                    .to_string(),
            ),
            _ => {}
        }
    }
    let min = *release.coverage.min_percent.get_ref();
    if !(0.0..=100.0).contains(&min) {
        c.report(
            &release.coverage.min_percent,
            format!("coverage min_percent {min} is out of range: expected a number from 0 to 100"),
        );
    }
    for threshold in [
        &release.perf.p95_ms,
        &release.perf.p99_ms,
        &release.perf.max_error_percent,
    ]
    .into_iter()
    .flatten()
    {
        let v = *threshold.get_ref();
        if !v.is_finite() || v < 0.0 {
            c.report(
                threshold,
                format!("threshold {v} is invalid: expected a number ≥ 0"),
            );
        }
    }
    for path in &release.docs.paths {
        if path.get_ref().trim().is_empty() {
            c.report(
                path,
                "empty docs path: expected a file or glob such as docs/**".to_string(),
            );
        }
    }
}

/// Checks every environment and returns them parsed, in `order` (the file's; any other
/// after it, sorted).
fn check_environments(c: &mut Checker, file: &PolicyFile, order: &[String]) -> Vec<Environment> {
    let envs = &file.environments;
    let mut parsed = Vec::new();
    for (name, env) in envs {
        if let Some(from) = &env.from {
            if !envs.contains_key(from.get_ref()) {
                c.report(
                    from,
                    format!(
                        "unknown environment `{}` in [environments.{name}] from: expected one of {}",
                        from.get_ref(),
                        envs.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
            } else if from.get_ref() == name {
                c.report(
                    from,
                    format!("environment `{name}` cannot come from itself"),
                );
            }
        }
        let zone = match crate::schedule::time_zone(env.timezone.get_ref()) {
            Ok(zone) => Some(zone),
            Err(e) => {
                c.report(&env.timezone, format!("{e}"));
                None
            }
        };
        let mut windows = Vec::new();
        for window in &env.windows {
            match window.get_ref().parse::<crate::schedule::Window>() {
                Ok(parsed) => windows.push(parsed),
                Err(e) => c.report(
                    window,
                    format!("invalid window \"{}\": {e}", window.get_ref()),
                ),
            }
        }
        let mut duration = |key: &str, value: &Option<Spanned<String>>| {
            let d = value.as_ref()?;
            match crate::schedule::parse_duration(d.get_ref()) {
                Ok(parsed) => Some(parsed),
                Err(e) => {
                    c.report(d, format!("invalid {key} \"{}\": {e}", d.get_ref()));
                    None
                }
            }
        };
        let notice = duration("notice", &env.notice);
        let soak = duration("soak", &env.soak);
        let mut freezes = Vec::new();
        for freeze in zone
            .iter()
            .flat_map(|zone| env.freezes.iter().map(move |f| (zone, f)))
        {
            let (zone, freeze) = freeze;
            let f = freeze.get_ref();
            match crate::schedule::Freeze::parse(&f.start, &f.end, f.reason.clone(), zone) {
                Ok(parsed) => freezes.push(parsed),
                Err(e) => c.report(freeze, format!("invalid freeze: {e}")),
            }
        }
        // Only a policy without problems is used: what failed to parse is reported above.
        if let Some(zone) = zone {
            parsed.push(Environment {
                name: name.clone(),
                settings: env.clone(),
                calendar: crate::schedule::Calendar::new(zone, windows, freezes),
                notice,
                soak,
            });
        }
    }
    let rank = |name: &str| order.iter().position(|n| n == name).unwrap_or(order.len());
    // A stable sort: what the file's order does not name keeps the map's sorted order.
    parsed.sort_by_key(|e| rank(&e.name));
    // A `from` chain must end: prod ← staging ← test, never back to prod.
    let mut reported = BTreeSet::new();
    for start in envs.keys() {
        let mut path: Vec<&str> = vec![start];
        let mut current = start.as_str();
        while let Some(next) = envs
            .get(current)
            .and_then(|e| e.from.as_ref())
            .map(|f| f.get_ref().as_str())
        {
            if !envs.contains_key(next) {
                break;
            }
            if let Some(pos) = path.iter().position(|p| *p == next) {
                let mut cycle: Vec<&str> = path[pos..].to_vec();
                cycle.push(next);
                let key: BTreeSet<&str> = cycle.iter().copied().collect();
                if reported.insert(key.into_iter().collect::<Vec<_>>().join(",")) {
                    let from = envs[current].from.as_ref().expect("walked through it");
                    c.report(
                        from,
                        format!(
                            "environments form a cycle through `from`: {}: expected a chain that ends",
                            cycle.join(" ← ")
                        ),
                    );
                }
                break;
            }
            path.push(next);
            current = next;
        }
    }
    parsed
}

fn is_jira_project_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_uppercase()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

fn is_github_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 39
        && !login.starts_with('-')
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '[' || c == ']')
}

/// The span of the first `key =` in the text (for values that are not `Spanned`).
fn find_span(text: &str, key: &str) -> std::ops::Range<usize> {
    text.find(key).map_or(0..0, |i| i..i + key.len())
}

#[cfg(test)]
mod tests {
    use super::super::{Policy, Source};

    fn problems(text: &str) -> Vec<String> {
        match Policy::from_toml(text, "policy.toml", Source::Default) {
            Ok(_) => Vec::new(),
            Err(invalid) => invalid
                .problems
                .iter()
                .map(|p| format!("{}:{} {}", p.line, p.column, p.message))
                .collect(),
        }
    }

    #[test]
    fn every_structural_problem_is_listed_not_only_the_first() {
        let text = "version = 1\n[branches]\nalowed = [\"main\"]\n[commits]\nrequire_jira = \"yes\"\nexempt = [\"merges\", \"bots\"]\n[tagz]\nx = 1\n[environments.prod]\nwindows = [\"Tues 18:00-21:00\"]\nfreezes = [{ start = \"2026-12-21\" }]\n";
        let found = problems(text);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(
            found[0].starts_with("3:1 unknown field `alowed`"),
            "{found:#?}"
        );
        assert!(found[1].starts_with("5:16 invalid type: string \"yes\", expected a boolean"));
        assert!(
            found[2].starts_with("6:21 unknown variant `bots`"),
            "{found:#?}"
        );
        assert!(
            found[3].starts_with("7:2 unknown field `tagz`"),
            "{found:#?}"
        );
        // Validation still runs on what could be read.
        assert!(found[4].starts_with("10:12 invalid window"), "{found:#?}");
        assert!(
            found[5].starts_with("11:12 missing field `end`"),
            "{found:#?}"
        );
    }

    #[test]
    fn ledger_keys_and_separation_names_are_reported_at_their_place() {
        let text = "[ledger]\nrequire_signed = true\nrevoked_signers = \"../keys\"\n[ledger.openpgp]\n\"qa@example.com\" = [\"ABCD\"]\n[separation.people]\n\"ann@example.com\" = [\"@ann\", \"nobody\"]\n\"bob@example.com\" = [\"@ann\"]\n";
        let found = problems(text);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with("3:19 invalid path `../keys`: expected a plain path"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("5:21 invalid OpenPGP fingerprint `ABCD`"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("7:30 invalid name `nobody` of ann@example.com"),
            "{found:#?}"
        );
        assert!(
            found[3]
                .starts_with("8:22 `@ann` is named for both ann@example.com and bob@example.com"),
            "{found:#?}"
        );
        // Signatures required with nothing to verify them with.
        let found = problems("[ledger]\nrequire_signed = true\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("2:18 require_signed needs keys to verify with"),
            "{found:#?}"
        );
    }

    #[test]
    fn syntax_errors_are_reported_without_reading_further() {
        let found = problems("[branches\nallowed = [\"main\"]\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with("1:10 "), "{found:#?}");
    }

    #[test]
    fn a_bad_regex_is_one_line_pointing_at_the_culprit() {
        let text = "[commits]\nsubject_pattern = '^(feat|fix'\n";
        let invalid = Policy::from_toml(text, "policy.toml", Source::Default).unwrap_err();
        let p = &invalid.problems[0];
        assert_eq!(
            p.message,
            "invalid regular expression: unclosed group (at character 2 of the pattern)"
        );
        assert!(!p.message.contains('\n'));
        assert_eq!((p.line, p.column, p.text.as_str()), (2, 21, "("));
        // A basic string with escapes: the whole value is underlined.
        let text = "[commits]\nexempt_subjects = [\"^\\\\d(\"]\n";
        let invalid = Policy::from_toml(text, "policy.toml", Source::Default).unwrap_err();
        assert_eq!(invalid.problems[0].text, "\"^\\\\d(\"");
    }

    #[test]
    fn release_branch_takes_one_template_or_a_list() {
        let one = Policy::from_toml(
            "[tags]\nrelease_branch = \"release/{major}.{minor}.x\"",
            "p",
            Source::Default,
        )
        .unwrap();
        let v = semver::Version::new(1, 2, 3);
        assert_eq!(one.release_branches(&v), ["release/1.2.x"]);
        let default = Policy::from_toml("", "p", Source::Default).unwrap();
        assert_eq!(
            default.release_branches(&v),
            ["release/v1.2.3", "release/v1.2"]
        );
        assert_eq!(
            problems("[tags]\nrelease_branch = []"),
            ["2:18 no release branch template: expected one, such as \"release/v{major}.{minor}\""]
        );
        assert!(
            problems("[tags]\nrelease_branch = [\"r/{x}\"]")[0]
                .contains("unknown placeholder `{x}`")
        );
        assert!(problems("[tags]\nrelease_branch = 3")[0].contains("expected a branch template"));
    }

    #[test]
    fn exemptions_compile_and_their_risks_are_warnings() {
        let p = Policy::from_toml(
            "[commits]\nexempt_subjects = [\"^MINOR:\", \"HOTFIX\"]\nexempt_authors = [\"dependabot[bot]\"]\n",
            "p",
            Source::Default,
        )
        .unwrap();
        let warnings: Vec<String> = p
            .warnings
            .iter()
            .map(|w| format!("{}:{} {}", w.line, w.column, w.message))
            .collect();
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("2:20 anyone can type a subject matching `^MINOR:`"),
            "{warnings:#?}"
        );
        assert!(
            warnings[1].starts_with("2:31 `HOTFIX` is not anchored"),
            "{warnings:#?}"
        );
        assert!(
            warnings[2].starts_with("3:19 on developers' machines"),
            "{warnings:#?}"
        );
        assert!(
            problems("[commits]\nexempt_authors = [\"*\"]")[0]
                .contains("would exempt every author")
        );
        assert_eq!(
            problems("[pull_requests]\nsubject_exemptions_need_approval = true"),
            [
                "2:36 subject_exemptions_need_approval needs someone to approve: expected roles in [pull_requests] policy_approvers"
            ]
        );
    }
}
