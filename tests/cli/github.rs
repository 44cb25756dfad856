//! `reltag check pr` against a local HTTP server standing in for the GitHub API, with
//! payloads shaped like GitHub's (fixtures/github/), and real repositories.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{Run, TestEnv};

const TOKEN: &str = "ghs_secretTOKEN0123456789";
const API: &str = "/repos/octo/app";

pub fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/github")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub use crate::common::MockApi as Api;

pub fn review(id: u64, login: &str, state: &str, commit: &str) -> Value {
    let mut r = fixture("review.json");
    r["id"] = json!(id);
    r["user"]["login"] = json!(login);
    r["state"] = json!(state);
    r["commit_id"] = json!(commit);
    r["submitted_at"] = json!(format!("2026-11-20T10:{:02}:00Z", id % 60));
    r
}

/// A review by an account with this `author_association` (the fixture's is COLLABORATOR).
pub fn review_as(id: u64, login: &str, state: &str, commit: &str, association: &str) -> Value {
    let mut r = review(id, login, state, commit);
    r["author_association"] = json!(association);
    r
}

/// `GET /repos/octo/app/collaborators/{login}/permission` answers `permission`
/// (`admin`, `maintain`, `write`, `triage`, `read`, `none`), as `role_name` and in the
/// legacy `permission` field (maintain → write, triage → read).
pub fn permission(api: &Api, login: &str, role: &str) {
    let mut answer = fixture("collaborator_permission.json");
    answer["role_name"] = json!(role);
    answer["permission"] = json!(match role {
        "maintain" => "write",
        "triage" => "read",
        other => other,
    });
    answer["user"]["login"] = json!(login);
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/collaborators/{login}/permission")))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer)),
    );
}

/// Every MEMBER or COLLABORATOR reviewer in these tests has write access to octo/app,
/// unless a test mounts another answer for that login (`permission`), which wins.
fn collaborators_can_push(api: &Api) {
    let mut answer = fixture("collaborator_permission.json");
    answer["role_name"] = json!("write");
    answer["permission"] = json!("write");
    api.mount(
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(format!(
                "^{API}/collaborators/[^/]+/permission$"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .with_priority(10),
    );
}

/// A repository with `main` (policy.toml, a base commit) and a pull-request branch.
pub struct Pr {
    pub env: TestEnv,
    pub repo: PathBuf,
    pub base: String,
    pub head: String,
    pub event: PathBuf,
}

pub const POLICY: &str = r#"version = 1
[branches]
allowed = ["main", "feature/{jira}-*"]
[pull_requests]
min_approvals = 1
policy_approvers = ["release-managers"]
[roles]
release-managers = ["@rm"]
"#;

impl Pr {
    pub fn new(policy: &str, commits: &[&str]) -> Pr {
        let env = TestEnv::new();
        let repo = env.repo("r");
        std::fs::write(repo.join("policy.toml"), policy).unwrap();
        env.git(&repo, &["add", "policy.toml"]);
        let base = env.commit(&repo, "PAY-1: base");
        env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-login"]);
        let mut head = base.clone();
        for message in commits {
            head = env.commit(&repo, message);
        }
        let event = env.path("event.json");
        let mut pr = Pr {
            env,
            repo,
            base,
            head,
            event,
        };
        pr.write_event("PAY-2 Add login", None, commits.len());
        pr
    }

    pub fn write_event(&mut self, title: &str, head: Option<&str>, commits: usize) {
        let mut event = fixture("event_pull_request.json");
        let pr = &mut event["pull_request"];
        pr["number"] = json!(7);
        pr["title"] = json!(title);
        pr["body"] = json!("Adds the login page.");
        pr["user"]["login"] = json!("author");
        pr["head"]["ref"] = json!("feature/PAY-2-login");
        pr["head"]["sha"] = json!(head.unwrap_or(&self.head));
        pr["base"]["ref"] = json!("main");
        pr["base"]["sha"] = json!(self.base);
        pr["commits"] = json!(commits);
        event["number"] = json!(7);
        event["repository"]["full_name"] = json!("octo/app");
        std::fs::write(&self.event, serde_json::to_string(&event).unwrap()).unwrap();
    }

    pub fn env_vars<'a>(&'a self, api: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", self.event.to_str().unwrap()),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_API_URL", api),
            ("GITHUB_TOKEN", TOKEN),
            ("RELTAG_HTTP_RETRY_BASE_MS", "10"),
        ]
    }

    pub fn run(&self, api: &Api, extra: &[(&str, &str)]) -> Run {
        self.run_args(api, &["check", "pr"], extra)
    }

    pub fn run_args(&self, api: &Api, args: &[&str], extra: &[(&str, &str)]) -> Run {
        collaborators_can_push(api);
        let uri = api.uri();
        let mut vars = self.env_vars(&uri);
        vars.extend_from_slice(extra);
        let run = self.env.reltag_with(&self.repo, args, &vars, None);
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token leaked:\n{}",
            run.render()
        );
        run
    }
}

fn reviews(api: &Api, list: Vec<Value>) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(list))),
    );
}

#[test]
fn reviews_are_read_over_every_page() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    let next = format!(
        "<{}{API}/pulls/7/reviews?per_page=100&page=2>; rel=\"next\", <{}{API}/pulls/7/reviews?per_page=100&page=2>; rel=\"last\"",
        api.uri(),
        api.uri()
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .and(query_param_is_missing("page"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", next.as_str())
                    .set_body_json(json!([review(1, "ann", "APPROVED", &pr.head)])),
            )
            .expect(1),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([review(
                2,
                "bob",
                "CHANGES_REQUESTED",
                &pr.head
            )])))
            .expect(1),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("error[pr-changes-requested] changes requested by @bob"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("note: approvals: 1 of 1 required, by @ann")
    );
    assert!(
        run.stdout
            .contains("note: checked the 1 commit(s) of the pull request (from git)")
    );
    api.verify();
}

#[test]
fn approve_then_changes_requested_then_approve_counts_the_last_word() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(
        &api,
        vec![
            review(1, "ann", "APPROVED", &pr.head),
            review(2, "ann", "CHANGES_REQUESTED", &pr.head),
            review(3, "ann", "COMMENTED", &pr.head),
            review(4, "ann", "APPROVED", &pr.head),
        ],
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("note: approvals: 1 of 1 required, by @ann")
    );
}

#[test]
fn the_authors_own_approval_is_not_counted() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(&api, vec![review(1, "author", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[pr-approvals] 0 of 1 required approvals; nobody has approved the head commit; 1 more needed; the author's own review is not counted"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_dismissed_approval_is_not_counted() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(
        &api,
        vec![
            review(1, "ann", "DISMISSED", &pr.head),
            review(2, "bob", "COMMENTED", &pr.head),
        ],
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("dismissed: @ann"), "{}", run.stdout);
}

#[test]
fn a_stale_approval_is_not_counted_and_is_named() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login", "PAY-2: Fix login"]);
    let api = Api::start();
    let older = pr.env.git(&pr.repo, &["rev-parse", "HEAD~1"]);
    reviews(&api, vec![review(1, "ann", "APPROVED", &older)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(&format!(
            "@ann approved {}, not the head {}",
            &older[..12],
            &pr.head[..12]
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ask the reviewers of older commits to approve the latest push")
    );
}

#[test]
fn a_pull_request_editing_the_policy_is_judged_by_the_base_policy() {
    let env_pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let mut pr = env_pr;
    // The pull request lowers the bar in its own policy.toml.
    std::fs::write(
        pr.repo.join("policy.toml"),
        "version = 1\n[pull_requests]\nmin_approvals = 0\n",
    )
    .unwrap();
    pr.env.git(
        &pr.repo,
        &["commit", "-q", "-am", "PAY-2: relax the policy"],
    );
    pr.head = pr.env.git(&pr.repo, &["rev-parse", "HEAD"]);
    pr.write_event("PAY-2 Add login", None, 2);
    let api = Api::start();
    reviews(&api, vec![]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("error[pr-approvals] 0 of 1 required approvals"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "error[pr-policy-change] this pull request changes the policy file; a member of release-managers must approve it (pull_requests.policy_approvers)"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!(
        "note: policy: policy.toml at the base commit {}",
        &pr.base[..12]
    )));

    // A release manager's approval satisfies both.
    let api = Api::start();
    reviews(&api, vec![review(1, "rm", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn a_pull_request_adding_a_key_to_the_allowed_signers_file_is_a_policy_change() {
    let policy = format!("{POLICY}[ledger]\nallowed_signers = \".reltag/allowed_signers\"\n");
    let mut pr = Pr::new(&policy, &["PAY-2: Add login"]);
    std::fs::create_dir_all(pr.repo.join(".reltag")).unwrap();
    std::fs::write(
        pr.repo.join(".reltag/allowed_signers"),
        "mallory@example.com namespaces=\"git\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOb+\n",
    )
    .unwrap();
    pr.env.git(&pr.repo, &["add", ".reltag/allowed_signers"]);
    pr.env
        .git(&pr.repo, &["commit", "-q", "-m", "PAY-2: my key"]);
    pr.head = pr.env.git(&pr.repo, &["rev-parse", "HEAD"]);
    pr.write_event("PAY-2 Add login", None, 2);
    let api = Api::start();
    reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains("error[pr-policy-change]"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_commits_and_a_squash_title_are_findings() {
    let policy = POLICY.replace(
        "[pull_requests]\n",
        "[pull_requests]\nmerge_method = \"squash\"\njira_consistent = true\n",
    );
    let mut pr = Pr::new(&policy, &["Add login"]);
    pr.write_event("Add login page", None, 1);
    let api = Api::start();
    reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(&format!(
            "commit {} (refs/pull/7/head) \"Add login\"\n  error[commit-jira]",
            &pr.head[..12]
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "message pull request #7 (the squash commit) \"Add login page\"\n  error[commit-jira]"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("error[pr-jira-consistent] the branch feature/PAY-2-login names PAY-2, and the title does not"),
        "{}",
        run.stdout
    );
}

#[test]
fn commits_missing_from_the_checkout_come_from_the_api() {
    let mut pr = Pr::new(POLICY, &[]);
    let head = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    pr.write_event("PAY-2 Add login", Some(head), 1);
    let api = Api::start();
    reviews(&api, vec![review(1, "ann", "APPROVED", head)]);
    let mut commits = fixture("pull_request_commits.json");
    commits[0]["sha"] = json!(head);
    commits[0]["commit"]["message"] = json!("Add login without a key");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/commits")))
            .respond_with(ResponseTemplate::new(200).set_body_json(commits))
            .expect(1),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/files")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "src/login.rs", "status": "added", "additions": 1, "deletions": 0, "changes": 1}
            ])))
            .expect(1),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("(from the API: the history is not in this checkout)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "commit {} (refs/pull/7/head) \"Add login without a key\"\n  error[commit-jira]",
            &head[..12]
        )),
        "{}",
        run.stdout
    );
    api.verify();
}

#[test]
fn the_api_list_shorter_than_the_pull_request_is_undecided() {
    let mut pr = Pr::new(POLICY, &[]);
    let head = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    pr.write_event("PAY-2 Add login", Some(head), 300);
    let api = Api::start();
    reviews(&api, vec![]);
    let mut commits = fixture("pull_request_commits.json");
    commits[0]["sha"] = json!(head);
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/commits")))
            .respond_with(ResponseTemplate::new(200).set_body_json(commits)),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("the API listed 1 of the pull request's 300 commits"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("fetch-depth: 0"));
}

#[test]
fn a_502_then_success_is_retried() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1),
    );
    reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    api.verify();
}

#[test]
fn a_secondary_rate_limit_is_waited_out() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(
                ResponseTemplate::new(403)
                    .insert_header("retry-after", "1")
                    .set_body_json(fixture("secondary_rate_limit.json")),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1),
    );
    reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
    let started = std::time::Instant::now();
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    api.verify();
}

#[test]
fn a_server_error_that_persists_is_exit_3_without_the_token() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(
                ResponseTemplate::new(500).set_body_json(json!({"message": "Server Error"})),
            )
            .expect(3),
    );
    let run = pr.run(&api, &[("RELTAG_HTTP_RETRIES", "3")]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("/repos/octo/app/pulls/7/reviews?per_page=100 failed after 3 attempts; last answer: 500 Internal Server Error Server Error"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: GitHub did not answer in time"));
    api.verify();
}

#[test]
fn a_push_event_is_not_a_pull_request() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    std::fs::write(&pr.event, fixture("event_push.json").to_string()).unwrap();
    let api = Api::start();
    let run = pr.run(&api, &[("GITHUB_EVENT_NAME", "push")]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("this workflow runs on `push`"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_a_token_the_gate_says_how_to_set_one() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    let run = pr.run(&api, &[("GITHUB_TOKEN", "")]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(run.stderr.contains("no GitHub token"), "{}", run.stderr);
}

// ------------------------------------------- who may review: write access (issue 13.2)

#[test]
fn an_approval_by_an_account_that_cannot_push_is_not_counted() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    // On a public repository anyone can review; `NONE` is GitHub's word for "no relation
    // to the repository", so the account cannot push and its approval must not count.
    reviews(
        &api,
        vec![review_as(1, "mallory", "APPROVED", &pr.head, "NONE")],
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[pr-approvals] 0 of 1 required approvals; nobody has approved the head commit; 1 more needed; not counted: @mallory cannot push to octo/app (author_association NONE)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_change_request_by_an_account_that_cannot_push_does_not_block() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(
        &api,
        vec![
            review(1, "ann", "APPROVED", &pr.head),
            review_as(
                2,
                "troll",
                "CHANGES_REQUESTED",
                &pr.head,
                "FIRST_TIME_CONTRIBUTOR",
            ),
        ],
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains(
            "note: reviews not counted: @troll cannot push to octo/app (author_association FIRST_TIME_CONTRIBUTOR)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_member_with_read_access_is_asked_about_and_not_counted() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    // An organization's members are MEMBER whatever their access to this repository:
    // with the organization's base permission at "read", they cannot push.
    reviews(
        &api,
        vec![review_as(1, "reader", "APPROVED", &pr.head, "MEMBER")],
    );
    permission(&api, "reader", "read");
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("not counted: @reader cannot push to octo/app (permission read)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_collaborator_who_can_push_counts_once_github_confirms_it() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(
        &api,
        vec![review_as(1, "ann", "APPROVED", &pr.head, "COLLABORATOR")],
    );
    let mut answer = fixture("collaborator_permission.json");
    answer["role_name"] = json!("maintain");
    answer["permission"] = json!("write");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/collaborators/ann/permission")))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("note: approvals: 1 of 1 required, by @ann"),
        "{}",
        run.stdout
    );
    api.verify();
}

#[test]
fn a_reviewer_whose_access_cannot_be_read_leaves_the_gate_undecided() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(
        &api,
        vec![review_as(1, "ann", "CHANGES_REQUESTED", &pr.head, "MEMBER")],
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/collaborators/ann/permission")))
            .respond_with(ResponseTemplate::new(403).set_body_json(
                json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user", "status": "403"}),
            )),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("/repos/octo/app/collaborators/ann/permission answered 403"),
        "{}",
        run.stderr
    );
}

// ------------------------- the base policy comes from git objects only (issue 13.3)

/// A repository whose base commit keeps the strict policy in `config/policy.toml`, and
/// a pull request that replaces `config/` with a symlink to a lax copy of its own.
fn symlinked_config_pr(min_approvals: u32) -> Pr {
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::create_dir_all(repo.join("config")).unwrap();
    std::fs::write(
        repo.join("config/policy.toml"),
        POLICY.replace(
            "min_approvals = 1",
            &format!("min_approvals = {min_approvals}"),
        ),
    )
    .unwrap();
    env.git(&repo, &["add", "config"]);
    let base = env.commit(&repo, "PAY-1: base");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-login"]);
    env.git(&repo, &["rm", "-q", "-r", "config"]);
    std::fs::create_dir_all(repo.join("lax")).unwrap();
    std::fs::write(
        repo.join("lax/policy.toml"),
        "version = 1\n[pull_requests]\nmin_approvals = 0\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("lax", repo.join("config")).unwrap();
    env.git(&repo, &["add", "config", "lax"]);
    env.git(&repo, &["commit", "-q", "-m", "PAY-2: move the config"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let event = env.path("event.json");
    let mut pr = Pr {
        env,
        repo,
        base,
        head,
        event,
    };
    pr.write_event("PAY-2 Add login", None, 1);
    pr
}

#[test]
fn a_symlinked_policy_directory_cannot_steer_check_pr_to_another_policy() {
    let pr = symlinked_config_pr(2);
    let api = Api::start();
    reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
    let run = pr.run_args(
        &api,
        &["--policy", "config/policy.toml", "check", "pr"],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(&format!(
            "note: policy: config/policy.toml at the base commit {}",
            &pr.base[..12]
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("error[pr-approvals] 1 of 2 required approvals"),
        "{}",
        run.stdout
    );
    // The pull request removed the policy file (a symlink is not the file): a change.
    assert!(
        run.stdout.contains("error[pr-policy-change]"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_policy_path_that_the_base_commit_lacks_is_an_error_not_the_default_policy() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    reviews(&api, vec![review(1, "ann", "APPROVED", &pr.head)]);
    let run = pr.run_args(
        &api,
        &["--policy", "config/policy.toml", "check", "pr"],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains(&format!(
            "error: --policy config/policy.toml does not exist at the base commit {}",
            &pr.base[..12]
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "{}", run.render());
}

// ------------------------------- GitHub answers that lack what the verdict needs (13.8)

/// The pull request's one commit (`head`, "PAY-2: Add login") and its one changed file,
/// as the API lists them when the checkout lacks the history.
fn history_from_the_api(api: &Api, head: &str) {
    let mut commits = fixture("pull_request_commits.json");
    commits[0]["sha"] = json!(head);
    commits[0]["commit"]["message"] = json!("PAY-2: Add login");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/commits")))
            .respond_with(ResponseTemplate::new(200).set_body_json(commits)),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/files")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "src/login.rs", "status": "added", "additions": 1, "deletions": 0, "changes": 1}
            ]))),
    );
}

#[test]
fn a_next_page_link_that_repeats_itself_is_undecided_at_once() {
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    let again = format!(
        "<{}{API}/pulls/7/reviews?per_page=100&page=2>; rel=\"next\"",
        api.uri()
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", again.as_str())
                    .set_body_json(json!([review(1, "ann", "APPROVED", &pr.head)])),
            ),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(&format!(
            "{}{API}/pulls/7/reviews?per_page=100&page=2: the next page is one already read; the list cannot be trusted",
            api.uri()
        )),
        "{}",
        run.stderr
    );
    let pages = api
        .requests()
        .iter()
        .filter(|r| r.url.path().ends_with("/reviews"))
        .count();
    assert_eq!(pages, 2);
}

#[test]
fn a_files_list_shorter_than_the_pull_request_is_undecided() {
    // Without the history in the checkout, whether the pull request edits the policy
    // comes from the files API, which stops at 3000 files.
    let mut pr = Pr::new(POLICY, &[]);
    let head = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    pr.write_event("PAY-2 Add login", Some(head), 1);
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(&pr.event).unwrap()).unwrap();
    event["pull_request"]["changed_files"] = json!(3500);
    std::fs::write(&pr.event, event.to_string()).unwrap();
    let api = Api::start();
    reviews(&api, vec![review(1, "rm", "APPROVED", head)]);
    history_from_the_api(&api, head);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(
            "GitHub listed 1 of the pull request's 3500 changed files (the API stops at 3000)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_policy_the_contents_api_reaches_through_a_symlink_is_refused() {
    // The base commit is not in the checkout, so the policy comes from the contents API,
    // which follows a symlink at the base and answers with the file it points to.
    let mut pr = Pr::new(POLICY, &[]);
    let head = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    pr.base = "5fbd1c0a2ac0c8c7f5d3c8f0d7d41e3d9b4c2a10".to_string();
    pr.write_event("PAY-2 Add login", Some(head), 1);
    let api = Api::start();
    reviews(&api, vec![]);
    let mut contents = fixture("contents_file.json");
    contents["path"] = json!("lax/policy.toml");
    contents["name"] = json!("policy.toml");
    contents["content"] =
        json!("dmVyc2lvbiA9IDEKW3B1bGxfcmVxdWVzdHNdCm1pbl9hcHByb3ZhbHMgPSAw\nCg==\n");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/contents/policy.toml")))
            .and(query_param("ref", pr.base.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(contents)),
    );
    history_from_the_api(&api, head);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains(&format!(
            "error: policy.toml is not a regular file at the base commit {} (GitHub answered with lax/policy.toml)",
            &pr.base[..12]
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_secondary_rate_limit_without_retry_after_is_never_retried_within_a_minute() {
    // GitHub: "If the retry-after response header is not present ... wait for at least
    // one minute before retrying." With a wait bound below a minute, reltag gives up at
    // once (exit 3) instead of asking again sooner.
    let pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(
                ResponseTemplate::new(403).set_body_json(fixture("secondary_rate_limit.json")),
            )
            .expect(1),
    );
    let run = pr.run(&api, &[("RELTAG_HTTP_MAX_WAIT_SECS", "5")]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(
            "GitHub asks reltag to wait 60 s (rate limited without Retry-After: at least a minute, doubling) before asking"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("longer than reltag waits (RELTAG_HTTP_MAX_WAIT_SECS=5)"),
        "{}",
        run.stderr
    );
    api.verify();
}
