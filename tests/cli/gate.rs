//! `pr-gate-change`: a pull request that changes the workflows that run the gate, or the
//! action they use, needs the policy approvers — from git, and from the API's file list.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::github::{Api, POLICY, Pr, fixture, review};

const API: &str = "/repos/octo/app";

fn reviews(api: &Api, list: Vec<Value>) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/reviews")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(list))),
    );
}

const FINDING: &str = "error[pr-gate-change] this pull request changes the files that run the gate (.github/workflows/reltag.yml); a member of release-managers must approve it (pull_requests.policy_approvers)";

#[test]
fn a_pull_request_that_edits_the_gate_workflow_needs_a_policy_approver() {
    let mut pr = Pr::new(POLICY, &["PAY-2: Add login"]);
    let workflows = pr.repo.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    // The gate switched off: the step that ran reltag now passes whatever happens.
    std::fs::write(
        workflows.join("reltag.yml"),
        "jobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
    )
    .unwrap();
    pr.env.git(&pr.repo, &["add", "."]);
    pr.env
        .git(&pr.repo, &["commit", "-q", "-m", "PAY-2: simplify CI"]);
    pr.head = pr.env.git(&pr.repo, &["rev-parse", "HEAD"]);
    pr.write_event("PAY-2 Add login", None, 2);

    // A developer's approval is enough for pr-approvals, not for a change to the gate.
    let api = Api::start();
    reviews(&api, vec![review(1, "dev", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains(FINDING), "{}", run.stdout);
    assert!(!run.stdout.contains("pr-policy-change"), "{}", run.stdout);

    // A release manager's approval allows it.
    let api = Api::start();
    reviews(&api, vec![review(1, "rm", "APPROVED", &pr.head)]);
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
}

#[test]
fn the_api_file_list_counts_when_the_history_is_not_checked_out() {
    let mut pr = Pr::new(POLICY, &[]);
    let head = "36afaef2afdf0ce794d7e4663e7f327664aaa4d7";
    pr.write_event("PAY-2 Add login", Some(head), 1);
    // The pull request changes the two files the API lists below.
    let mut event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&pr.event).unwrap()).unwrap();
    event["pull_request"]["changed_files"] = json!(2);
    std::fs::write(&pr.event, event.to_string()).unwrap();
    let api = Api::start();
    reviews(&api, vec![review(1, "dev", "APPROVED", head)]);
    let mut commits = fixture("pull_request_commits.json");
    commits[0]["sha"] = json!(head);
    commits[0]["commit"]["message"] = json!("PAY-2: move the gate");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/commits")))
            .respond_with(ResponseTemplate::new(200).set_body_json(commits)),
    );
    // A rename: the old name is the gate's workflow.
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/7/files")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "ci/old-gate.yml", "previous_filename": ".github/workflows/reltag.yml", "status": "renamed", "additions": 0, "deletions": 0, "changes": 0},
                {"sha": "bbcd538c8e72b8c175046e27cc8f907076331402", "filename": "src/login.rs", "status": "added", "additions": 1, "deletions": 0, "changes": 1}
            ]))),
    );
    let run = pr.run(&api, &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains(FINDING), "{}", run.stdout);
}
