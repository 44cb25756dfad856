//! `[notify]`: a Slack incoming webhook and a generic JSON webhook, served by a local HTTP
//! server. The notification goes out after the event is recorded; a dead target is a
//! warning that leaves the record alone, and `reltag notify EVENT` sends it again.

use std::path::PathBuf;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{MockApi, Run, TestEnv};
use crate::dashboard::cut;

const SECRET_PATH: &str = "/services/T000/B000/s3cr3t";
const TOKEN: &str = "tok-9f2c";

fn policy(hook: &str) -> String {
    format!(
        r#"version = 1
[commits]
require_jira = false
jira_projects = ["PAY"]
[roles]
ops = ["dev@example.com"]
[environments.staging]
timezone = "America/New_York"
deployers = ["ops"]
[notify]
page = "https://example.github.io/app/"
[[notify.targets]]
name = "team-chat"
kind = "slack"
url_env = "SLACK_WEBHOOK_URL"
events = ["promote", "rollback"]
[[notify.targets]]
name = "ops-hook"
kind = "webhook"
url = "{hook}"
token_env = "HOOK_TOKEN"
events = ["promote"]
"#
    )
}

/// A repository whose v1.0.0 is cut, its policy sending to `hook` and to Slack.
fn setup(env: &TestEnv, hook: &str) -> PathBuf {
    let origin = env.bare("origin.git");
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), policy(hook)).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    env.git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    env.git(&work, &["config", "user.email", "dev@example.com"]);
    cut(
        env,
        &work,
        "v1.0.0",
        "v1.0.0\n\nPAY-3 <b>bold</b> checkout",
        "2026-11-20T12:00:00Z",
    );
    work
}

fn promote(env: &TestEnv, work: &std::path::Path, slack: &str, extra: &[(&str, &str)]) -> Run {
    let mut vars = vec![
        ("SLACK_WEBHOOK_URL", slack),
        ("HOOK_TOKEN", TOKEN),
        ("RELTAG_HTTP_RETRIES", "1"),
    ];
    vars.extend_from_slice(extra);
    env.reltag_with(
        work,
        &["promote", "v1.0.0", "--to", "staging", "--offline"],
        &vars,
        None,
    )
}

/// The local server's address becomes `[API]`, object and event ids `[ID]`.
fn normalize(run: &Run, api: &MockApi) -> String {
    let ids = regex::Regex::new(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{32}\b|\b[0-9a-f]{12}\b").unwrap();
    ids.replace_all(&run.render().replace(&api.uri(), "[API]"), "[ID]")
        .into_owned()
}

fn no_secret(run: &Run) {
    let all = run.render();
    assert!(!all.contains("s3cr3t"), "the Slack URL leaked:\n{all}");
    assert!(!all.contains(TOKEN), "the token leaked:\n{all}");
}

#[test]
fn a_promotion_is_announced_to_slack_and_the_webhook_after_it_is_recorded() {
    let api = MockApi::start();
    api.mount(
        Mock::given(method("POST"))
            .and(path(SECRET_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .expect(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path("/hook"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(204))
            .expect(1),
    );
    let env = TestEnv::new();
    let work = setup(&env, &format!("{}/hook", api.uri()));
    let run = promote(&env, &work, &format!("{}{SECRET_PATH}", api.uri()), &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("notified team-chat"),
        "{}",
        run.render()
    );
    assert!(run.stdout.contains("notified ops-hook"), "{}", run.render());
    no_secret(&run);
    api.verify();

    let requests = api.requests();
    let slack = requests
        .iter()
        .find(|r| r.url.path() == SECRET_PATH)
        .unwrap();
    let slack: serde_json::Value = serde_json::from_slice(&slack.body).unwrap();
    assert_eq!(
        slack["text"],
        "v1.0.0 was promoted to staging at Tue 2026-11-24 07:00 America/New_York by \
         dev@example.com [PAY-3] \
         <https://example.github.io/app/versions/v1.0.0.html|release page>"
    );
    let hook = requests.iter().find(|r| r.url.path() == "/hook").unwrap();
    let hook: serde_json::Value = serde_json::from_slice(&hook.body).unwrap();
    assert_eq!(hook["schema"], 1);
    assert_eq!(hook["event"], "promote");
    assert_eq!(hook["version"], "v1.0.0");
    assert_eq!(hook["env"], "staging");
    assert_eq!(hook["time"], "2026-11-24T12:00:00Z");
    assert_eq!(hook["local_time"], "Tue 2026-11-24 07:00 America/New_York");
    assert_eq!(hook["actor"], "dev@example.com");
    assert_eq!(hook["tickets"], serde_json::json!(["PAY-3"]));
    assert_eq!(
        hook["link"],
        "https://example.github.io/app/versions/v1.0.0.html"
    );
}

#[test]
fn a_dead_target_is_a_warning_the_record_stands_and_notify_sends_it_again() {
    let api = MockApi::start();
    api.mount(
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(204)),
    );
    let env = TestEnv::new();
    let work = setup(&env, &format!("{}/hook", api.uri()));
    // Slack answers 404 (a revoked webhook).
    let run = promote(&env, &work, &format!("{}{SECRET_PATH}", api.uri()), &[]);
    assert_eq!(run.code, 0, "the record stands: {}", run.render());
    assert!(
        run.stderr
            .contains("warning: could not notify team-chat: HTTP 404 Not Found"),
        "{}",
        run.render()
    );
    assert!(run.stdout.contains("notified ops-hook"), "{}", run.render());
    no_secret(&run);
    insta::assert_snapshot!("notify_dead_target", normalize(&run, &api));
    let newest = env.git(&work, &["log", "-1", "--format=%B", "refs/reltag/ledger"]);
    assert!(newest.contains("Event: promote"), "{newest}");
    let id = regex::Regex::new(r"reltag notify ([0-9a-f]+)")
        .unwrap()
        .captures(&run.stderr)
        .unwrap()[1]
        .to_string();

    // The webhook comes back: the resend reaches both targets.
    api.mount(
        Mock::given(method("POST"))
            .and(path(SECRET_PATH))
            .respond_with(ResponseTemplate::new(200))
            .expect(1),
    );
    let dry = env.reltag_with(
        &work,
        &["notify", &id, "--offline", "--dry-run"],
        &[("SLACK_WEBHOOK_URL", &format!("{}{SECRET_PATH}", api.uri()))],
        None,
    );
    assert_eq!(dry.code, 0, "{}", dry.render());
    assert!(
        dry.stdout
            .contains("dry run: would send to team-chat: {\"text\":\"v1.0.0 was promoted"),
        "{}",
        dry.render()
    );
    no_secret(&dry);
    insta::assert_snapshot!("notify_dry_run", normalize(&dry, &api));
    let sent_before = api.requests().len();
    let again = env.reltag_with(
        &work,
        &["notify", &id, "--offline"],
        &[
            ("SLACK_WEBHOOK_URL", &format!("{}{SECRET_PATH}", api.uri())),
            ("HOOK_TOKEN", TOKEN),
        ],
        None,
    );
    assert_eq!(again.code, 0, "{}", again.render());
    assert!(
        again.stdout.contains("notified team-chat"),
        "{}",
        again.render()
    );
    assert_eq!(
        api.requests().len(),
        sent_before + 2,
        "the dry run sent nothing"
    );
    api.verify();
    no_secret(&again);

    // A target without its secret: exit 3 naming it, and still nothing undone.
    let missing = env.reltag_with(&work, &["notify", &id, "--offline"], &[], None);
    assert_eq!(missing.code, 3, "{}", missing.render());
    insta::assert_snapshot!("notify_missing_secret", normalize(&missing, &api));
    assert!(
        missing
            .stderr
            .contains("team-chat: $SLACK_WEBHOOK_URL is not set"),
        "{}",
        missing.render()
    );
}

#[test]
fn a_hostile_ticket_or_reason_cannot_mention_the_channel_in_slack() {
    let env = TestEnv::new();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    let run = env.reltag_with(
        &work,
        &[
            "rollback",
            "--env",
            "staging",
            "--reason",
            "<!channel> see <https://evil.example|here>",
            "--offline",
        ],
        &[],
        None,
    );
    // Nothing to roll back to: a usage error, and nothing sent.
    assert_eq!(run.code, 2, "{}", run.render());
    // The payload itself, through the library.
    let policy_text = policy("http://127.0.0.1:9/hook");
    let parsed: reltag::policy::schema::PolicyFile = toml::from_str(&policy_text).unwrap();
    let target = &parsed.notify.targets[0];
    let notice = reltag::notify::Notice {
        event: reltag::ledger::EventKind::Rollback,
        event_id: "0123456789abcdef".into(),
        version: "v1.0.0".into(),
        env: Some("staging".into()),
        time: "2026-11-24T12:00:00Z".parse().unwrap(),
        local_time: "Tue 2026-11-24 07:00 America/New_York".into(),
        at: None,
        actor: "dev@example.com".into(),
        emergency: false,
        reason: Some("<!channel> see <https://evil.example|here>".into()),
        tickets: vec![],
        link: None,
    };
    let body: serde_json::Value =
        serde_json::from_slice(&reltag::notify::payload(target, &notice)).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(
        !text.contains("<!channel>") && !text.contains("<https://evil"),
        "{text}"
    );
    assert!(text.contains("&lt;!channel&gt;"), "{text}");
}

/// The policy of [`setup`] with a Teams target that wants promotions first.
fn teams_policy() -> String {
    policy("http://127.0.0.1:9/hook").replace(
        "[[notify.targets]]\nname = \"team-chat\"",
        "[[notify.targets]]\nname = \"ops-teams\"\nkind = \"teams\"\n\
         url_env = \"TEAMS_WEBHOOK_URL\"\nevents = [\"promote\"]\n\
         [[notify.targets]]\nname = \"team-chat\"",
    )
}

#[test]
fn a_promotion_is_announced_to_teams_as_an_adaptive_card() {
    let api = MockApi::start();
    api.mount(
        Mock::given(method("POST"))
            .and(path("/workflows/teams-s3cr3t"))
            .and(header("content-type", "application/json"))
            .respond_with(ResponseTemplate::new(202))
            .expect(1),
    );
    let env = TestEnv::new();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    std::fs::write(work.join("policy.toml"), teams_policy()).unwrap();
    let teams = format!("{}/workflows/teams-s3cr3t", api.uri());
    let run = promote(&env, &work, "", &[("TEAMS_WEBHOOK_URL", &teams)]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("notified ops-teams"),
        "{}",
        run.render()
    );
    no_secret(&run);
    api.verify();

    let request = api
        .requests()
        .into_iter()
        .find(|r| r.url.path() == "/workflows/teams-s3cr3t")
        .unwrap();
    let message: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(message["type"], "message");
    let attachment = &message["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(
        card["body"][0]["text"],
        "v1\\.0\\.0 was promoted to staging at Tue 2026\\-11\\-24 07:00 America/New\\_York by \
         dev@example\\.com \\[PAY\\-3\\]"
    );
    let facts = card["body"][1]["facts"].as_array().unwrap();
    let fact = |title: &str| {
        facts
            .iter()
            .find(|f| f["title"] == title)
            .map(|f| f["value"].as_str().unwrap().to_string())
    };
    assert_eq!(fact("Environment").as_deref(), Some("staging"));
    assert_eq!(fact("Tickets").as_deref(), Some("PAY\\-3"));
    assert_eq!(
        card["actions"][0]["url"],
        "https://example.github.io/app/versions/v1.0.0.html"
    );
}

#[test]
fn a_hostile_reason_cannot_become_a_link_or_emphasis_in_teams() {
    let policy_text = teams_policy();
    let parsed: reltag::policy::schema::PolicyFile = toml::from_str(&policy_text).unwrap();
    let target = &parsed.notify.targets[0];
    assert_eq!(target.name, "ops-teams");
    let notice = reltag::notify::Notice {
        event: reltag::ledger::EventKind::Rollback,
        event_id: "0123456789abcdef".into(),
        version: "v1.0.0".into(),
        env: Some("staging".into()),
        time: "2026-11-24T12:00:00Z".parse().unwrap(),
        local_time: "Tue 2026-11-24 07:00 America/New_York".into(),
        at: None,
        actor: "dev@example.com".into(),
        emergency: true,
        reason: Some(
            "[click](https://evil.example) **now** ![x](https://evil.example/x.png)".into(),
        ),
        tickets: vec![],
        link: None,
    };
    let body: serde_json::Value =
        serde_json::from_slice(&reltag::notify::payload(target, &notice)).unwrap();
    let card = &body["attachments"][0]["content"];
    let title = card["body"][0]["text"].as_str().unwrap();
    let reason = card["body"][1]["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"] == "Reason")
        .unwrap()["value"]
        .as_str()
        .unwrap();
    for text in [title, reason] {
        assert!(
            !text.contains("](") && !text.contains("**") && !text.contains("!["),
            "{text}"
        );
        assert!(
            text.contains("\\[click\\]\\(https://evil\\.example\\)"),
            "{text}"
        );
    }
    assert!(title.contains("\\(EMERGENCY\\)"), "{title}");
    assert_eq!(card["body"][0]["color"], "Attention");
}

/// The policy of [`setup`] with an emergency procedure and an on-call webhook at `oncall`
/// that wants only emergencies.
fn emergency_policy(oncall: &str) -> String {
    format!(
        "{}[[notify.targets]]\nname = \"on-call\"\nkind = \"webhook\"\nurl = \"{oncall}\"\n\
         events = [\"emergency\"]\n[emergency]\napprovers = [\"ops\"]\n",
        policy("http://127.0.0.1:9/hook")
    )
}

#[test]
fn an_emergency_promotion_also_reaches_the_targets_that_want_emergencies_and_only_it_does() {
    let api = MockApi::start();
    api.mount(
        Mock::given(method("POST"))
            .and(path("/oncall"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(SECRET_PATH))
            .respond_with(ResponseTemplate::new(200))
            .expect(2),
    );
    let oncall = format!("{}/oncall", api.uri());
    let slack = format!("{}{SECRET_PATH}", api.uri());
    let env = TestEnv::new();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    std::fs::write(work.join("policy.toml"), emergency_policy(&oncall)).unwrap();

    // A normal promotion: the chat hears of it, the on-call target does not.
    let run = promote(&env, &work, &slack, &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("notified team-chat"),
        "{}",
        run.render()
    );
    assert!(!run.stdout.contains("on-call"), "{}", run.render());

    // v1.1.0 promoted as an emergency: the chat (as a promote, marked) and the on-call
    // target (as an emergency), each once.
    crate::dashboard::cut(
        &env,
        &work,
        "v1.1.0",
        "v1.1.0\n\nPAY-4 fix",
        "2026-11-21T12:00:00Z",
    );
    let approve = env.reltag_with(&work, &["approve", "v1.1.0", "--role", "ops"], &[], None);
    assert_eq!(approve.code, 0, "{}", approve.render());
    let run = env.reltag_with(
        &work,
        &[
            "promote",
            "v1.1.0",
            "--to",
            "staging",
            "--emergency",
            "--reason",
            "INC-7 payments down",
            "--offline",
        ],
        &[("SLACK_WEBHOOK_URL", &slack), ("RELTAG_HTTP_RETRIES", "1")],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("notified team-chat"),
        "{}",
        run.render()
    );
    assert!(run.stdout.contains("notified on-call"), "{}", run.render());
    api.verify();
    let requests = api.requests();
    let hook = requests.iter().find(|r| r.url.path() == "/oncall").unwrap();
    let hook: serde_json::Value = serde_json::from_slice(&hook.body).unwrap();
    assert_eq!(hook["event"], "promote");
    assert_eq!(hook["emergency"], true);
    assert_eq!(hook["version"], "v1.1.0");
    assert_eq!(hook["reason"], "INC-7 payments down");
    let last_slack = requests
        .iter()
        .rev()
        .find(|r| r.url.path() == SECRET_PATH)
        .unwrap();
    let last_slack: serde_json::Value = serde_json::from_slice(&last_slack.body).unwrap();
    assert!(
        last_slack["text"]
            .as_str()
            .unwrap()
            .starts_with("v1.1.0 was promoted to staging (EMERGENCY)"),
        "{last_slack}"
    );
}

#[test]
fn an_unknown_notify_event_is_a_policy_error_at_its_place() {
    let env = TestEnv::new();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    let text = policy("http://127.0.0.1:9/hook").replace(
        "events = [\"promote\"]\n",
        "events = [\"promote\", \"deployed\"]\n",
    );
    std::fs::write(work.join("policy.toml"), &text).unwrap();
    let run = env.reltag_with(&work, &["check", "policy"], &[], None);
    assert_eq!(run.code, 2, "{}", run.render());
    let line = text
        .lines()
        .position(|l| l.contains("\"deployed\""))
        .unwrap()
        + 1;
    let rendered = run.render();
    assert!(
        rendered.contains(&format!("policy.toml:{line}:22")),
        "{rendered}"
    );
    assert!(
        rendered.contains(
            "unknown variant `deployed`, expected one of `cut`, `schedule`, `promote`, \
             `rollback`, `emergency`"
        ),
        "{rendered}"
    );
    insta::assert_snapshot!("notify_unknown_event", rendered);
}
