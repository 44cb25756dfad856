//! `[notify]`: a Slack incoming webhook and a generic JSON webhook, served by a local HTTP
//! server, and email, served by a local SMTP server that speaks STARTTLS. The
//! notification goes out after the event is recorded; a dead target is a warning that
//! leaves the record alone, and `reltag notify EVENT` sends it again.

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
        stage: reltag::notify::Stage::Done,
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
        stage: reltag::notify::Stage::Done,
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
            "unknown variant `deployed`, expected one of `cut`, `schedule`, `promote-started`, \
             `promote`, `rollback`, `emergency`"
        ),
        "{rendered}"
    );
    insta::assert_snapshot!("notify_unknown_event", rendered);
}

// ------------------------------------------------------------- email over STARTTLS

/// One message as the SMTP server received it.
#[derive(Debug, Clone, Default)]
struct Mail {
    /// Whether the conversation had been upgraded with STARTTLS when MAIL FROM came.
    secure: bool,
    /// `AUTH PLAIN`'s decoded answer: `\0user\0password`.
    login: Option<String>,
    from: String,
    to: Vec<String>,
    data: String,
}

/// A local SMTP server on 127.0.0.1 (as `localhost`): it offers STARTTLS (unless told
/// not to) with a certificate from a private CA, and AUTH only after it; it records
/// every command and every message.
struct SmtpServer {
    port: u16,
    ca_file: PathBuf,
    mails: std::sync::Arc<std::sync::Mutex<Vec<Mail>>>,
    commands: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

trait Io: std::io::Read + std::io::Write {}
impl<T: std::io::Read + std::io::Write> Io for T {}

/// A line without its CRLF, read a byte at a time (nothing is buffered past it, so the
/// TLS handshake after STARTTLS starts on a clean stream).
fn smtp_line(stream: &mut dyn Io) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            _ => return None,
        }
    }
    line.truncate(line.len() - 2);
    Some(String::from_utf8_lossy(&line).into_owned())
}

impl SmtpServer {
    /// Listens on `port` (0: any free one).
    fn start(env: &TestEnv, port: u16, offer_starttls: bool) -> SmtpServer {
        let (config, ca_file) = crate::net::private_ca(env);
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let commands = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (seen_mails, seen_commands) = (mails.clone(), commands.clone());
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, mails, commands) =
                    (config.clone(), seen_mails.clone(), seen_commands.clone());
                std::thread::spawn(move || {
                    let mut tcp = tcp;
                    tcp.write_all(b"220 localhost ESMTP test\r\n").ok();
                    let upgrade = converse(&mut tcp, false, offer_starttls, &mails, &commands);
                    if upgrade {
                        let connection = rustls::ServerConnection::new(config).unwrap();
                        let mut tls = rustls::StreamOwned::new(connection, tcp);
                        converse(&mut tls, true, false, &mails, &commands);
                    }
                });
            }
        });
        SmtpServer {
            port,
            ca_file,
            mails,
            commands,
        }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}

use std::io::Write as _;

/// One SMTP conversation until QUIT, or until STARTTLS (true: upgrade and go on).
fn converse(
    stream: &mut dyn Io,
    secure: bool,
    offer_starttls: bool,
    mails: &std::sync::Mutex<Vec<Mail>>,
    commands: &std::sync::Mutex<Vec<String>>,
) -> bool {
    use base64::Engine as _;
    let mut mail = Mail {
        secure,
        ..Mail::default()
    };
    while let Some(line) = smtp_line(stream) {
        let upper = line.to_ascii_uppercase();
        let shown = if upper.starts_with("AUTH") {
            "AUTH …".to_string()
        } else {
            line.clone()
        };
        commands
            .lock()
            .unwrap()
            .push(format!("{}{shown}", if secure { "tls: " } else { "" }));
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            // A server that does not offer STARTTLS (a downgrade by someone in the
            // middle) takes a login and a message in clear text.
            let extension = if secure || !offer_starttls {
                "250-AUTH PLAIN LOGIN\r\n"
            } else {
                "250-STARTTLS\r\n"
            };
            format!("250-localhost\r\n{extension}250 8BITMIME\r\n")
        } else if upper == "STARTTLS" && !secure && offer_starttls {
            stream.write_all(b"220 2.0.0 ready to start TLS\r\n").ok();
            return true;
        } else if let Some(answer) = line.strip_prefix("AUTH PLAIN ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(answer.trim())
                .unwrap_or_default();
            mail.login = Some(String::from_utf8_lossy(&decoded).into_owned());
            "235 2.7.0 accepted\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = line[10..].trim().to_string();
            "250 2.1.0 ok\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().to_string());
            "250 2.1.5 ok\r\n".into()
        } else if upper == "DATA" {
            stream.write_all(b"354 go ahead\r\n").ok();
            let mut data = String::new();
            while let Some(text) = smtp_line(stream) {
                if text == "." {
                    break;
                }
                data.push_str(&text);
                data.push('\n');
            }
            mail.data = data;
            mails.lock().unwrap().push(mail.clone());
            "250 2.0.0 queued\r\n".into()
        } else if upper == "QUIT" {
            stream.write_all(b"221 2.0.0 bye\r\n").ok();
            stream.flush().ok();
            return false;
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 ok\r\n".into()
        } else {
            "502 5.5.2 not implemented\r\n".into()
        };
        if stream.write_all(reply.as_bytes()).is_err() {
            return false;
        }
        stream.flush().ok();
    }
    false
}

const SMTP_PASSWORD: &str = "pw-7c1e-s3cr3t";

/// The policy of [`setup`] with an email target at `localhost:port` that wants
/// promotions, logging in with `$SMTP_USER` and `$SMTP_PASSWORD`.
fn email_policy(port: u16) -> String {
    format!(
        "{}[[notify.targets]]\nname = \"release-mail\"\nkind = \"email\"\n\
         smtp = \"localhost:{port}\"\nfrom = \"reltag <reltag@example.com>\"\n\
         to = [\"releases@example.com\", \"Ops <ops@example.com>\"]\n\
         user_env = \"SMTP_USER\"\npassword_env = \"SMTP_PASSWORD\"\nevents = [\"promote\"]\n",
        policy("http://127.0.0.1:9/hook")
            .replace(
                "events = [\"promote\", \"rollback\"]",
                "events = [\"rollback\"]"
            )
            .replace(
                "token_env = \"HOOK_TOKEN\"\nevents = [\"promote\"]",
                "token_env = \"HOOK_TOKEN\"\nevents = [\"cut\"]"
            )
    )
}

/// Runs reltag with the test CA trusted and the SMTP login (and the webhook's token) set.
fn with_email(env: &TestEnv, work: &std::path::Path, ca: &std::path::Path, args: &[&str]) -> Run {
    let vars = [
        ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ("SMTP_USER", "reltag-bot"),
        ("SMTP_PASSWORD", SMTP_PASSWORD),
        ("HOOK_TOKEN", TOKEN),
        ("RELTAG_HTTP_RETRIES", "1"),
    ];
    env.reltag_with(work, args, &vars, None)
}

fn no_password(run: &Run) {
    let all = run.render();
    assert!(!all.contains(SMTP_PASSWORD), "the password leaked:\n{all}");
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_promotion_is_emailed_over_starttls_after_logging_in() {
    let env = TestEnv::new();
    let smtp = SmtpServer::start(&env, 0, true);
    let work = setup(&env, "http://127.0.0.1:9/hook");
    std::fs::write(work.join("policy.toml"), email_policy(smtp.port)).unwrap();
    let ca = smtp.ca_file.clone();
    let run = with_email(
        &env,
        &work,
        &ca,
        &["promote", "v1.0.0", "--to", "staging", "--offline"],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("notified release-mail"),
        "{}",
        run.render()
    );
    no_password(&run);

    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "{:?}", smtp.commands());
    let mail = &mails[0];
    assert!(mail.secure, "sent before STARTTLS: {:?}", smtp.commands());
    assert_eq!(
        mail.login.as_deref(),
        Some(format!("\0reltag-bot\0{SMTP_PASSWORD}").as_str())
    );
    assert_eq!(mail.from, "<reltag@example.com>");
    assert_eq!(mail.to, ["<releases@example.com>", "<ops@example.com>"]);
    // Quoted-printable: long lines are broken with a soft `=` at the end.
    let data = &mail.data.replace("=\n", "");
    for expected in [
        "Subject: [reltag] v1.0.0 was promoted to staging",
        "From: reltag <reltag@example.com>",
        "To: releases@example.com, Ops <ops@example.com>",
        "Content-Type: text/plain; charset=utf-8",
        "v1.0.0 was promoted to staging at Tue 2026-11-24 07:00 America/New_York by \
         dev@example.com [PAY-3]",
        "Environment: staging",
        "Tickets: PAY-3",
        "Release page: https://example.github.io/app/versions/v1.0.0.html",
    ] {
        assert!(data.contains(expected), "{expected:?} missing in\n{data}");
    }
    // Nothing but the greeting and the upgrade in clear text.
    let commands = smtp.commands();
    let clear: Vec<_> = commands
        .iter()
        .filter(|c| !c.starts_with("tls: "))
        .collect();
    assert_eq!(clear.len(), 2, "{commands:?}");
    assert!(clear[0].starts_with("EHLO"), "{commands:?}");
    assert_eq!(clear[1], "STARTTLS");
}

#[test]
fn a_server_that_does_not_offer_starttls_gets_no_mail_and_no_password() {
    let env = TestEnv::new();
    let smtp = SmtpServer::start(&env, 0, false);
    let work = setup(&env, "http://127.0.0.1:9/hook");
    let ca = smtp.ca_file.clone();
    // With a login, and without one (nothing to refuse but the clear text itself).
    let with_login = email_policy(smtp.port);
    let without_login = with_login.replace(
        "user_env = \"SMTP_USER\"\npassword_env = \"SMTP_PASSWORD\"\n",
        "",
    );
    for (text, version) in [(with_login, "v1.0.0"), (without_login, "v1.1.0")] {
        std::fs::write(work.join("policy.toml"), &text).unwrap();
        if version != "v1.0.0" {
            crate::dashboard::cut(
                &env,
                &work,
                version,
                "v1.1.0\n\nPAY-4",
                "2026-11-21T12:00:00Z",
            );
        }
        let run = with_email(
            &env,
            &work,
            &ca,
            &["promote", version, "--to", "staging", "--offline"],
        );
        assert_eq!(run.code, 0, "the record stands: {}", run.render());
        assert!(
            run.stderr
                .contains("warning: could not notify release-mail: "),
            "{}",
            run.render()
        );
        no_password(&run);
    }
    assert!(smtp.mails().is_empty(), "{:?}", smtp.commands());
    let commands = smtp.commands();
    assert!(
        commands
            .iter()
            .all(|c| !c.starts_with("AUTH") && !c.starts_with("MAIL")),
        "a login or a message in clear text: {commands:?}"
    );
}

#[test]
fn a_dead_smtp_server_is_a_warning_and_notify_sends_the_mail_again() {
    let env = TestEnv::new();
    let port = closed_port();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    std::fs::write(work.join("policy.toml"), email_policy(port)).unwrap();
    // The CA file must exist before the server does: make one from a server never used.
    let unused = SmtpServer::start(&env, 0, true);
    let ca = unused.ca_file.clone();
    let run = with_email(
        &env,
        &work,
        &ca,
        &["promote", "v1.0.0", "--to", "staging", "--offline"],
    );
    assert_eq!(run.code, 0, "the record stands: {}", run.render());
    assert!(
        run.stderr
            .contains("warning: could not notify release-mail: ")
            && run.stderr.contains("send it again with `reltag notify "),
        "{}",
        run.render()
    );
    no_password(&run);
    let newest = env.git(&work, &["log", "-1", "--format=%B", "refs/reltag/ledger"]);
    assert!(newest.contains("Event: promote"), "{newest}");
    let id = regex::Regex::new(r"reltag notify ([0-9a-f]+)")
        .unwrap()
        .captures(&run.stderr)
        .unwrap()[1]
        .to_string();

    // The dry run shows the message, not the password.
    let dry = with_email(&env, &work, &ca, &["notify", &id, "--offline", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.render());
    assert!(
        dry.stdout.contains(&format!(
            "dry run: would send to release-mail: SMTP localhost:{port} (STARTTLS)"
        )) && dry
            .stdout
            .contains("Subject: [reltag] v1.0.0 was promoted to staging"),
        "{}",
        dry.render()
    );
    no_password(&dry);
    let ids = regex::Regex::new(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!(
        "notify_email_dry_run",
        ids.replace_all(&dry.render().replace(&port.to_string(), "[PORT]"), "[ID]")
    );

    // The server comes up on that port (the CA file is rewritten with its CA): the
    // resend arrives.
    let smtp = SmtpServer::start(&env, port, true);
    let ca = smtp.ca_file.clone();
    let again = with_email(&env, &work, &ca, &["notify", &id, "--offline"]);
    assert_eq!(again.code, 0, "{}", again.render());
    assert!(
        again.stdout.contains("notified release-mail"),
        "{}",
        again.render()
    );
    no_password(&again);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "{:?}", smtp.commands());
    assert!(mails[0].secure);
    // The event's Message-ID: a client that got the first one sees the same message.
    assert!(
        mails[0]
            .data
            .contains(&format!("Message-ID: <{id}.done@reltag>")),
        "{}",
        mails[0].data
    );
}

#[test]
fn a_hostile_reason_in_the_email_dry_run_stays_on_its_gutter_line_and_inert() {
    let env = TestEnv::new();
    let port = closed_port();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    std::fs::write(work.join("policy.toml"), email_policy(port)).unwrap();
    let unused = SmtpServer::start(&env, 0, true);
    let ca = unused.ca_file.clone();
    let reason = "INC-7\n::error::forged\n  error[release-cut] forged\n\u{1b}[2Jgone";
    let run = with_email(
        &env,
        &work,
        &ca,
        &[
            "promote",
            "v1.0.0",
            "--to",
            "staging",
            "--offline",
            "--reason",
            reason,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let id = regex::Regex::new(r"reltag notify ([0-9a-f]+)")
        .unwrap()
        .captures(&run.stderr)
        .unwrap()[1]
        .to_string();
    let dry = with_email(&env, &work, &ca, &["notify", &id, "--offline", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.render());
    // The preview is indented lines behind a gutter, and the reason is one of them.
    assert!(
        dry.stdout.contains(
            "\n    | Reason: INC-7\\u{a}::error::forged\\u{a}  error[release-cut] forged\\u{a}\\u{1b}[2Jgone\n"
        ),
        "{}",
        dry.render()
    );
    for line in dry.stdout.lines() {
        let trimmed = line.trim_start();
        assert!(
            line.starts_with("note: ") || line.starts_with("    |") || line.starts_with("allowed:"),
            "a line outside the note: {line:?}\n{}",
            dry.render()
        );
        assert!(
            !trimmed.starts_with("::") && !trimmed.starts_with("##[") && !line.contains('\u{1b}'),
            "{line:?}"
        );
    }
}

#[test]
fn an_email_target_without_its_server_sender_or_recipients_is_a_policy_error() {
    let env = TestEnv::new();
    let work = setup(&env, "http://127.0.0.1:9/hook");
    let text = format!(
        "{}[[notify.targets]]\nname = \"release-mail\"\nkind = \"email\"\n\
         from = \"not an address\"\nevents = [\"promote\"]\n",
        policy("http://127.0.0.1:9/hook")
    );
    std::fs::write(work.join("policy.toml"), &text).unwrap();
    let run = env.reltag_with(&work, &["check", "policy"], &[], None);
    assert_eq!(run.code, 2, "{}", run.render());
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let rendered = run.render();
    for expected in [
        format!("policy.toml:{}:8\n", line_of("kind = \"email\"")),
        "error[policy] email target `release-mail` needs `smtp = \"host:port\"`".to_string(),
        "error[policy] email target `release-mail` needs `to = [\"team@example.com\"]`".to_string(),
        format!("policy.toml:{}:8\n", line_of("from = ")),
        "error[policy] invalid sender `not an address`: not an email address".to_string(),
    ] {
        assert!(rendered.contains(&expected), "{expected}\n{rendered}");
    }
}

// ---------------------------------------------------------- a promotion as it starts

#[test]
fn a_promotion_is_announced_as_it_starts_before_its_record_and_again_when_done() {
    let api = MockApi::start();
    api.mount(
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(204))
            .expect(2),
    );
    let env = TestEnv::new();
    let work = setup(&env, &format!("{}/hook", api.uri()));
    let text = policy(&format!("{}/hook", api.uri())).replace(
        "token_env = \"HOOK_TOKEN\"\nevents = [\"promote\"]",
        "token_env = \"HOOK_TOKEN\"\nevents = [\"promote-started\", \"promote\"]",
    );
    std::fs::write(work.join("policy.toml"), &text).unwrap();
    let run = promote(&env, &work, "http://127.0.0.1:9/slack", &[]);
    assert_eq!(run.code, 0, "{}", run.render());
    api.verify();
    let bodies: Vec<serde_json::Value> = api
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/hook")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["stage"], "started");
    assert_eq!(bodies[0]["event"], "promote");
    assert!(
        bodies[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("v1.0.0 is being promoted to staging at "),
        "{}",
        bodies[0]
    );
    assert_eq!(bodies[1]["stage"], "done");
    assert_eq!(bodies[0]["event_id"], bodies[1]["event_id"]);
    // The start is told before the record is written; the end after.
    let started = run
        .stdout
        .find("notified ops-hook that the promotion started")
        .unwrap();
    let recorded = run.stdout.find("recorded: ").unwrap();
    let done = run.stdout.rfind("notified ops-hook\n").unwrap();
    assert!(started < recorded && recorded < done, "{}", run.stdout);

    // A promotion the gate refuses is not announced at all.
    let before = api.requests().len();
    let blocked = env.reltag_with(
        &work,
        &["promote", "v9.9.9", "--to", "staging", "--offline"],
        &[("HOOK_TOKEN", TOKEN)],
        None,
    );
    assert_ne!(blocked.code, 0, "{}", blocked.render());
    assert_eq!(api.requests().len(), before);
}

/// Appends a promotion of `version` to staging to the clone's ledger when the first
/// `started` notice arrives, as another release manager would in that moment.
struct PromoteWhenStarted {
    work: PathBuf,
    version: &'static str,
    commit: String,
    fired: std::sync::atomic::AtomicBool,
}

impl wiremock::Respond for PromoteWhenStarted {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        if body["stage"] == "started" && !self.fired.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            use reltag::ledger::{Event, EventBody, Ledger, Promote};
            let repo = gix::open(&self.work).unwrap();
            let commit = gix::ObjectId::from_hex(self.commit.as_bytes()).unwrap();
            let event = Event::new(
                EventBody::Promote(Promote {
                    version: self.version.into(),
                    env: "staging".into(),
                    artifacts: Vec::new(),
                    emergency: false,
                    reason: None,
                }),
                commit,
                "ops@example.com",
                "2026-11-24T11:00:00Z".parse().unwrap(),
            )
            .unwrap();
            Ledger::new(&repo).append(&event).unwrap();
        }
        ResponseTemplate::new(204)
    }
}

#[test]
fn a_started_promotion_that_loses_the_race_is_announced_as_stopped() {
    let api = MockApi::start();
    let env = TestEnv::new();
    let work = setup(&env, &format!("{}/hook", api.uri()));
    crate::dashboard::cut(
        &env,
        &work,
        "v1.1.0",
        "v1.1.0\n\nPAY-4",
        "2026-11-21T12:00:00Z",
    );
    let commit = env.git(&work, &["rev-parse", "v1.1.0^{commit}"]);
    api.mount(
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(PromoteWhenStarted {
                work: work.clone(),
                version: "v1.1.0",
                commit: commit.trim().to_string(),
                fired: false.into(),
            })
            .expect(2),
    );
    let text = policy(&format!("{}/hook", api.uri())).replace(
        "token_env = \"HOOK_TOKEN\"\nevents = [\"promote\"]",
        "token_env = \"HOOK_TOKEN\"\nevents = [\"promote-started\", \"promote\"]",
    );
    std::fs::write(work.join("policy.toml"), &text).unwrap();
    // v1.0.0 is allowed; while the start is told, v1.1.0 is promoted to staging: the
    // write decides again on that ledger, and refuses.
    let run = promote(&env, &work, "http://127.0.0.1:9/slack", &[]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(!run.stdout.contains("recorded: "), "{}", run.render());
    api.verify();
    let bodies: Vec<serde_json::Value> = api
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["stage"], "started");
    assert_eq!(bodies[1]["stage"], "stopped");
    assert_eq!(bodies[1]["version"], "v1.0.0");
    assert!(
        bodies[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("v1.0.0 was NOT promoted to staging after all"),
        "{}",
        bodies[1]
    );
    let newest = env.git(&work, &["log", "-1", "--format=%B", "refs/reltag/ledger"]);
    assert!(newest.contains("Version: v1.1.0"), "{newest}");
    insta::assert_snapshot!("notify_started_then_stopped", normalize(&run, &api));
}
