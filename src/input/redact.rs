//! What an error may quote from a file. A report or policy that is really some other
//! file (an `.env`, a `.netrc`, `/proc/self/environ`) must not have its secrets printed
//! in the error that says it is not a report. Every word of quoted text that looks like
//! a secret or like binary data is replaced by [`REDACTED`], and quotes are short.

use std::borrow::Cow;

/// What stands in for a word that looks like a secret.
pub const REDACTED: &str = "[redacted]";

/// Words that name a secret (lowercase, matched anywhere in a word).
const SECRET_WORDS: [&str; 13] = [
    "token",
    "secret",
    "passw",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "private-key",
    "authorization",
    "bearer",
    "extraheader",
    "cookie",
];

/// Prefixes of well-known credentials (lowercase): GitHub, GitLab, Slack, AWS, Stripe,
/// OpenAI-style keys, JWTs, PEM blocks.
const SECRET_PREFIXES: [&str; 17] = [
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "akia",
    "asia",
    "sk-",
    "sk_live_",
    "rk_live_",
    "eyj",
];

/// `text` with every word that looks like a secret replaced by [`REDACTED`]; borrowed
/// when nothing was replaced.
pub fn scrub(text: &str) -> Cow<'_, str> {
    if !text.split_whitespace().any(looks_secret) && !text.contains("-----BEGIN") {
        return Cow::Borrowed(text);
    }
    if text.contains("-----BEGIN") {
        return Cow::Owned(REDACTED.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let word_start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..word_start]);
        rest = &rest[word_start..];
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        out.push_str(if looks_secret(word) { REDACTED } else { word });
        rest = &rest[word_end..];
    }
    Cow::Owned(out)
}

/// A short quote of file text for an error: at most `max_chars` characters (then `…`),
/// scrubbed.
pub fn quote(text: &str, max_chars: usize) -> String {
    let mut short: String = text.chars().take(max_chars).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    scrub(&short).into_owned()
}

/// Does this word look like a secret, or like binary data?
pub fn looks_secret(word: &str) -> bool {
    let word = word.trim_matches(|c: char| "`'\"()[]{}<>,;.".contains(c));
    if word.chars().any(|c| c.is_control()) {
        return true;
    }
    let lower = word.to_ascii_lowercase();
    if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    if lower.len() >= 16 && SECRET_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    environment_assignment(word) || random_looking(word)
}

/// `NAME=value` with an upper-case name: an environment variable or a `.env` line.
fn environment_assignment(word: &str) -> bool {
    let Some((name, value)) = word.split_once('=') else {
        return false;
    };
    !value.is_empty()
        && name.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A long run of token characters that mixes upper case, lower case and digits (an API
/// key, base64), or a long run of hex with letters and digits.
fn random_looking(word: &str) -> bool {
    word.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c)))
        .any(|run| {
            let (upper, lower, digit) = (
                run.chars().any(|c| c.is_ascii_uppercase()),
                run.chars().any(|c| c.is_ascii_lowercase()),
                run.chars().any(|c| c.is_ascii_digit()),
            );
            let hex = run.chars().all(|c| c.is_ascii_hexdigit());
            (run.len() >= 20 && upper && lower && digit)
                || (run.len() >= 32 && hex && digit && (upper || lower))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_ordinary_text_is_kept() {
        for secret in [
            "GITHUB_TOKEN=ghp_abc",
            "ghp_1234567890abcdefghij",
            "AKIAIOSFODNN7EXAMPLE",
            "password",
            "`MY_TOKEN=x\u{0}SHELL=/bin/bash`",
            "AUTHORIZATION:",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "0123456789abcdef0123456789abcdef",
            "DATABASE_URL=postgres://u:p@h/db",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
        ] {
            assert!(looks_secret(secret), "{secret}");
            assert_eq!(scrub(&format!("a {secret} b")), format!("a {REDACTED} b"));
        }
        for ordinary in [
            "hits=\"NaN\"",
            "LF:18446744073709551615",
            "18446744073709551615",
            "`x`",
            "src/lib.rs",
            "lines-valid=\"abc\"",
            "end_of_record",
            "POST /api/payments",
        ] {
            assert!(!looks_secret(ordinary), "{ordinary}");
        }
        assert!(matches!(scrub("nothing to hide here"), Cow::Borrowed(_)));
        assert_eq!(scrub("x -----BEGIN OPENSSH PRIVATE KEY----- y"), REDACTED);
    }

    #[test]
    fn quotes_are_short() {
        assert_eq!(quote("abcdef", 3), "abc…");
        assert_eq!(quote("abc", 3), "abc");
        assert_eq!(quote("TOKEN=1 x", 40), format!("{REDACTED} x"));
    }
}
