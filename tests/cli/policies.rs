//! Real projects' policies (issue 16): exemptions on a Kafka-style history, release lines,
//! tags that are not releases, creating release branches, and the README's path with the
//! hooks installed.

use std::path::Path;

use crate::common::{Run, TestEnv};

/// Commit ids are deterministic, but named anyway so a git that hashes differently
/// cannot break a snapshot.
fn normalize(run: &Run) -> String {
    let re = regex::Regex::new("[0-9a-f]{40}|[0-9a-f]{12}").unwrap();
    re.replace_all(&run.render(), "[ID]").into_owned()
}

/// A commit by someone else than the test's fixed identity.
fn commit_by(env: &TestEnv, dir: &Path, author: &str, message: &str) -> String {
    env.git(
        dir,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "--author",
            author,
            "-m",
            message,
        ],
    );
    env.git(dir, &["rev-parse", "HEAD"])
}

const DEPENDABOT: &str = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>";
const ACTIONS_BOT: &str =
    "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>";

/// Apache Kafka's conventions: `KAFKA-NNNNN: …` for changes with a ticket, `MINOR:` and
/// `HOTFIX` for trivial ones, bots without tickets.
const KAFKA_POLICY: &str = r#"version = 1
[branches]
allowed = ["trunk", "{major}.{minor}", "KAFKA-*", "minor-*"]
protected = ["trunk", "{major}.{minor}"]
[commits]
jira_projects = ["KAFKA"]
exempt_subjects = ["^MINOR:", "^HOTFIX"]
exempt_authors = ["dependabot[bot]", "github-actions[bot]"]
"#;

/// A history shaped like Kafka's trunk: what a maintainer would accept, and five
/// commits a maintainer would send back.
fn kafka_history(env: &TestEnv) -> std::path::PathBuf {
    let repo = env.path("kafka");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "trunk"]);
    std::fs::write(repo.join("policy.toml"), KAFKA_POLICY).unwrap();
    env.git(&repo, &["add", "policy.toml"]);
    env.commit(
        &repo,
        "KAFKA-17500: Adopt reltag for commit checks (#17290)",
    );
    env.commit(
        &repo,
        "KAFKA-17532: Move TestUtils to server-common (#17301)",
    );
    env.commit(&repo, "MINOR: Fix typo in KafkaConfig javadoc (#17302)");
    // A follow-up with a suffix: Jira links KAFKA-17532.
    env.commit(
        &repo,
        "KAFKA-17532-2: Follow up on moving TestUtils (#17305)",
    );
    env.commit(&repo, "HOTFIX: Fix compilation error in trunk (#17310)");
    env.commit(&repo, "HOTFIX fix the broken build after #17310");
    commit_by(
        env,
        &repo,
        DEPENDABOT,
        "Bump com.github.spotbugs from 6.0.25 to 6.0.26 (#17320)",
    );
    env.commit(&repo, "minor: clean up unused imports (#17322)");
    env.commit(&repo, "kafka-17600: Fix NPE in ReplicaManager (#17330)");
    env.commit(&repo, "Fix flaky test testReassignment (#17333)");
    env.commit(
        &repo,
        "Revert \"KAFKA-17601: Change default of log.cleaner.threads (#17335)\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.",
    );
    env.git(&repo, &["switch", "-q", "-c", "KAFKA-17650-reassign"]);
    env.commit(
        &repo,
        "KAFKA-17650: Speed up partition reassignment (#17340)",
    );
    env.git(&repo, &["switch", "-q", "trunk"]);
    env.commit(
        &repo,
        "[KAFKA-17610] Improve SHA-256 handling in SslFactory (#17341)",
    );
    env.git(
        &repo,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'KAFKA-17650-reassign' into trunk",
            "KAFKA-17650-reassign",
        ],
    );
    env.commit(&repo, "Support UTF-8 in ConfigDef documentation (#17345)");
    env.commit(&repo, "KAFKA-17620; Fix the metric name (#17350)");
    env.commit(&repo, "MINOR - update the upgrade notes (#17355)");
    env.commit(
        &repo,
        "KAFKA-17630: Add KIP-1071 metrics (#17360)\n\nReviewers: Jun Rao <junrao@gmail.com>",
    );
    commit_by(
        env,
        &repo,
        ACTIONS_BOT,
        "Update the generated configuration docs",
    );
    repo
}

#[test]
fn a_kafka_style_policy_reports_exactly_what_a_maintainer_would_send_back() {
    let env = TestEnv::new();
    let repo = kafka_history(&env);
    let run = env.reltag(&repo, &["check", "commits", "trunk"]);
    assert_eq!(run.code, 1, "{}", run.render());
    insta::assert_snapshot!("kafka_history", normalize(&run));

    // --verbose says which exemption let each commit through.
    let verbose = env.reltag(&repo, &["--verbose", "check", "commits", "trunk"]);
    for note in [
        "\"MINOR: Fix typo in KafkaConfig javadoc (#17302)\": commit-jira does not apply: [commits] exempt_subjects `^MINOR:` matches the subject \"MINOR: Fix typo in KafkaConfig javadoc (#17302)\"",
        "\"HOTFIX fix the broken build after #17310\": commit-jira does not apply: [commits] exempt_subjects `^HOTFIX` matches",
        "commit-jira does not apply: [commits] exempt_authors `dependabot[bot]` matches the author dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "commit-jira does not apply: [commits] exempt `merges` matches a commit with 2 parents",
        "commit-jira does not apply: [commits] exempt `reverts` matches the subject \"Revert",
    ] {
        assert!(
            verbose.stdout.contains(note),
            "missing {note:?}:\n{}",
            verbose.stdout
        );
    }

    // JSON lists every exempted commit, always.
    let json = env.reltag(&repo, &["--format", "json", "check", "commits", "trunk"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let exempted: Vec<(String, String)> = doc["exempted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["exemption"].as_str().unwrap().to_string(),
                e["pattern"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let count = |kind: &str, pattern: &str| {
        exempted
            .iter()
            .filter(|(k, p)| k == kind && p == pattern)
            .count()
    };
    assert_eq!(exempted.len(), 7, "{exempted:?}");
    assert_eq!(count("exempt_subjects", "^MINOR:"), 1);
    assert_eq!(count("exempt_subjects", "^HOTFIX"), 2);
    assert_eq!(count("exempt_authors", "dependabot[bot]"), 1);
    assert_eq!(count("exempt_authors", "github-actions[bot]"), 1);
    assert_eq!(count("exempt", "merges"), 1);
    assert_eq!(count("exempt", "reverts"), 1);
    assert_eq!(doc["errors"], 5);
}

/// The README's quick start and release path, as written, with the hooks installed: up to
/// creating the release branch, approving and a dry run of the cut.
#[test]
fn the_readme_path_from_install_through_the_release_branch_runs_as_written() {
    let env = TestEnv::new();
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(seed.join("CHANGELOG.md"), "# 1.0.0\n").unwrap();
    env.git(&seed, &["add", "."]);
    env.commit(&seed, "PAY-1: first version");
    env.git(&seed, &["push", "-q", origin.to_str().unwrap(), "main"]);
    env.git(
        env.tmp.path(),
        &["clone", "-q", origin.to_str().unwrap(), "your-repo"],
    );
    let repo = env.path("your-repo");
    let ok = |args: &[&str]| {
        let run = env.reltag(&repo, args);
        assert_eq!(run.code, 0, "reltag {args:?}: {}", run.render());
        run
    };

    // Quick start.
    ok(&["check"]);
    ok(&["init"]);
    ok(&["check", "policy"]);
    ok(&["explain", "commit-jira"]);
    ok(&["install"]);

    // "Edit [roles] to name your people, and start with the criteria you can evaluate today."
    let policy = std::fs::read_to_string(repo.join("policy.toml")).unwrap();
    let policy = policy.replace(
        "criteria = [\"coverage\", \"ci\", \"bugs\", \"perf\", \"docs\", \"approvals\"]",
        "criteria = [\"docs\", \"approvals\"]",
    );
    assert!(policy.contains("criteria = [\"docs\", \"approvals\"]"));
    std::fs::write(repo.join("policy.toml"), policy).unwrap();
    ok(&["check", "policy"]);

    // `git switch -c release/v1.0.0 && git push -u origin release/v1.0.0`, through the
    // pre-push hook. Before: refused as a direct push to a protected branch.
    env.git(&repo, &["switch", "-q", "-c", "release/v1.0.0"]);
    let push = env.git_output(&repo, &["push", "-u", "origin", "release/v1.0.0"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&push.stdout),
        String::from_utf8_lossy(&push.stderr)
    );
    assert!(push.status.success(), "{said}");
    assert!(
        said.contains("creating protected branch release/v1.0.0 is allowed"),
        "{said}"
    );

    for (role, email) in [
        ("qa-lead", "qa@example.com"),
        ("product-owner", "po@example.com"),
    ] {
        env.git(&repo, &["config", "user.email", email]);
        ok(&["approve", "v1.0.0", "--role", role]);
    }
    let dry = ok(&["cut", "v1.0.0", "--dry-run"]);
    assert!(
        dry.stdout.contains("release-version: v1.0.0 at")
            && dry.stdout.contains("on release/v1.0.0 → ok"),
        "{}",
        dry.render()
    );
}

const RELEASE_POLICY: &str = r#"version = 1
[release]
criteria = ["approvals"]
[release.approvals]
roles = ["qa-lead"]
[roles]
qa-lead = ["qa@example.com"]
[environments.prod]
"#;

/// A bare remote with `main` and `branch` (both at the first commit, with the policy), and
/// a clone of `checkout` (clone options first) named `clone`.
fn remote_with(env: &TestEnv, branch: &str, clone_args: &[&str]) -> std::path::PathBuf {
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(seed.join("policy.toml"), RELEASE_POLICY).unwrap();
    env.git(&seed, &["add", "."]);
    env.commit(&seed, "PAY-1: first version");
    env.git(&seed, &["branch", branch]);
    env.git(
        &seed,
        &["push", "-q", origin.to_str().unwrap(), "main", branch],
    );
    let mut args = vec!["clone", "-q"];
    args.extend_from_slice(clone_args);
    args.extend([origin.to_str().unwrap(), "clone"]);
    env.git(env.tmp.path(), &args);
    let clone = env.path("clone");
    env.git(&clone, &["config", "user.email", "qa@example.com"]);
    clone
}

#[test]
fn a_release_line_is_approved_cut_and_named_by_its_branch() {
    let env = TestEnv::new();
    let repo = remote_with(&env, "release/v1.2", &["-b", "release/v1.2"]);
    let run = env.reltag(&repo, &["check", "branch"]);
    assert_eq!(run.code, 0, "{}", run.render());
    // Before: "v1.2.0 has neither a tag nor a release branch release/v1.2.0".
    let approve = env.reltag(&repo, &["approve", "v1.2.0", "--role", "qa-lead"]);
    assert_eq!(approve.code, 0, "{}", approve.render());
    let dry = env.reltag(&repo, &["cut", "v1.2.0", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.render());
    assert!(
        dry.stdout.contains("on release/v1.2 → ok"),
        "{}",
        dry.stdout
    );
    let cut = env.reltag(&repo, &["cut", "v1.2.0"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    assert_eq!(
        env.git(&env.path("origin.git"), &["rev-parse", "v1.2.0^{commit}"]),
        env.git(&repo, &["rev-parse", "HEAD"])
    );

    // From main, the finding names both styles and the hint the branch that exists.
    env.git(&repo, &["switch", "-q", "main"]);
    let off = env.reltag(&repo, &["cut", "v1.2.1", "--dry-run"]);
    assert_eq!(off.code, 1, "{}", off.render());
    assert!(
        off.stdout.contains(
            "error[release-branch] HEAD is on main, not on the release branch release/v1.2 or release/v1.2.1"
        ),
        "{}",
        off.stdout
    );
    assert!(
        off.stdout.contains("hint: `git switch release/v1.2`"),
        "{}",
        off.stdout
    );
}

#[test]
fn approve_in_a_single_branch_clone_fetches_the_release_branch() {
    let env = TestEnv::new();
    let repo = remote_with(&env, "release/v1.0.0", &["--single-branch", "-b", "main"]);
    assert!(
        !env.git_output(
            &repo,
            &["rev-parse", "-q", "--verify", "origin/release/v1.0.0"]
        )
        .status
        .success()
    );
    // Before: "create the release branch first", although the remote has it.
    let run = env.reltag(&repo, &["approve", "v1.0.0", "--role", "qa-lead"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr.contains("fetching release/v1.0.0 from origin"),
        "{}",
        run.render()
    );
    let tip = env.git(&env.path("origin.git"), &["rev-parse", "release/v1.0.0"]);
    assert!(
        run.stderr.contains(&format!("at commit {}", &tip[..12])),
        "{}",
        run.stderr
    );

    // A version with no branch here or on the remote says both.
    let run = env.reltag(&repo, &["approve", "v2.0.0", "--role", "qa-lead"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains(
            "v2.0.0 has neither a tag nor a release branch release/v2.0.0 or release/v2.0, here or on origin"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn an_approval_for_one_environment_is_named_by_cut() {
    let env = TestEnv::new();
    let repo = remote_with(&env, "release/v1.0.0", &["-b", "release/v1.0.0"]);
    let run = env.reltag(
        &repo,
        &["approve", "v1.0.0", "--role", "qa-lead", "--env", "prod"],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let dry = env.reltag(&repo, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(dry.code, 1, "{}", dry.render());
    // Before: "qa-lead has not approved v1.0.0 at commit …".
    assert!(
        dry.stdout
            .contains("error[release-approvals] qa-lead approved v1.0.0 at commit")
            && dry.stdout.contains(
                "only for prod (qa@example.com): the cut needs an approval for all environments"
            ),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains(
            "hint: a member of qa-lead runs `reltag approve v1.0.0 --role qa-lead` (without --env)"
        ),
        "{}",
        dry.stdout
    );
}

mod pull_requests {
    use serde_json::Value;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};

    use crate::github::{Api, Pr, fixture, review};

    /// `GET /pulls/7/commits` as GitHub answers it for the pull request's commits (from
    /// git, oldest first), each linked to the account `login` names (`None`: GitHub links
    /// the commit's email to no account, `"author": null`).
    fn commits(api: &Api, pr: &Pr, login: impl Fn(&str) -> Option<&'static str>) {
        let range = format!("{}..{}", pr.base, pr.head);
        let ids = pr.env.git(&pr.repo, &["rev-list", "--reverse", &range]);
        let template = fixture("pull_request_commits.json")[0].clone();
        let list: Vec<Value> = ids
            .lines()
            .map(|id| {
                let message = pr.env.git(&pr.repo, &["log", "-1", "--format=%B", id]);
                let mut commit = template.clone();
                commit["sha"] = Value::from(id);
                commit["commit"]["message"] = Value::from(message.trim_end());
                commit["author"] = match login(message.trim_end()) {
                    Some(login) => serde_json::json!({"login": login, "id": 1, "type": "User"}),
                    None => Value::Null,
                };
                commit
            })
            .collect();
        api.mount(
            Mock::given(method("GET"))
                .and(path("/repos/octo/app/pulls/7/commits"))
                .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(list))),
        );
    }

    const POLICY: &str = r#"version = 1
[branches]
allowed = ["main", "feature/{jira}-*"]
[commits]
exempt_subjects = ["^MINOR:"]
exempt_authors = ["dependabot[bot]"]
[pull_requests]
min_approvals = 1
policy_approvers = ["release-managers"]
subject_exemptions_need_approval = true
[roles]
release-managers = ["@rm"]
"#;

    fn reviews(api: &Api, list: Vec<Value>) {
        api.mount(
            Mock::given(method("GET"))
                .and(path("/repos/octo/app/pulls/7/reviews"))
                .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(list))),
        );
    }

    #[test]
    fn a_subject_exemption_needs_a_policy_approver_on_the_pull_request() {
        let pr = Pr::new(POLICY, &["PAY-2: Add login", "MINOR: fix a typo"]);
        let api = Api::start();
        commits(&api, &pr, |_| Some("dev"));
        reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
        let run = pr.run(&api, &[]);
        assert_eq!(run.code, 1, "{}", run.render());
        assert!(
            run.stdout.contains(
                "error[pr-subject-exemption] 1 commit goes without a Jira key only by exempt_subjects (`^MINOR:`): a member of release-managers must approve the pull request (subject_exemptions_need_approval)"
            ),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("\"MINOR: fix a typo\""),
            "the hint names the commit: {}",
            run.stdout
        );

        let api = Api::start();
        commits(&api, &pr, |_| Some("dev"));
        reviews(
            &api,
            vec![
                review(1, "ann", "APPROVED", &pr.head),
                review(2, "rm", "APPROVED", &pr.head),
            ],
        );
        let run = pr.run(&api, &[]);
        assert_eq!(run.code, 0, "{}", run.render());
    }

    #[test]
    fn a_commit_claiming_a_bot_author_is_not_exempt_without_the_forges_account() {
        let mut pr = Pr::new(POLICY, &["PAY-2: Add login"]);
        pr.env.git(
            &pr.repo,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--author",
                "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
                "-m",
                "Bump lodash from 4.17.20 to 4.17.21",
            ],
        );
        let head = pr.env.git(&pr.repo, &["rev-parse", "HEAD"]);
        pr.write_event("PAY-2 Add login", Some(&head), 2);
        pr.head = head;
        let api = Api::start();
        // GitHub links the bot's noreply address to no account of this repository's
        // history: the commit only claims to be dependabot's.
        commits(&api, &pr, |message| {
            (!message.starts_with("Bump")).then_some("dev")
        });
        reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
        let run = pr.run(&api, &[]);
        assert_eq!(run.code, 1, "{}", run.render());
        assert!(
            run.stdout
                .contains("\"Bump lodash from 4.17.20 to 4.17.21\"\n  error[commit-jira]"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(
                "its author claims to be dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>, which exempt_authors `dependabot[bot]` matches, but GitHub links the commit to no account"
            ),
            "{}",
            run.stdout
        );
        // The same commit is exempt locally, where the claim is all there is.
        let local = pr
            .env
            .reltag(&pr.repo, &["check", "commits", "HEAD~1..HEAD"]);
        assert_eq!(local.code, 0, "{}", local.render());

        // When GitHub links it to the bot's account, it is exempt in the pull request too,
        // and the JSON names the exemption.
        let api = Api::start();
        commits(&api, &pr, |message| {
            Some(if message.starts_with("Bump") {
                "dependabot[bot]"
            } else {
                "dev"
            })
        });
        reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
        let run = pr.run_args(&api, &["--format", "json", "check", "pr"], &[]);
        assert_eq!(run.code, 0, "{}", run.render());
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            doc["exempted"][0]["exemption"], "exempt_authors",
            "{}",
            run.stdout
        );
        assert_eq!(
            doc["exempted"][0]["pattern"], "dependabot[bot]",
            "{}",
            run.stdout
        );
    }
}

/// `cut --hotfix --dry-run` said "blocked" on the version line with no finding about the
/// version: each line's verdict is its own check's, and what blocks an emergency release
/// is named where it is (issue 16.8).
#[test]
fn a_hotfix_dry_run_blocks_on_the_emergency_line_not_the_version() {
    let env = TestEnv::new();
    crate::cut::setup(&env, &["a"]);
    let a = env.path("a");
    let run = env.reltag(
        &a,
        &[
            "cut",
            "v1.0.0",
            "--hotfix",
            "--reason",
            "payments down",
            "--dry-run",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.render());
    let line = |rule: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("note: {rule}")) || l.contains(&format!("{rule}:")))
            .unwrap_or_else(|| panic!("no {rule} line\n{}", run.render()))
            .to_string()
    };
    let version = line("release-version");
    assert!(version.ends_with("→ ok"), "{version}\n{}", run.render());
    let emergency = line("release-emergency");
    assert!(
        emergency.ends_with("→ blocked"),
        "{emergency}\n{}",
        run.render()
    );
    assert!(
        run.stdout
            .contains("error[release-emergency] an emergency release needs an approval by cto"),
        "{}",
        run.render()
    );
    assert!(
        !run.stdout.contains("error[release-version]"),
        "{}",
        run.render()
    );
}
