//! `reltag check bugs` against a wiremock Jira answering with Atlassian-shaped payloads
//! from fixtures/jira/.

use std::path::PathBuf;

use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{Run, TestEnv};

const TOKEN: &str = "cloud-api-token-s3cret";
const PAT: &str = "dc-personal-access-token-s3cret";

fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/jira")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A mock Jira.
use crate::common::MockApi as Jira;

const JQL: &str = "fixVersion = {version} AND priority = Critical AND statusCategory != Done";

/// Writes a policy that points `[jira]` at the mock and runs `reltag check bugs`.
fn check_bugs(
    env: &TestEnv,
    jira: &Jira,
    flavor: &str,
    extra: &str,
    version: &str,
    vars: &[(&str, &str)],
) -> Run {
    let dir = env.path("work");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = format!(
        "{extra}\n[release]\ncriteria = [\"bugs\"]\n\n[release.bugs]\njql = {}\nmax = 0\n\n[jira]\nurl = \"{}\"\nflavor = \"{flavor}\"\n",
        toml_string(JQL),
        jira.server.uri()
    );
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
    let mut all: Vec<(&str, &str)> = vec![("RELTAG_HTTP_RETRY_BASE_MS", "1")];
    all.extend_from_slice(vars);
    env.reltag_with(
        &dir,
        &["--policy", "policy.toml", "check", "bugs", version],
        &all,
        None,
    )
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

const CLOUD_VARS: &[(&str, &str)] = &[("JIRA_EMAIL", "rm@example.com"), ("JIRA_API_TOKEN", TOKEN)];
const DC_VARS: &[(&str, &str)] = &[("JIRA_TOKEN", PAT)];

fn assert_no_secret(run: &Run) {
    let all = run.render();
    assert!(
        !all.contains(TOKEN) && !all.contains(PAT),
        "a token was printed:\n{all}"
    );
}

#[test]
fn cloud_with_no_matching_issue_passes_and_sends_the_quoted_version() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .and(header(
                "authorization",
                "Basic cm1AZXhhbXBsZS5jb206Y2xvdWQtYXBpLXRva2VuLXMzY3JldA==",
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("cloud_search_empty.json")),
            ),
    );
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("bugs: 0 issues match, the policy allows 0: ok"),
        "{}",
        run.render()
    );
    let bodies = jira.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        bodies[0]["jql"],
        r#"fixVersion = "1.4.0" AND priority = Critical AND statusCategory != Done"#
    );
    assert_eq!(
        bodies[0]["fields"],
        serde_json::json!(["summary", "priority", "status"])
    );
    assert!(bodies[0].get("nextPageToken").is_none());
    assert_no_secret(&run);
}

#[test]
fn cloud_three_open_criticals_over_two_pages_block_with_one_finding_each() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .and(body_partial_json(
                serde_json::json!({"nextPageToken": "CAEaAggD"}),
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("cloud_search_page2.json")),
            )
            .with_priority(1),
    );
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("cloud_search_page1.json")),
            ),
    );
    // The tag given instead of the version: the same release.
    let run = check_bugs(&env, &jira, "cloud", "", "v1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 1, "{}", run.render());
    let uri = jira.server.uri();
    for line in [
        format!(
            "PAY-101 \"Checkout charges twice on retry\" (Critical, In Progress) blocks the release: {uri}/browse/PAY-101"
        ),
        format!(
            "PAY-102 \"Refunds fail for \"EUR\" accounts\" (Critical, Open) blocks the release: {uri}/browse/PAY-102"
        ),
        format!(
            "PAY-103 \"Invoice PDF is blank\" (Critical, In Review) blocks the release: {uri}/browse/PAY-103"
        ),
    ] {
        assert!(
            run.stdout.contains(&line),
            "missing {line}:\n{}",
            run.render()
        );
    }
    assert_eq!(
        run.stdout.matches("release-bugs").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("tag v1.4.0"), "{}", run.stdout);
    assert!(run.stdout.contains("3 issues match"), "{}", run.stdout);
    let bodies = jira.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1]["nextPageToken"], "CAEaAggD");
    assert_eq!(bodies[0]["jql"], bodies[1]["jql"]);

    assert_no_secret(&run);
}

#[test]
fn data_center_pages_with_start_at_and_uses_the_bearer_token() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/2/search"))
            .and(header("authorization", format!("Bearer {PAT}").as_str()))
            .and(body_partial_json(serde_json::json!({"startAt": 2})))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("dc_search_page2.json")),
            ),
    );
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/2/search"))
            .and(header("authorization", format!("Bearer {PAT}").as_str()))
            .and(body_partial_json(serde_json::json!({"startAt": 0})))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("dc_search_page1.json")),
            ),
    );
    let run = check_bugs(&env, &jira, "datacenter", "", "1.4.0", DC_VARS);
    assert_eq!(run.code, 1, "{}", run.render());
    for key in ["PAY-101", "PAY-102", "PAY-103"] {
        assert!(
            run.stdout.contains(&format!("{key} \"")),
            "{key}:\n{}",
            run.stdout
        );
    }
    assert_eq!(run.stdout.matches("release-bugs").count(), 3);
    let bodies = jira.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0]["startAt"], 0);
    // The server capped the page at 2: the next page starts after what came back.
    assert_eq!(bodies[1]["startAt"], 2);
    assert_no_secret(&run);
}

#[test]
fn a_jql_error_is_shown_verbatim_and_exits_3() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(ResponseTemplate::new(400).set_body_json(fixture("jql_error.json"))),
    );
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(
            "error: Jira rejected the query (HTTP 400): The value '1.4.0' does not exist for the field 'fixVersion'."
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            r#"query: fixVersion = "1.4.0" AND priority = Critical AND statusCategory != Done"#
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: correct the query"));
    // A client error is not retried.
    assert_eq!(jira.requests().len(), 1);
}

#[test]
fn unauthorized_names_the_variables_to_set_and_never_the_token() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401).set_body_json(fixture("unauthorized.json"))),
    );
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("error: Jira rejected the credentials (401 Unauthorized)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: check JIRA_EMAIL and JIRA_API_TOKEN"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run);

    let run = check_bugs(&env, &jira, "datacenter", "", "1.4.0", DC_VARS);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("hint: check JIRA_TOKEN"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run);
}

#[test]
fn missing_credentials_or_url_exit_3_without_asking() {
    let env = TestEnv::new();
    let jira = Jira::start();
    let run = check_bugs(
        &env,
        &jira,
        "cloud",
        "",
        "1.4.0",
        &[("JIRA_EMAIL", "a@b.c")],
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("error: no Jira credentials: JIRA_API_TOKEN not set"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: set JIRA_EMAIL"),
        "{}",
        run.stderr
    );
    assert!(jira.requests().is_empty());

    let dir = env.path("nourl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "[release.bugs]\njql = \"fixVersion = {version}\"\n",
    )
    .unwrap();
    let run = env.reltag_with(
        &dir,
        &["--policy", "policy.toml", "check", "bugs", "1.4.0"],
        CLOUD_VARS,
        None,
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("[jira] url is not set"),
        "{}",
        run.stderr
    );
}

#[test]
fn too_many_requests_waits_for_retry_after_then_succeeds() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .with_priority(1),
    );
    jira.mount(Mock::given(method("POST")).respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("cloud_search_empty.json")),
    ));
    let started = std::time::Instant::now();
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(jira.requests().len(), 2);
    // Retry-After (1 s) was honoured, not the 1 ms test backoff.
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
}

#[test]
fn service_unavailable_forever_gives_up_after_bounded_retries() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)));
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("after 4 attempts (last: HTTP 503 Service Unavailable)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: Jira is unavailable or busy"));
    assert_eq!(jira.requests().len(), 4);
}

#[test]
fn a_hanging_server_times_out() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST")).respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("cloud_search_empty.json"))
                .set_delay(std::time::Duration::from_secs(5)),
        ),
    );
    let started = std::time::Instant::now();
    let run = check_bugs(
        &env,
        &jira,
        "cloud",
        "",
        "1.4.0",
        &[
            ("JIRA_EMAIL", "rm@example.com"),
            ("JIRA_API_TOKEN", TOKEN),
            ("RELTAG_HTTP_TIMEOUT_MS", "200"),
        ],
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("no answer within 200 ms"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

#[test]
fn the_old_search_endpoint_answering_410_says_so() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/2/search"))
            .respond_with(ResponseTemplate::new(410).set_body_json(fixture("search_gone.json"))),
    );
    let run = check_bugs(&env, &jira, "datacenter", "", "1.4.0", DC_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(run.stderr.contains("410 Gone"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("hint: this is a Jira Cloud site: set flavor = \"cloud\""),
        "{}",
        run.stderr
    );
}

#[test]
fn a_version_text_with_quotes_cannot_break_out_of_the_jql_string() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(Mock::given(method("POST")).respond_with(
        ResponseTemplate::new(200).set_body_json(fixture("cloud_search_empty.json")),
    ));
    // A tag format with a quote (git allows `"` in tag names); the JQL names {tag}.
    let dir = env.path("work");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = format!(
        "[tags]\nformat = 'pay\" OR project = \"X-{{semver}}'\n\n[release.bugs]\njql = 'fixVersion = {{tag}} OR fixVersion = \"v{{version}}\\\\\" OR labels = {{major}}'\n\n[jira]\nurl = \"{}\"\n",
        jira.server.uri()
    );
    std::fs::write(dir.join("policy.toml"), &policy).unwrap();
    let run = env.reltag_with(
        &dir,
        &["--policy", "policy.toml", "check", "bugs", "1.4.0"],
        CLOUD_VARS,
        None,
    );
    assert_eq!(run.code, 0, "{}\n{policy}", run.render());
    let bodies = jira.bodies();
    assert_eq!(
        bodies[0]["jql"],
        r#"fixVersion = "pay\" OR project = \"X-1.4.0" OR fixVersion = "v1.4.0\\" OR labels = "1""#
    );
}

// ----------------------- answers that lack what the verdict needs (issue 13.8)

fn cloud_answers(jira: &Jira, body: serde_json::Value) {
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body)),
    );
}

#[test]
fn a_cloud_answer_without_issues_is_undecided_not_zero_bugs() {
    let env = TestEnv::new();
    let jira = Jira::start();
    cloud_answers(&jira, serde_json::json!({}));
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains(&format!(
            "error: Jira's answer at {}/rest/api/3/search/jql lacks `issues`",
            jira.uri()
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("0 issues"), "{}", run.stdout);
}

#[test]
fn a_data_center_total_that_disagrees_with_the_issues_is_undecided() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/2/search"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"startAt": 0, "maxResults": 50, "total": 5, "issues": []}),
            )),
    );
    let run = check_bugs(&env, &jira, "datacenter", "", "1.4.0", DC_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("counts 5 matching issues but returned 0 of them"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_cloud_search_repeating_its_page_token_stops_undecided() {
    let env = TestEnv::new();
    let jira = Jira::start();
    // Every page says "more follow" and hands back the token it was asked with.
    cloud_answers(
        &jira,
        serde_json::json!({"issues": [], "nextPageToken": "CAEaAggD", "isLast": false}),
    );
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("repeats a page: the page token CAEaAggD came twice"),
        "{}",
        run.stderr
    );
    assert_eq!(jira.requests().len(), 2);
}

#[test]
fn a_cloud_page_that_is_not_last_but_has_no_token_is_undecided() {
    let env = TestEnv::new();
    let jira = Jira::start();
    cloud_answers(&jira, serde_json::json!({"issues": [], "isLast": false}));
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("says more issues follow but gives no nextPageToken"),
        "{}",
        run.stderr
    );
}

#[test]
fn too_many_requests_without_retry_after_is_never_retried_within_a_minute() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429))
            .expect(1),
    );
    let vars = [CLOUD_VARS, &[("RELTAG_HTTP_MAX_WAIT_SECS", "5")]].concat();
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", &vars);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("Jira asks reltag to wait 60 s"),
        "{}",
        run.stderr
    );
    jira.verify();
}

/// A Cloud search that always has one more page, each with a new token and no issue.
struct EndlessPages(std::sync::atomic::AtomicUsize);

impl wiremock::Respond for EndlessPages {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issues": [], "nextPageToken": format!("token-{n}"), "isLast": false
        }))
    }
}

#[test]
fn a_cloud_search_that_never_ends_stops_at_the_page_bound() {
    let env = TestEnv::new();
    let jira = Jira::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(EndlessPages(Default::default())),
    );
    let run = check_bugs(&env, &jira, "cloud", "", "1.4.0", CLOUD_VARS);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("has more than 200 pages for at most 1000 issues"),
        "{}",
        run.stderr
    );
    assert_eq!(jira.requests().len(), 200);
}
