//! Every command's output, pinned: stdout, stderr and the exit status in one snapshot, in
//! the human and the json format (and the github format where it adds files), as jj pins
//! its CLI. A changed word or order shows up here for review (`INSTA_UPDATE=always cargo
//! test`, then read the diff of `tests/cli/snapshots/`).

use std::path::{Path, PathBuf};

use reltag::ledger::{Cut, Event, EventBody, Ledger, Promote};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{MockApi, Run, TestEnv};
use crate::cut::fixture;

/// Object ids (commits, tags, ledger commits whose event ids are random) become `[ID]`,
/// the local API servers' addresses `[API]`.
pub fn normalize(run: &Run) -> String {
    normalize_text(&run.render())
}

fn normalize_text(text: &str) -> String {
    let ids = regex::Regex::new(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{12}\b|\b[0-9a-f]{7}\b").unwrap();
    let api = regex::Regex::new(r"http://127\.0\.0\.1:[0-9]+").unwrap();
    let text = ids.replace_all(text, "[ID]");
    api.replace_all(&text, "[API]").into_owned()
}

/// Runs `args` in the human and the json format and pins both as `<name>` and
/// `<name>_json`. Returns the two runs.
fn pin(name: &str, env: &TestEnv, dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> (Run, Run) {
    pin_with(name, env, dir, args, vars, None)
}

fn pin_with(
    name: &str,
    env: &TestEnv,
    dir: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> (Run, Run) {
    let human = env.reltag_with(dir, args, vars, stdin);
    let mut json_args = vec!["--format", "json"];
    json_args.extend_from_slice(args);
    let json = env.reltag_with(dir, &json_args, vars, stdin);
    insta::assert_snapshot!(name.to_string(), normalize(&human));
    insta::assert_snapshot!(format!("{name}_json"), normalize(&json));
    if !json.stdout.is_empty() {
        let doc: serde_json::Value = serde_json::from_str(&json.stdout)
            .unwrap_or_else(|e| panic!("{name}: not one json document ({e}):\n{}", json.stdout));
        assert_eq!(doc["version"], 2, "{name}");
        assert_eq!(
            doc["exit_code"], json.code,
            "{name}: the document's exit code is the process's"
        );
    }
    assert_eq!(human.code, json.code, "{name}: every format, one verdict");
    (human, json)
}

// ------------------------------------------------------------------ local checks

fn feature_repo(env: &TestEnv) -> PathBuf {
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["tag", "-a", "-m", "v1.0.0", "v1.0.0"]);
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-login"]);
    env.commit(&repo, "PAY-2: Add login");
    env.commit(&repo, "Add logout");
    repo
}

#[test]
fn check_and_its_subcommands() {
    let env = TestEnv::new();
    let repo = feature_repo(&env);
    pin("check_blocked", &env, &repo, &["check"], &[]);
    pin("check_quiet_blocked", &env, &repo, &["-q", "check"], &[]);
    pin(
        "check_branch_allowed",
        &env,
        &repo,
        &["check", "branch"],
        &[],
    );
    pin(
        "check_branch_blocked",
        &env,
        &repo,
        &["check", "branch", "my-fix"],
        &[],
    );
    pin(
        "check_tag_blocked",
        &env,
        &repo,
        &["check", "tag", "v1.2"],
        &[],
    );
    pin(
        "check_tag_allowed",
        &env,
        &repo,
        &["check", "tag", "v1.0.1"],
        &[],
    );
    pin(
        "check_commits",
        &env,
        &repo,
        &["check", "commits", "main..HEAD"],
        &[],
    );
    pin(
        "check_commits_unknown_revision",
        &env,
        &repo,
        &["check", "commits", "nope..HEAD"],
        &[],
    );
    pin_with(
        "check_message_stdin",
        &env,
        &repo,
        &["check", "message", "-"],
        &[],
        Some(b"Fix the thing\n# PAY-9 only in a comment\n"),
    );
    env.git(&repo, &["switch", "-q", "main"]);
    pin("check_allowed", &env, &repo, &["check"], &[]);
    pin("check_quiet_allowed", &env, &repo, &["-q", "check"], &[]);
}

#[test]
fn check_policy_valid_invalid_and_missing() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    pin(
        "check_policy_default",
        &env,
        &repo,
        &["check", "policy"],
        &[],
    );
    std::fs::write(
        repo.join("policy.toml"),
        "version = 1\n[environments.prod]\ntimezone = \"Mars/Olympus\"\nwindows = [\"Tues 18:00-21:00\"]\n",
    )
    .unwrap();
    pin(
        "check_policy_invalid",
        &env,
        &repo,
        &["check", "policy"],
        &[],
    );
    pin(
        "check_policy_missing_file",
        &env,
        &repo,
        &["check", "policy", "nope.toml"],
        &[],
    );
    // Every other command refuses a broken policy before any report: stderr only.
    pin("check_with_invalid_policy", &env, &repo, &["check"], &[]);
}

#[test]
fn explain_init_install_uninstall() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    pin("explain_list", &env, &repo, &["explain"], &[]);
    pin("explain_rule", &env, &repo, &["explain", "tag-moved"], &[]);
    pin("explain_unknown", &env, &repo, &["explain", "nope"], &[]);
    let human = env.reltag(&repo, &["init"]);
    insta::assert_snapshot!("init", normalize(&human));
    std::fs::remove_file(repo.join("policy.toml")).unwrap();
    let json = env.reltag(&repo, &["--format", "json", "init"]);
    insta::assert_snapshot!("init_json", normalize(&json));
    pin("init_exists", &env, &repo, &["init"], &[]);
    let bin = [("RELTAG_BIN", "/usr/local/bin/reltag")];
    let human = env.reltag_with(&repo, &["install"], &bin, None);
    insta::assert_snapshot!(
        "install",
        normalize(&human).replace(env!("CARGO_BIN_EXE_reltag"), "[BIN]")
    );
    pin("uninstall", &env, &repo, &["uninstall"], &[]);
}

#[test]
fn hooks() {
    let env = TestEnv::new();
    let repo = feature_repo(&env);
    std::fs::write(repo.join("msg"), "Add login\n# a comment\n").unwrap();
    pin(
        "hook_commit_msg_blocked",
        &env,
        &repo,
        &["hook", "commit-msg", "msg"],
        &[],
    );
    std::fs::write(repo.join("msg"), "PAY-2: Add login\n").unwrap();
    pin(
        "hook_commit_msg_allowed",
        &env,
        &repo,
        &["hook", "commit-msg", "msg"],
        &[],
    );
    pin(
        "hook_pre_commit_allowed",
        &env,
        &repo,
        &["hook", "pre-commit"],
        &[],
    );
    env.git(&repo, &["switch", "-q", "--detach"]);
    pin(
        "hook_pre_commit_detached",
        &env,
        &repo,
        &["hook", "pre-commit"],
        &[],
    );

    let origin = env.bare("origin.git");
    env.git(
        &repo,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&repo, &["push", "-q", "origin", "main"]);
    env.git(&repo, &["fetch", "-q", "origin"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let main = env.git(&repo, &["rev-parse", "main"]);
    let zero = "0".repeat(40);
    let lines = format!(
        "refs/heads/feature/PAY-2-login {head} refs/heads/feature/PAY-2-login {zero}\nHEAD {head} refs/heads/main {main}\n"
    );
    pin_with(
        "hook_pre_push_blocked",
        &env,
        &repo,
        &["hook", "pre-push", "origin", origin.to_str().unwrap()],
        &[],
        Some(lines.as_bytes()),
    );
    pin_with(
        "hook_pre_push_nothing",
        &env,
        &repo,
        &["hook", "pre-push", "origin", origin.to_str().unwrap()],
        &[],
        Some(b""),
    );
}

#[test]
fn notes() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: feat: one");
    env.git(&repo, &["tag", "-a", "-m", "v1.0.0", "v1.0.0"]);
    env.commit(&repo, "PAY-2: fix: two");
    env.commit(&repo, "chore: three");
    env.commit(&repo, "feat!: PAY-2 four");
    pin("notes_unreleased", &env, &repo, &["notes"], &[]);
    pin("notes_next_version", &env, &repo, &["notes", "v1.1.0"], &[]);
    pin("notes_released", &env, &repo, &["notes", "v1.0.0"], &[]);
    pin(
        "notes_range",
        &env,
        &repo,
        &["notes", "v1.0.0..HEAD~1"],
        &[],
    );
    pin(
        "notes_unknown_version",
        &env,
        &repo,
        &["notes", "v9.9.9"],
        &[],
    );
    pin(
        "notes_not_a_version",
        &env,
        &repo,
        &["notes", "banana"],
        &[],
    );
}

// ------------------------------------------------------------------ releases

/// A bare remote and a clone `a` on release/v1.0.0, with the policy, docs and reports
/// (the set-up of the `cut` tests).
fn release_repo(env: &TestEnv) -> PathBuf {
    crate::cut::setup(env, &["a"]);
    env.path("a")
}

#[test]
fn approve_evidence_and_cut() {
    let env = TestEnv::new();
    let a = release_repo(&env);
    // Blocked: no approval yet (and the json says so with the same checks).
    pin(
        "cut_dry_run_blocked",
        &env,
        &a,
        &["cut", "v1.0.0", "--dry-run"],
        &[],
    );
    pin("cut_bad_version", &env, &a, &["cut", "v1.0"], &[]);
    env.git(&a, &["config", "user.email", "qa@example.com"]);
    let approved = env.reltag(&a, &["approve", "v1.0.0", "--role", "qa-lead"]);
    insta::assert_snapshot!("approve", normalize(&approved));
    pin(
        "approve_again",
        &env,
        &a,
        &["approve", "v1.0.0", "--role", "qa-lead"],
        &[],
    );
    env.git(&a, &["config", "user.email", "dev@example.com"]);
    pin(
        "evidence_record_coverage",
        &env,
        &a,
        &["evidence", "record", "coverage", "--no-push"],
        &[],
    );
    pin(
        "evidence_record_missing",
        &env,
        &a,
        &[
            "evidence",
            "record",
            "perf",
            "--report",
            "nope.jtl",
            "--no-push",
        ],
        &[],
    );
    pin(
        "cut_dry_run_allowed",
        &env,
        &a,
        &["cut", "v1.0.0", "--dry-run"],
        &[],
    );
    let cut = env.reltag(&a, &["cut", "v1.0.0"]);
    insta::assert_snapshot!("cut", normalize(&cut));
    pin("cut_again", &env, &a, &["cut", "v1.0.0", "--dry-run"], &[]);
}

// ------------------------------------------------------------------ environments

const ENV_POLICY: &str = r#"version = 1
[commits]
require_jira = false
[roles]
qa-lead = ["qa@example.com"]
ops = ["ops@example.com"]
[environments.staging]
timezone = "America/New_York"
windows = ["Tue,Wed 18:00-21:00"]
notice = "24h"
deployers = ["ops"]
[environments.prod]
from = "staging"
timezone = "America/New_York"
windows = ["Tue,Wed 18:00-21:00"]
notice = "24h"
soak = "24h"
approvals = ["qa-lead"]
deployers = ["ops"]
rollback_anytime = true
[environments.demo]
timezone = "Europe/Berlin"
"#;

fn record(dir: &Path, commit: &str, body: EventBody, actor: &str, time: &str) {
    let repo = gix::open(dir).unwrap();
    let commit = gix::ObjectId::from_hex(commit.as_bytes()).unwrap();
    let event = Event::new(body, commit, actor, time.parse().unwrap()).unwrap();
    Ledger::new(&repo).append(&event).unwrap();
}

/// `work` with a remote, v1.0.0 and v1.1.0 cut; v1.0.0 ran in staging and prod, v1.1.0
/// in staging since Tuesday evening.
fn env_repo(env: &TestEnv) -> PathBuf {
    let origin = env.bare("origin.git");
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), ENV_POLICY).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    env.git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&work, &["config", "user.email", "ops@example.com"]);
    for (version, cut_at, staging_at, prod_at) in [
        (
            "v1.0.0",
            "2026-11-09T12:00:00Z",
            Some("2026-11-10T23:30:00Z"),
            Some("2026-11-11T23:30:00Z"),
        ),
        (
            "v1.1.0",
            "2026-11-16T12:00:00Z",
            Some("2026-11-24T23:30:00Z"),
            None,
        ),
    ] {
        env.commit(&work, &format!("release {version}"));
        env.git(&work, &["tag", "-a", version, "-m", version]);
        let commit = env.git(&work, &["rev-parse", "HEAD"]);
        let tag_object = env.git(&work, &["rev-parse", version]);
        record(
            &work,
            &commit,
            EventBody::Cut(Cut {
                version: version.into(),
                tag_object: Some(gix::ObjectId::from_hex(tag_object.as_bytes()).unwrap()),
                emergency: false,
                reason: None,
                artifacts: vec![],
            }),
            "release@example.com",
            cut_at,
        );
        for (to, at) in [("staging", staging_at), ("prod", prod_at)] {
            if let Some(at) = at {
                record(
                    &work,
                    &commit,
                    EventBody::Promote(Promote {
                        version: version.into(),
                        env: to.into(),
                        artifacts: vec![],
                        emergency: false,
                        reason: None,
                    }),
                    "ops@example.com",
                    at,
                );
            }
        }
    }
    env.git(&work, &["push", "-q", "origin", "main", "--tags"]);
    env.git(&work, &["push", "-q", "origin", "refs/reltag/ledger"]);
    work
}

#[test]
fn status_log_schedule_promote_rollback() {
    let env = TestEnv::new();
    let work = env_repo(&env);
    // Wednesday 2026-11-25 12:00 New York.
    let wed = [("RELTAG_NOW", "2026-11-25T17:00:00Z")];
    pin("status", &env, &work, &["status"], &wed);
    pin(
        "status_one_env",
        &env,
        &work,
        &["status", "--env", "prod"],
        &wed,
    );
    pin(
        "status_unknown_env",
        &env,
        &work,
        &["status", "--env", "nope"],
        &wed,
    );
    pin(
        "schedule_too_late_notice",
        &env,
        &work,
        &[
            "schedule",
            "v1.1.0",
            "--to",
            "prod",
            "--at",
            "2026-11-25T23:30:00Z",
        ],
        &wed,
    );
    pin(
        "promote_dry_run_blocked",
        &env,
        &work,
        &["promote", "v1.1.0", "--to", "prod", "--dry-run"],
        &wed,
    );
    pin(
        "rollback_dry_run",
        &env,
        &work,
        &[
            "rollback",
            "--env",
            "staging",
            "--reason",
            "5xx spike",
            "--dry-run",
        ],
        &wed,
    );
    let rolled = env.reltag_with(
        &work,
        &["rollback", "--env", "staging", "--reason", "5xx spike"],
        &wed,
        None,
    );
    insta::assert_snapshot!("rollback", normalize(&rolled));
    pin("log", &env, &work, &["log", "-n", "3"], &wed);
    pin("log_one_env", &env, &work, &["log", "--env", "prod"], &wed);
    pin(
        "log_unknown_env",
        &env,
        &work,
        &["log", "--env", "nope"],
        &wed,
    );
    pin(
        "log_unknown_kind",
        &env,
        &work,
        &["log", "--event", "nope"],
        &wed,
    );
    pin("verify", &env, &work, &["verify", "--offline"], &wed);
    pin(
        "status_after_rollback",
        &env,
        &work,
        &["status", "--offline"],
        &wed,
    );
}

// ------------------------------------------------------------------ services

#[test]
fn check_bugs_against_jira() {
    let env = TestEnv::new();
    let jira = MockApi::start();
    let answer: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("jira/cloud_search_empty.json")).unwrap(),
    )
    .unwrap();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer)),
    );
    let dir = env.repo("r");
    std::fs::write(
        dir.join("policy.toml"),
        format!(
            "[release]\ncriteria = [\"bugs\"]\n[release.bugs]\njql = \"fixVersion = {{version}}\"\nmax = 0\n[jira]\nurl = \"{}\"\nflavor = \"cloud\"\n",
            jira.uri()
        ),
    )
    .unwrap();
    let vars = [
        ("JIRA_EMAIL", "rm@example.com"),
        ("JIRA_API_TOKEN", "s3cret"),
        ("RELTAG_HTTP_RETRY_BASE_MS", "1"),
    ];
    let (human, json) = pin("check_bugs", &env, &dir, &["check", "bugs", "1.4.0"], &vars);
    assert!(!human.render().contains("s3cret") && !json.render().contains("s3cret"));
}

#[test]
fn check_pr_against_github() {
    use crate::github::{Api, POLICY, Pr, permission, review};
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    permission(&api, "ann", "write");
    api.mount(
        Mock::given(method("GET"))
            .and(path("/repos/octo/app/pulls/7/reviews"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!([review(1, "ann", "APPROVED", &pr.head)])),
            ),
    );
    let uri = api.uri();
    let (human, _) = pin(
        "check_pr",
        &pr.env,
        &pr.repo,
        &["check", "pr"],
        &pr.env_vars(&uri),
    );
    assert_eq!(human.code, 0, "{}", human.render());
}

// ------------------------------------------------------------------ the github format

#[test]
fn github_format_annotations_summary_and_outputs() {
    let env = TestEnv::new();
    let repo = feature_repo(&env);
    let summary = env.path("summary.md");
    let output = env.path("output.txt");
    let vars = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
    ];
    let run = env.reltag_with(&repo, &["check"], &vars, None);
    insta::assert_snapshot!("github_check", normalize(&run));
    insta::assert_snapshot!(
        "github_check_step_summary",
        normalize_text(&std::fs::read_to_string(&summary).unwrap())
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "allowed=false\n");

    // Data commands print their data as plain lines, and still write the summary.
    std::fs::remove_file(&summary).unwrap();
    let run = env.reltag_with(&repo, &["notes"], &vars, None);
    insta::assert_snapshot!("github_notes", normalize(&run));
    let run = env.reltag_with(&repo, &["explain", "branch-name"], &vars, None);
    insta::assert_snapshot!("github_explain", normalize(&run));
}
