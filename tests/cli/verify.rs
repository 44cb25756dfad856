//! `[commits] verify_jira = true` in `check pr` and `cut`, the offline `reltag check`, and
//! `reltag evidence record bugs`, against wiremock servers standing in for Jira (payloads
//! from fixtures/jira/) and GitHub (fixtures/github/).

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::common::{MockApi, Run, TestEnv};

const JIRA_VARS: &[(&str, &str)] = &[
    ("JIRA_EMAIL", "rm@example.com"),
    ("JIRA_API_TOKEN", "cloud-api-token-s3cret"),
    ("RELTAG_HTTP_RETRY_BASE_MS", "1"),
];
const GH_TOKEN: &str = "ghs_secretTOKEN0123456789";

fn fixture(service: &str, name: &str) -> Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(service)
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// Answers a Cloud search for `key in ("A-1", …)` as Jira does: 400 naming the first
/// unknown key (the whole query fails), else one issue per key.
struct FakeJira {
    unknown: Vec<&'static str>,
}

impl Respond for FakeJira {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let keys = keys_of(request);
        if let Some(bad) = keys.iter().find(|k| self.unknown.contains(&k.as_str())) {
            let mut error = fixture("jira", "key_does_not_exist.json");
            error["errorMessages"][0] =
                format!("An issue with key '{bad}' does not exist for field 'key'.").into();
            return ResponseTemplate::new(400).set_body_json(error);
        }
        let template = fixture("jira", "cloud_issue_template.json");
        let issues: Vec<Value> = keys
            .iter()
            .map(|k| {
                let mut issue = template.clone();
                issue["key"] = k.as_str().into();
                issue
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "issues": issues, "isLast": true }))
    }
}

/// The keys a `key in (…)` search asks for.
fn keys_of(request: &Request) -> Vec<String> {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let jql = body["jql"].as_str().unwrap().to_string();
    assert!(jql.starts_with("key in ("), "{jql}");
    Regex::new(r#""([A-Z]+-[0-9]+)""#)
        .unwrap()
        .captures_iter(&jql)
        .map(|c| c[1].to_string())
        .collect()
}

/// A mock Jira and a mock GitHub.
struct Servers {
    jira: MockApi,
    github: MockApi,
}

impl Servers {
    fn start() -> Servers {
        Servers {
            jira: MockApi::start(),
            github: MockApi::start(),
        }
    }

    fn jira_mount(&self, mock: Mock) {
        self.jira.mount(mock);
    }

    fn github_mount(&self, mock: Mock) {
        self.github.mount(mock);
    }

    /// Keys asked for, one list per Jira request, in order.
    fn jira_key_queries(&self) -> Vec<Vec<String>> {
        self.jira.requests().iter().map(keys_of).collect()
    }

    fn jira_requests(&self) -> usize {
        self.jira.requests().len()
    }

    fn verify(&self) {
        self.jira.verify();
        self.github.verify();
    }
}

fn policy(jira: &MockApi, extra: &str) -> String {
    format!(
        "[commits]\nverify_jira = true\njira_projects = [\"PAY\"]\n{extra}\n[jira]\nurl = \"{}\"\nflavor = \"cloud\"\n",
        jira.uri()
    )
}

fn short(sha: &str) -> &str {
    &sha[..12]
}

// ---------------------------------------------------------------- check pr

/// A repository with `main` (policy.toml) and a pull-request branch; the event file
/// GitHub Actions would give (shapes from fixtures/github/, as in tests/cli/github.rs).
struct Pr {
    env: TestEnv,
    repo: PathBuf,
    event: PathBuf,
    commits: Vec<String>,
}

impl Pr {
    fn new(policy: &str, messages: &[&str]) -> Pr {
        let env = TestEnv::new();
        let repo = env.repo("r");
        std::fs::write(repo.join("policy.toml"), policy).unwrap();
        env.git(&repo, &["add", "policy.toml"]);
        // A key before the pull request: not one of its commits, never looked up.
        let base = env.commit(&repo, "PAY-1: base");
        env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-login"]);
        let commits: Vec<String> = messages.iter().map(|m| env.commit(&repo, m)).collect();
        let head = commits.last().unwrap().clone();
        let mut event = fixture("github", "event_pull_request.json");
        let pr = &mut event["pull_request"];
        pr["number"] = json!(7);
        pr["title"] = json!("PAY-2 Add login");
        pr["body"] = json!("Adds the login page.");
        pr["user"]["login"] = json!("author");
        pr["head"]["ref"] = json!("feature/PAY-2-login");
        pr["head"]["sha"] = json!(head);
        pr["base"]["ref"] = json!("main");
        pr["base"]["sha"] = json!(base);
        pr["commits"] = json!(messages.len());
        event["number"] = json!(7);
        event["repository"]["full_name"] = json!("octo/app");
        let path = env.path("event.json");
        std::fs::write(&path, serde_json::to_string(&event).unwrap()).unwrap();
        Pr {
            env,
            repo,
            event: path,
            commits,
        }
    }

    /// `reltag check pr` with an approving review from @ann on the head commit.
    fn run(&self, servers: &Servers, jira_vars: &[(&str, &str)]) -> Run {
        let mut review = fixture("github", "review.json");
        review["id"] = json!(1);
        review["user"]["login"] = json!("ann");
        review["state"] = json!("APPROVED");
        review["commit_id"] = json!(self.commits.last().unwrap());
        review["submitted_at"] = json!("2026-11-20T10:01:00Z");
        servers.github_mount(
            Mock::given(method("GET"))
                .and(path("/repos/octo/app/pulls/7/reviews"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!([review]))),
        );
        // @ann is a COLLABORATOR (the fixture's association) with write access.
        crate::github::permission(&servers.github, "ann", "write");
        let uri = servers.github.uri();
        let mut vars = vec![
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", self.event.to_str().unwrap()),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_API_URL", uri.as_str()),
            ("GITHUB_TOKEN", GH_TOKEN),
        ];
        vars.extend_from_slice(jira_vars);
        let run = self
            .env
            .reltag_with(&self.repo, &["check", "pr"], &vars, None);
        let all = run.render();
        assert!(
            !all.contains(GH_TOKEN) && !all.contains("cloud-api-token-s3cret"),
            "a token leaked:\n{all}"
        );
        run
    }
}

const MISSING_404: &str = "error[commit-jira-exists] Jira key PAY-404 does not exist, or the Jira token cannot see it (Jira answers the same for both): Jira says \"An issue with key 'PAY-404' does not exist for field 'key'.\"";

#[test]
fn check_pr_reports_the_one_unknown_key_on_the_commits_naming_it() {
    let servers = Servers::start();
    servers.jira_mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(FakeJira {
                unknown: vec!["PAY-404"],
            }),
    );
    let pr = Pr::new(
        &policy(&servers.jira, "[pull_requests]\nmin_approvals = 1"),
        &[
            "PAY-2: Add login",
            "PAY-3: Add logout\n\nRefs PAY-404 and PAY-5",
            "PAY-2: Test login",
            "PAY-404: Fix the typo",
        ],
    );
    let run = pr.run(&servers, JIRA_VARS);
    assert_eq!(run.code, 1, "{}", run.render());
    // One finding per commit naming the key, on that commit; none for the others.
    assert_eq!(
        run.stdout.matches(MISSING_404).count(),
        2,
        "{}",
        run.render()
    );
    assert_eq!(
        run.stdout.matches("commit-jira-exists").count(),
        2,
        "{}",
        run.stdout
    );
    for (i, commit) in pr.commits.iter().enumerate() {
        let named = run.stdout.contains(&format!("commit {}", short(commit)));
        assert_eq!(named, i == 1 || i == 3, "commit {i}:\n{}", run.stdout);
    }
    assert!(
        run.stdout.contains("hint: check the key PAY-404 in Jira; if it exists, give the token's account Browse Projects permission on its project, else reword the commit"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: jira keys: 1 of 4 named by the commits not found in Jira (PAY-404), or the token cannot see them"
        ),
        "{}",
        run.stdout
    );
    // One batch with every key of the pull request's commits (not the base's PAY-1),
    // then halves until PAY-404 stands alone.
    let queries = servers.jira_key_queries();
    let mut first = queries[0].clone();
    first.sort();
    assert_eq!(first, ["PAY-2", "PAY-3", "PAY-404", "PAY-5"]);
    assert!(queries.iter().all(|q| !q.contains(&"PAY-1".to_string())));
    assert!(
        queries.contains(&vec!["PAY-404".to_string()]),
        "{queries:?}"
    );
    assert!(queries.len() <= 5, "{queries:?}");
}

#[test]
fn check_pr_with_known_keys_passes_and_a_jira_error_is_exit_3() {
    let servers = Servers::start();
    servers.jira_mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(FakeJira { unknown: vec![] })
            .expect(1),
    );
    let pr = Pr::new(
        &policy(&servers.jira, "[pull_requests]\nmin_approvals = 1"),
        &["PAY-2: Add login", "PAY-3: Add logout"],
    );
    let run = pr.run(&servers, JIRA_VARS);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("note: jira keys: all 2 named by the commits exist in Jira"),
        "{}",
        run.stdout
    );
    servers.verify();

    // No credentials: the gate cannot decide, says what to set, and asks nobody.
    let run = pr.run(&servers, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("no Jira credentials: JIRA_EMAIL and JIRA_API_TOKEN not set"),
        "{}",
        run.render()
    );
    assert!(
        run.stderr.contains("hint: set JIRA_EMAIL"),
        "{}",
        run.stderr
    );
    assert_eq!(servers.jira_requests(), 1);

    // Jira answering 401: exit 3 naming the variables.
    let servers = Servers::start();
    servers.jira_mount(Mock::given(method("POST")).respond_with(
        ResponseTemplate::new(401).set_body_json(fixture("jira", "unauthorized.json")),
    ));
    let pr = Pr::new(
        &policy(&servers.jira, "[pull_requests]\nmin_approvals = 1"),
        &["PAY-2: Add login"],
    );
    let run = pr.run(&servers, JIRA_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("Jira rejected the credentials (401"),
        "{}",
        run.render()
    );
}

// ---------------------------------------------------------------- cut

#[test]
fn cut_dry_run_checks_the_keys_since_the_previous_release_only() {
    let servers = Servers::start();
    servers.jira_mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(FakeJira {
                unknown: vec!["PAY-77", "PAY-9"],
            }),
    );
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::write(
        repo.join("policy.toml"),
        policy(&servers.jira, "[release]\ncriteria = []"),
    )
    .unwrap();
    env.git(&repo, &["add", "policy.toml"]);
    // Released in v1.0.0 with a key Jira does not know: outside the range, not asked.
    env.commit(&repo, "PAY-9: first release");
    env.git(&repo, &["tag", "-a", "-m", "v1.0.0", "v1.0.0"]);
    env.git(&repo, &["switch", "-q", "-c", "release/v1.1.0"]);
    env.commit(&repo, "PAY-2: feat: login");
    let bad = env.commit(&repo, "PAY-77: fix: logout");
    env.commit(&repo, "PAY-3: docs");

    let run = env.reltag_with(&repo, &["cut", "v1.1.0", "--dry-run"], JIRA_VARS, None);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(&format!("commit {}", short(&bad))),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "error[commit-jira-exists] Jira key PAY-77 does not exist, or the Jira token cannot see it (Jira answers the same for both)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("commit-jira-exists").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: jira keys: 1 of 3 named by the commits not found in Jira (PAY-77), or the token cannot see them"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dry run: nothing was tagged"));
    let queries = servers.jira_key_queries();
    let mut first = queries[0].clone();
    first.sort();
    assert_eq!(first, ["PAY-2", "PAY-3", "PAY-77"]);
    assert!(queries.iter().all(|q| !q.contains(&"PAY-9".to_string())));
    assert!(
        env.git_output(&repo, &["rev-parse", "--verify", "-q", "refs/tags/v1.1.0"])
            .stdout
            .is_empty()
    );

    // Jira down (503 on every attempt): the dry run still shows everything and exits 3.
    let down = Servers::start();
    down.jira_mount(Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)));
    std::fs::write(
        repo.join("policy.toml"),
        policy(&down.jira, "[release]\ncriteria = []"),
    )
    .unwrap();
    env.git(&repo, &["commit", "-qam", "PAY-2: point at the other Jira"]);
    let run = env.reltag_with(&repo, &["cut", "v1.1.0", "--dry-run"], JIRA_VARS, None);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[commit-jira-exists] the Jira keys of the commits since v1.0.0 cannot be verified: Jira did not answer successfully"
        ),
        "{}",
        run.render()
    );
    assert!(
        run.stdout.contains("hint: Jira is unavailable or busy"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------- offline paths

#[test]
fn reltag_check_and_check_message_never_ask_jira() {
    let servers = Servers::start();
    servers.jira_mount(
        Mock::given(wiremock::matchers::any())
            .respond_with(FakeJira {
                unknown: vec!["PAY-404"],
            })
            .expect(0),
    );
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::write(repo.join("policy.toml"), policy(&servers.jira, "")).unwrap();
    env.git(&repo, &["add", "policy.toml"]);
    env.commit(&repo, "PAY-1: base");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-404-typo"]);
    env.commit(&repo, "PAY-404: a key Jira does not know");
    let run = env.reltag_with(&repo, &["check"], JIRA_VARS, None);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(!run.stdout.contains("commit-jira-exists"), "{}", run.stdout);
    std::fs::write(repo.join("msg.txt"), "PAY-404: still unknown\n").unwrap();
    let run = env.reltag_with(&repo, &["check", "message", "msg.txt"], JIRA_VARS, None);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(servers.jira_requests(), 0);
    servers.verify();
}

// ---------------------------------------------------------------- evidence record bugs

fn bugs_repo(env: &TestEnv, jira: &MockApi) -> PathBuf {
    let repo = env.repo("r");
    std::fs::write(
        repo.join("policy.toml"),
        format!(
            "[release]\ncriteria = [\"bugs\"]\n[release.bugs]\njql = \"fixVersion = {{version}} AND priority = Critical\"\nmax = 0\n[jira]\nurl = \"{}\"\n",
            jira.uri()
        ),
    )
    .unwrap();
    env.git(&repo, &["add", "policy.toml"]);
    env.commit(&repo, "PAY-1: first");
    env.git(&repo, &["config", "user.email", "ci@example.com"]);
    repo
}

fn ledger_events(env: &TestEnv, repo: &Path) -> Vec<String> {
    let out = env.git_output(repo, &["log", "--format=%B%x00", "refs/reltag/ledger"]);
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn evidence_record_bugs_writes_one_ledger_event_with_the_count() {
    let servers = Servers::start();
    // One open critical (PAY-103).
    servers.jira_mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(fixture("jira", "cloud_search_page2.json")),
            )
            .expect(1),
    );
    let env = TestEnv::new();
    let repo = bugs_repo(&env, &servers.jira);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let run = env.reltag_with(
        &repo,
        &["evidence", "record", "bugs", "1.4.0", "--no-push"],
        JIRA_VARS,
        None,
    );
    // Recorded as a failure, exit 1, the issue named.
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("error[release-bugs] PAY-103 \"Invoice PDF is blank\" (Critical, In Review) blocks the release"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("note: bugs 1 open ≤ 0 blocked"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "recorded bugs fail for commit {} (v1.4.0)",
            short(&head)
        )),
        "{}",
        run.stdout
    );
    let events = ledger_events(&env, &repo);
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    for trailer in [
        "Event: evidence".to_string(),
        "Version: v1.4.0".into(),
        format!("Commit: {head}"),
        "Criterion: bugs".into(),
        "Result: fail".into(),
        "Measured: 1 open".into(),
        "Threshold: ≤ 0".into(),
        "Comment: query: fixVersion = \"1.4.0\" AND priority = Critical".into(),
    ] {
        assert!(event.contains(&trailer), "no `{trailer}` in:\n{event}");
    }
    assert!(!event.contains("Report:"), "no report, no digest:\n{event}");
    servers.verify();
}

#[test]
fn evidence_record_bugs_needs_a_version_and_records_nothing_when_jira_cannot_answer() {
    let servers = Servers::start();
    servers.jira_mount(Mock::given(method("POST")).respond_with(
        ResponseTemplate::new(401).set_body_json(fixture("jira", "unauthorized.json")),
    ));
    let env = TestEnv::new();
    let repo = bugs_repo(&env, &servers.jira);
    let run = env.reltag_with(
        &repo,
        &["evidence", "record", "bugs", "--no-push"],
        JIRA_VARS,
        None,
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(run.stderr.contains("VERSION is missing"), "{}", run.stderr);
    insta::assert_snapshot!(
        "evidence_record_bugs_no_version",
        crate::outputs::normalize(&run)
    );
    let run = env.reltag_with(
        &repo,
        &["evidence", "record", "bugs", "1.4.0", "--report", "x.json"],
        JIRA_VARS,
        None,
    );
    assert_eq!(run.code, 2, "{}", run.render());
    insta::assert_snapshot!(
        "evidence_record_bugs_with_a_report",
        crate::outputs::normalize(&run)
    );
    assert_eq!(servers.jira_requests(), 0);

    let run = env.reltag_with(
        &repo,
        &["evidence", "record", "bugs", "v1.4.0", "--no-push"],
        JIRA_VARS,
        None,
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.render()
            .contains("hint: check JIRA_EMAIL and JIRA_API_TOKEN"),
        "{}",
        run.render()
    );
    insta::assert_snapshot!(
        "evidence_record_bugs_unauthorized",
        crate::outputs::normalize(&run)
    );
    assert!(ledger_events(&env, &repo).is_empty());
}

#[test]
fn evidence_record_bugs_with_no_open_issue_passes() {
    let servers = Servers::start();
    servers.jira_mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(fixture("jira", "cloud_search_empty.json")),
            ),
    );
    let env = TestEnv::new();
    let repo = bugs_repo(&env, &servers.jira);
    let run = env.reltag_with(
        &repo,
        &["evidence", "record", "bugs", "v1.4.0", "--no-push"],
        JIRA_VARS,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let events = ledger_events(&env, &repo);
    assert_eq!(events.len(), 1);
    assert!(events[0].contains("Result: pass"), "{}", events[0]);
    assert!(events[0].contains("Measured: 0 open"), "{}", events[0]);
}
