//! Checks what serde cannot: patterns compile, referenced roles and environments exist,
//! the promotion chain has no cycle, times and durations parse. All problems are
//! collected, so one run of `reltag check policy` shows every mistake in the file.

use std::collections::BTreeSet;

use toml::Spanned;

use super::pattern::{NamePattern, TagFormat, check_template, user_regex};
use super::schema::{Criterion, PolicyFile};
use super::{Invalid, Policy, Problem, Source};

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
    file: PolicyFile,
    text: &str,
    display_path: &str,
    source: Source,
) -> Result<Policy, Invalid> {
    let mut c = Checker {
        text,
        problems: Vec::new(),
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

    let compile_names = |c: &mut Checker, list: &[Spanned<String>]| -> Vec<NamePattern> {
        list.iter()
            .filter_map(|p| match NamePattern::compile(p.get_ref(), &jira_key) {
                Ok(compiled) => Some(compiled),
                Err(e) => {
                    c.report(p, format!("invalid branch pattern: {e}"));
                    None
                }
            })
            .collect()
    };
    let allowed_branches = compile_names(&mut c, &file.branches.allowed);
    let protected_branches = compile_names(&mut c, &file.branches.protected);

    let subject_pattern = file.commits.subject_pattern.as_ref().and_then(|p| {
        user_regex(p.get_ref())
            .map_err(|e| c.report(p, format!("invalid regular expression: {e}")))
            .ok()
    });

    let tag_format = match TagFormat::compile(file.tags.format.get_ref()) {
        Ok(f) => Some(f),
        Err(e) => {
            c.report(&file.tags.format, format!("invalid tag format: {e}"));
            None
        }
    };
    if let Err(e) = check_template(file.tags.release_branch.get_ref()) {
        c.report(
            &file.tags.release_branch,
            format!("invalid release branch template: {e}"),
        );
    }

    check_roles(&mut c, &file);
    check_release(&mut c, &file);
    check_environments(&mut c, &file);

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
    })
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

fn check_environments(c: &mut Checker, file: &PolicyFile) {
    let envs = &file.environments;
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
        for window in &env.windows {
            if let Err(e) = window.get_ref().parse::<crate::schedule::Window>() {
                c.report(
                    window,
                    format!("invalid window \"{}\": {e}", window.get_ref()),
                );
            }
        }
        for (key, duration) in [("notice", &env.notice), ("soak", &env.soak)] {
            if let Some(d) = duration
                && let Err(e) = crate::schedule::parse_duration(d.get_ref())
            {
                c.report(d, format!("invalid {key} \"{}\": {e}", d.get_ref()));
            }
        }
        for freeze in zone
            .iter()
            .flat_map(|zone| env.freezes.iter().map(move |f| (zone, f)))
        {
            let (zone, freeze) = freeze;
            let f = freeze.get_ref();
            if let Err(e) = crate::schedule::Freeze::parse(&f.start, &f.end, f.reason.clone(), zone)
            {
                c.report(freeze, format!("invalid freeze: {e}"));
            }
        }
    }
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
