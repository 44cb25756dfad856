//! Email over SMTP: a plain-text message per notice, sent only over a connection
//! upgraded with STARTTLS (never in clear text, never after a refused upgrade), checked
//! against the same trusted roots as [`crate::http`] (the system's and `SSL_CERT_FILE`).
//! The user name and password come from the environment variables the target names and
//! are never printed; a failure names the target and the stage (connect, TLS, login,
//! sending), never the password.

use std::time::Duration;

use lettre::Transport;
use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};

use super::{Notice, Stage};
use crate::policy::schema::NotifyTarget;
use crate::text::escape;

/// The SMTP submission port (RFC 6409), where STARTTLS is the norm.
pub const SUBMISSION_PORT: u16 = 587;

/// How long one SMTP conversation may wait on the server before the send fails.
const TIMEOUT: Duration = Duration::from_secs(30);

/// `host`, `host:port` or `[v6]:port` as the policy writes it.
pub fn server(text: &str) -> Result<(String, u16), String> {
    let text = text.trim();
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("`{port}` is not a port number"))?;
            (host, port)
        }
        _ => (text, SUBMISSION_PORT),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    {
        return Err("expected a host name, `host:port` or `[IPv6]:port`".into());
    }
    Ok((host.to_string(), port))
}

/// An address as RFC 5322 writes it: `ops@example.com` or `Ops <ops@example.com>`.
pub fn mailbox(text: &str) -> Result<Mailbox, String> {
    text.parse::<Mailbox>()
        .map_err(|e| format!("not an email address ({e})"))
}

/// `[reltag] v1.2.0 was promoted to prod`: the version, what happened, where.
pub fn subject(notice: &Notice) -> String {
    let env = notice.env.as_deref().unwrap_or("");
    let what = match (notice.event, notice.stage) {
        (crate::ledger::EventKind::Cut, _) => format!("{} was cut", notice.version),
        (crate::ledger::EventKind::Schedule, _) => {
            format!("{} is scheduled to {env}", notice.version)
        }
        (crate::ledger::EventKind::Promote, Stage::Started) => {
            format!("{} is being promoted to {env}", notice.version)
        }
        (crate::ledger::EventKind::Promote, Stage::Done) => {
            format!("{} was promoted to {env}", notice.version)
        }
        (crate::ledger::EventKind::Promote, Stage::Stopped) => {
            format!("{} was NOT promoted to {env} after all", notice.version)
        }
        (crate::ledger::EventKind::Rollback, _) => {
            format!("{env} was rolled back to {}", notice.version)
        }
        (kind, _) => format!("{} {}", kind.as_str(), notice.version),
    };
    let mark = if notice.emergency { "EMERGENCY: " } else { "" };
    escape(&format!("[reltag] {mark}{what}")).into_owned()
}

/// The plain-text body: the sentence, the facts one per line, the release page.
pub fn body(notice: &Notice) -> String {
    let mut text = format!("{}\n\n", escape(&notice.sentence()));
    for (title, value) in notice.facts() {
        text.push_str(&format!("{title}: {}\n", escape(&value)));
    }
    if let Some(link) = &notice.link {
        text.push_str(&format!("\nRelease page: {}\n", escape(link)));
    }
    text.push_str("\n-- \nSent by reltag from the release ledger.\n");
    text
}

/// What `--dry-run` shows: the server, the envelope's addresses, the subject and the
/// body; never a credential.
pub fn preview(target: &NotifyTarget, notice: &Notice) -> String {
    let to: Vec<&str> = target.to.iter().map(|t| t.get_ref().as_str()).collect();
    format!(
        "SMTP {} (STARTTLS)\nFrom: {}\nTo: {}\nSubject: {}\n\n{}",
        target.smtp.as_ref().map_or("", |s| s.get_ref().as_str()),
        target.from.as_ref().map_or("", |s| s.get_ref().as_str()),
        to.join(", "),
        subject(notice),
        body(notice)
    )
}

/// The message as sent. Its Message-ID is the event's and the stage's, so a resend of a
/// message that did arrive is recognised as the same message by mail clients.
fn message(target: &NotifyTarget, notice: &Notice) -> Result<Message, String> {
    let from = target
        .from
        .as_ref()
        .ok_or("it has no `from` address")?
        .get_ref();
    let mut builder = Message::builder()
        .from(mailbox(from)?)
        .subject(subject(notice))
        .message_id(Some(format!(
            "<{}.{}@reltag>",
            notice.event_id,
            notice.stage.as_str()
        )))
        .header(ContentType::TEXT_PLAIN);
    for to in &target.to {
        builder = builder.to(mailbox(to.get_ref())?);
    }
    builder
        .body(body(notice))
        .map_err(|e| format!("cannot write the message: {e}"))
}

/// Sends `notice` to an email target: STARTTLS required, the trusted roots of
/// [`crate::http::tls`], a login when the target names its variables.
pub fn send(
    target: &NotifyTarget,
    notice: &Notice,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let smtp = target
        .smtp
        .as_ref()
        .ok_or("it has no `smtp` server")?
        .get_ref();
    let (host, port) = server(smtp)?;
    let message = message(target, notice)?;
    let roots = crate::http::tls::trusted_roots(lookup).map_err(|e| e.to_string())?;
    let mut tls = TlsParameters::builder(host.clone()).certificate_store(CertificateStore::None);
    for root in roots {
        tls = tls.add_root_certificate(
            Certificate::from_der(root.der().to_vec()).map_err(|e| e.to_string())?,
        );
    }
    let tls = tls
        .build_rustls()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let mut transport = SmtpTransport::builder_dangerous(host)
        .port(port)
        .tls(Tls::Required(tls))
        .timeout(Some(TIMEOUT));
    match (&target.user_env, &target.password_env) {
        (Some(user), Some(password)) => {
            let read = |var: &str, what: &str| {
                lookup(var)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| format!("${var} is not set (it holds the SMTP {what})"))
            };
            transport = transport.credentials(Credentials::new(
                read(user, "user name")?,
                read(password, "password")?,
            ));
        }
        (None, None) => {}
        _ => return Err("it names only one of `user_env` and `password_env`".into()),
    }
    transport
        .build()
        .send(&message)
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// A send failure in one line: lettre's error and its causes (a refused connection, a
/// certificate problem, the server's answer), never a credential, which lettre does not
/// put in its errors.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_a_host_with_the_submission_port_unless_told() {
        assert_eq!(
            server("smtp.example.com"),
            Ok(("smtp.example.com".into(), 587))
        );
        assert_eq!(
            server("smtp.example.com:2525"),
            Ok(("smtp.example.com".into(), 2525))
        );
        assert_eq!(server("[::1]:2525"), Ok(("::1".into(), 2525)));
        assert!(server("smtp.example.com:0").is_err());
        assert!(server("smtp.example.com:smtp").is_err());
        assert!(server("smtp://smtp.example.com").is_err());
        assert!(server("").is_err());
    }

    #[test]
    fn no_text_of_the_event_can_add_a_header_or_a_recipient() {
        let target: NotifyTarget = toml::from_str(
            "name = \"mail\"\nkind = \"email\"\nsmtp = \"localhost\"\n\
             from = \"reltag@example.com\"\nto = [\"team@example.com\"]\nevents = [\"rollback\"]\n",
        )
        .unwrap();
        let notice = Notice {
            event: crate::ledger::EventKind::Rollback,
            stage: Stage::Done,
            event_id: "0123456789abcdef".into(),
            version: "v1.0.0".into(),
            env: Some("prod\r\nBcc: evil@example.com".into()),
            time: jiff::Timestamp::UNIX_EPOCH,
            local_time: "Thu 1970-01-01 00:00 UTC".into(),
            at: None,
            actor: "ops@example.com".into(),
            emergency: false,
            reason: Some("broke\r\nBcc: evil@example.com\r\n\r\nforged body".into()),
            tickets: vec![],
            link: None,
        };
        let message = message(&target, &notice).unwrap();
        let recipients: Vec<String> = message
            .envelope()
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(recipients, ["team@example.com"]);
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(
            subject(&notice).contains("\\u{d}\\u{a}Bcc"),
            "{}",
            subject(&notice)
        );
    }

    #[test]
    fn addresses_are_checked_as_rfc_5322_mailboxes() {
        assert!(mailbox("ops@example.com").is_ok());
        assert!(mailbox("reltag <releases@example.com>").is_ok());
        assert!(mailbox("not an address").is_err());
        assert!(mailbox("ops@example.com\r\nBcc: x@evil.example").is_err());
    }
}
