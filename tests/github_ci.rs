//! The `ci` criterion and GitHub Releases, through the library as `reltag cut` calls them
//! (the forge's facts, then the rule), against a local server answering like GitHub
//! (fixtures/github/).

use std::path::Path;
use std::time::Duration;

use reltag::forge::github::{Client, ClientConfig, GitHub, OwnerRepo};
use reltag::forge::{Forge, NewRelease, ReleaseOutcome};
use reltag::http::{RetryPolicy, Settings};
use reltag::rules::release_ci::{self, CheckState, CiOutcome};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "c3b93769f009d1738363041806908cb3739c88d9";
const API: &str = "/repos/octo/app";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/github")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Api {
    rt: tokio::runtime::Runtime,
    server: MockServer,
}

impl Api {
    fn start() -> Api {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start());
        Api { rt, server }
    }
    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }
    fn verify(&self) {
        self.rt.block_on(self.server.verify());
    }
    fn client(&self) -> GitHub {
        let client = Client::new(ClientConfig {
            api_url: self.server.uri(),
            token: Some("t0ken".into()),
            settings: Settings {
                retry: RetryPolicy {
                    attempts: 3,
                    base: Duration::from_millis(5),
                    max_wait: Duration::from_secs(5),
                },
                ..Settings::default()
            },
        })
        .unwrap();
        GitHub::new(client, repo())
    }
}

/// The `ci` criterion as `cut` evaluates it: the forge's results on the commit, decided
/// by the rule.
fn evaluate_ci(
    required: &[String],
    repo: &OwnerRepo,
    commit: &str,
    github: &GitHub,
) -> Result<CiOutcome, reltag::forge::Error> {
    assert_eq!(github.repo(), repo);
    let results = github.check_results(commit)?;
    Ok(release_ci::decide(required, commit, &results))
}

fn findings(outcome: &CiOutcome) -> Vec<reltag::report::Finding> {
    let mut out = Vec::new();
    release_ci::check(outcome, &reltag::report::Subject::Repository, &mut out);
    out
}

fn create_release(
    github: &GitHub,
    _repo: &OwnerRepo,
    tag: &str,
    tag_object: &str,
    notes: &str,
    prerelease: bool,
) -> Result<ReleaseOutcome, reltag::forge::Error> {
    github.create_release(&NewRelease {
        tag,
        tag_object,
        notes,
        prerelease,
    })
}

fn run(name: &str, status: &str, conclusion: Option<&str>) -> Value {
    let mut r = fixture("check_runs.json")["check_runs"][0].clone();
    r["name"] = json!(name);
    r["head_sha"] = json!(SHA);
    r["status"] = json!(status);
    r["conclusion"] = json!(conclusion);
    r
}

fn check_runs(list: Vec<Value>) -> Value {
    json!({"total_count": list.len(), "check_runs": list})
}

/// A page of a list of two runs in all: `total_count` counts every page's runs.
fn two_pages(mut page: Value) -> Value {
    page["total_count"] = json!(2);
    page
}

fn statuses(list: Vec<(&str, &str)>) -> Value {
    let mut combined = fixture("combined_status.json");
    let template = combined["statuses"][0].clone();
    combined["sha"] = json!(SHA);
    combined["total_count"] = json!(list.len());
    combined["statuses"] = Value::Array(
        list.iter()
            .map(|(context, state)| {
                let mut s = template.clone();
                s["context"] = json!(context);
                s["state"] = json!(state);
                s
            })
            .collect(),
    );
    combined
}

fn mount_ci(api: &Api, runs: Value, status: Value) {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/commits/{SHA}/check-runs")))
            .respond_with(ResponseTemplate::new(200).set_body_json(runs)),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/commits/{SHA}/status")))
            .respond_with(ResponseTemplate::new(200).set_body_json(status)),
    );
}

fn repo() -> OwnerRepo {
    "octo/app".parse().unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn succeeded_pending_failed_and_missing_checks() {
    let api = Api::start();
    mount_ci(
        &api,
        check_runs(vec![
            run("build", "completed", Some("success")),
            run("test", "in_progress", None),
            run("lint", "completed", Some("failure")),
            run("e2e", "completed", Some("timed_out")),
        ]),
        statuses(vec![]),
    );
    let outcome = evaluate_ci(
        &names(&["build", "test", "e2e", "docs"]),
        &repo(),
        SHA,
        &api.client(),
    )
    .unwrap();
    let states: Vec<CheckState> = outcome.required.iter().map(|c| c.state.clone()).collect();
    assert_eq!(
        states,
        vec![
            CheckState::Succeeded,
            CheckState::Pending,
            CheckState::Failed("timed_out".into()),
            CheckState::Missing
        ]
    );
    assert!(!outcome.passed());
    assert_eq!(
        outcome.other_failures,
        vec![("lint".to_string(), "failure".to_string())]
    );
    let findings = findings(&outcome);
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.severity == reltag::report::Severity::Error)
            .count(),
        3
    );
    assert!(findings.iter().all(|f| f.rule == "release-ci"));
}

#[test]
fn statuses_and_check_runs_together() {
    let api = Api::start();
    mount_ci(
        &api,
        check_runs(vec![run("build", "completed", Some("success"))]),
        statuses(vec![
            ("continuous-integration/jenkins", "success"),
            ("security/scan", "pending"),
        ]),
    );
    let client = api.client();
    let ok = evaluate_ci(
        &names(&["build", "continuous-integration/jenkins"]),
        &repo(),
        SHA,
        &client,
    )
    .unwrap();
    assert!(ok.passed(), "{ok:?}");
    let pending = evaluate_ci(&names(&["build", "security/scan"]), &repo(), SHA, &client).unwrap();
    assert!(!pending.passed());
    assert_eq!(pending.required[1].state, CheckState::Pending);
}

#[test]
fn a_pending_run_on_the_second_page_is_still_pending() {
    let api = Api::start();
    let next = format!(
        "<{}{API}/commits/{SHA}/check-runs?per_page=100&page=2>; rel=\"next\"",
        api.server.uri()
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/commits/{SHA}/check-runs")))
            .and(query_param_is_missing("page"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", next.as_str())
                    .set_body_json(two_pages(check_runs(vec![run(
                        "test",
                        "completed",
                        Some("success"),
                    )]))),
            ),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/commits/{SHA}/check-runs")))
            .and(query_param("page", "2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(two_pages(check_runs(vec![run("test", "queued", None)]))),
            )
            .expect(1),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/commits/{SHA}/status")))
            .respond_with(ResponseTemplate::new(200).set_body_json(statuses(vec![]))),
    );
    let outcome = evaluate_ci(&names(&["test"]), &repo(), SHA, &api.client()).unwrap();
    assert_eq!(outcome.required[0].state, CheckState::Pending);
    api.verify();
}

#[test]
fn an_unreadable_page_is_an_error_not_a_pass() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/commits/{SHA}/check-runs")))
            .respond_with(ResponseTemplate::new(503))
            .expect(3),
    );
    let err = evaluate_ci(&names(&["test"]), &repo(), SHA, &api.client()).unwrap_err();
    assert!(err.to_string().contains("failed after 3 attempts"), "{err}");
    api.verify();
}

const TAG_OBJECT: &str = "940bd336248efae0f9ee5bc7b2d5c985887b16ac";

#[test]
fn an_existing_release_is_not_posted_twice() {
    let api = Api::start();
    let mut release = fixture("release.json");
    release["html_url"] = json!("https://github.com/octo/app/releases/tag/v1.2.0");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/releases/tags/v1.2.0")))
            .respond_with(ResponseTemplate::new(200).set_body_json(release)),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201))
            .expect(0),
    );
    let outcome =
        create_release(&api.client(), &repo(), "v1.2.0", TAG_OBJECT, "notes", false).unwrap();
    assert_eq!(
        outcome,
        ReleaseOutcome::Existing {
            url: "https://github.com/octo/app/releases/tag/v1.2.0".into()
        }
    );
    api.verify();
}

#[test]
fn a_release_is_created_once_for_the_annotated_tag() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/releases/tags/v1.2.0")))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
            ),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/git/ref/tags/v1.2.0")))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("git_ref_tag.json"))),
    );
    let mut created = fixture("release.json");
    created["html_url"] = json!("https://github.com/octo/app/releases/tag/v1.2.0");
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{API}/releases")))
            .and(wiremock::matchers::body_partial_json(
                json!({"tag_name": "v1.2.0", "body": "## Notes"}),
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(created))
            .expect(1),
    );
    let client = api.client();
    let outcome =
        create_release(&client, &repo(), "v1.2.0", TAG_OBJECT, "## Notes", false).unwrap();
    assert!(matches!(outcome, ReleaseOutcome::Created { .. }));
    // Another tag object of the same name: refused, nothing posted.
    let err = create_release(
        &client,
        &repo(),
        "v1.2.0",
        "0000000000000000000000000000000000000001",
        "x",
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("someone else pushed another tag"),
        "{err}"
    );
    api.verify();
}

#[test]
fn a_lightweight_tag_gets_no_release() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/releases/tags/v1.2.0")))
            .respond_with(ResponseTemplate::new(404)),
    );
    let mut reference = fixture("git_ref_tag.json");
    reference["object"]["type"] = json!("commit");
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{API}/git/ref/tags/v1.2.0")))
            .respond_with(ResponseTemplate::new(200).set_body_json(reference)),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201))
            .expect(0),
    );
    let err = create_release(&api.client(), &repo(), "v1.2.0", TAG_OBJECT, "x", false).unwrap_err();
    assert!(err.to_string().contains("lightweight tag"), "{err}");
    api.verify();
}

// ------------------------- answers that lack what the verdict needs (issue 13.8)

#[test]
fn fewer_check_runs_than_the_total_count_is_an_error_not_a_pass() {
    let api = Api::start();
    // GitHub says two runs exist; the page holds one (a truncated answer).
    let mut runs = check_runs(vec![run("test", "completed", Some("success"))]);
    runs["total_count"] = json!(2);
    mount_ci(&api, runs, statuses(vec![]));
    let err = evaluate_ci(&names(&["test"]), &repo(), SHA, &api.client()).unwrap_err();
    assert!(
        err.to_string()
            .contains("GitHub counts 2 check runs on c3b93769f009 but listed 1"),
        "{err}"
    );
}

#[test]
fn a_combined_status_for_another_commit_is_an_error_not_a_pass() {
    let api = Api::start();
    let mut status = statuses(vec![("continuous-integration/jenkins", "success")]);
    status["sha"] = json!("6dcb09b5b57875f334f61aebed695e2e4193db5e");
    mount_ci(&api, check_runs(vec![]), status);
    let err = evaluate_ci(
        &names(&["continuous-integration/jenkins"]),
        &repo(),
        SHA,
        &api.client(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("the combined status GitHub answered is for 6dcb09b5b578, not c3b93769f009"),
        "{err}"
    );
}

#[test]
fn a_check_run_without_its_commit_is_an_error_not_a_pass() {
    let api = Api::start();
    let mut r = run("test", "completed", Some("success"));
    r.as_object_mut().unwrap().remove("head_sha");
    mount_ci(&api, check_runs(vec![r]), statuses(vec![]));
    let err = evaluate_ci(&names(&["test"]), &repo(), SHA, &api.client()).unwrap_err();
    assert!(err.to_string().contains("head_sha"), "{err}");
}
