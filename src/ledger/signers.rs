//! Who may sign for whom: ssh-keygen's *allowed signers* file, and OpenPGP fingerprints.
//!
//! The file is the one git reads for `gpg.ssh.allowedSignersFile`, so an auditor checks
//! an event with plain git and the same file (see `FORMAT.md`). Each line binds a key to
//! principals:
//!
//! ```text
//! # principals        [options]                          key
//! qa@example.com      namespaces="git"                   ssh-ed25519 AAAA…
//! ops@example.com     valid-after="20260101Z"            ssh-ed25519 AAAA… ops laptop
//! @alice,@bob         namespaces="git",valid-before="20270101Z" ssh-ed25519 AAAA… promote workflow
//! ```
//!
//! Principals are a comma-separated pattern list (`*` and `?` wildcards, `!` to exclude),
//! matched against the event's actor without regard to ASCII case (reltag compares
//! identities that way everywhere). Options: `namespaces` (must include `git` when given),
//! `valid-after`, `valid-before` (`YYYYMMDD[HHMM[SS]]`, read as UTC; write a trailing `Z`
//! so ssh-keygen reads them the same), and `cert-authority`, which reltag does not accept
//! (certificates are not supported: such a line binds nothing, and says so).
//!
//! A file that does not parse is refused whole, naming `file:line` — a key list that is
//! half read would let the other half count for nothing without anyone noticing.

use jiff::Timestamp;
use jiff::civil::DateTime;

use super::sshsig::PublicKey;

/// One line of the allowed signers file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// 1-based line number, for messages.
    pub line: usize,
    /// The principals pattern list as written.
    pub principals: String,
    pub key: PublicKey,
    pub namespaces: Option<Vec<String>>,
    pub valid_after: Option<Timestamp>,
    pub valid_before: Option<Timestamp>,
    pub cert_authority: bool,
}

impl Binding {
    /// Whether `actor` matches the principals pattern list.
    pub fn binds(&self, actor: &str) -> bool {
        matches_pattern_list(actor, &self.principals)
    }

    fn namespace_ok(&self) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| matches_pattern(NAMESPACE, n)))
    }

    fn valid_at(&self, at: Timestamp) -> bool {
        self.valid_after.is_none_or(|after| at >= after)
            && self.valid_before.is_none_or(|before| at <= before)
    }
}

/// The namespace git signs commits in.
pub const NAMESPACE: &str = "git";

/// A parsed allowed signers file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedSigners {
    pub bindings: Vec<Binding>,
}

/// Why a key may not sign for an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No line lists the key.
    UnknownKey,
    /// Lines list it, but for other principals.
    OtherPrincipals(Vec<String>),
    /// Listed for the actor only in namespaces other than `git`.
    Namespace,
    /// Listed for the actor, but not at that time.
    Expired {
        before: Timestamp,
    },
    NotYetValid {
        after: Timestamp,
    },
    /// Only `cert-authority` lines list it.
    CertificateAuthority,
}

impl Refusal {
    /// The refusal in words, for a key `fingerprint`, an `actor` and the file's `path`.
    pub fn describe(&self, fingerprint: &str, actor: &str, path: &str) -> String {
        match self {
            Refusal::UnknownKey => {
                format!("signed with {fingerprint}, a key {path} does not list")
            }
            Refusal::OtherPrincipals(principals) => format!(
                "signed with {fingerprint}, a key {path} binds to {}, not to {actor}",
                principals.join(", ")
            ),
            Refusal::Namespace => format!(
                "signed with {fingerprint}, which {path} allows for {actor} only outside the \"git\" namespace"
            ),
            Refusal::Expired { before } => format!(
                "signed with {fingerprint}, a key {path} binds to {actor} only until {before} (valid-before): expired or revoked at the event's time"
            ),
            Refusal::NotYetValid { after } => format!(
                "signed with {fingerprint}, a key {path} binds to {actor} only from {after} (valid-after)"
            ),
            Refusal::CertificateAuthority => format!(
                "signed with {fingerprint}, which {path} lists only as a cert-authority: certificates are not supported"
            ),
        }
    }
}

impl AllowedSigners {
    /// Parse the file's text; `Err((line, problem))` for the first line that does not parse.
    pub fn parse(text: &str) -> Result<AllowedSigners, (usize, String)> {
        let mut bindings = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let binding = parse_line(index + 1, line).map_err(|e| (index + 1, e))?;
            bindings.push(binding);
        }
        Ok(AllowedSigners { bindings })
    }

    /// May `key` sign for `actor` at `at`?
    pub fn allows(&self, key: &PublicKey, actor: &str, at: Timestamp) -> Result<&Binding, Refusal> {
        let listed: Vec<&Binding> = self.bindings.iter().filter(|b| b.key == *key).collect();
        if listed.is_empty() {
            return Err(Refusal::UnknownKey);
        }
        let usable: Vec<&Binding> = listed
            .iter()
            .copied()
            .filter(|b| !b.cert_authority)
            .collect();
        if usable.is_empty() {
            return Err(Refusal::CertificateAuthority);
        }
        let for_actor: Vec<&Binding> = usable.iter().copied().filter(|b| b.binds(actor)).collect();
        if for_actor.is_empty() {
            let mut principals: Vec<String> = usable.iter().map(|b| b.principals.clone()).collect();
            principals.dedup();
            return Err(Refusal::OtherPrincipals(principals));
        }
        let in_namespace: Vec<&Binding> = for_actor
            .iter()
            .copied()
            .filter(|b| b.namespace_ok())
            .collect();
        if in_namespace.is_empty() {
            return Err(Refusal::Namespace);
        }
        if let Some(binding) = in_namespace.iter().find(|b| b.valid_at(at)) {
            return Ok(binding);
        }
        let expired = in_namespace
            .iter()
            .filter_map(|b| b.valid_before.filter(|before| at > *before))
            .max();
        Err(match expired {
            Some(before) => Refusal::Expired { before },
            None => Refusal::NotYetValid {
                after: in_namespace
                    .iter()
                    .filter_map(|b| b.valid_after)
                    .min()
                    .unwrap_or(at),
            },
        })
    }
}

/// Public keys listed in a revocation file (`gpg.ssh.revocationFile`'s plain form: one
/// OpenSSH public key per line, `#` comments).
pub fn parse_revoked(text: &str) -> Result<Vec<PublicKey>, (usize, String)> {
    let mut keys = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(keytype), Some(base64)) = (parts.next(), parts.next()) else {
            return Err((index + 1, "expected `<key type> <base64 key>`".into()));
        };
        keys.push(PublicKey::parse(keytype, base64).map_err(|e| (index + 1, e))?);
    }
    Ok(keys)
}

fn parse_line(line_no: usize, line: &str) -> Result<Binding, String> {
    let (principals, rest) = take_field(line)?;
    let principals = unquote(principals);
    if principals.is_empty() {
        return Err("no principals".into());
    }
    let rest = rest.trim_start();
    // After the principals: either the key, or options then the key.
    let (first, after_first) = take_field(rest)?;
    let (options, key_text) = if is_key_type(first) {
        (None, rest)
    } else {
        (Some(first), after_first.trim_start())
    };
    let mut parts = key_text.split_whitespace();
    let keytype = parts.next().ok_or("no key after the principals")?;
    if !is_key_type(keytype) {
        return Err(format!("{keytype:?} is not a key type (e.g. ssh-ed25519)"));
    }
    let base64 = parts.next().ok_or("the key has no base64 part")?;
    let key = PublicKey::parse(keytype, base64)?;
    let mut binding = Binding {
        line: line_no,
        principals,
        key,
        namespaces: None,
        valid_after: None,
        valid_before: None,
        cert_authority: false,
    };
    if let Some(options) = options {
        for option in split_options(options)? {
            let (name, value) = match option.split_once('=') {
                Some((name, value)) => (name, Some(dequote(value)?)),
                None => (option.as_str(), None),
            };
            match (name.to_ascii_lowercase().as_str(), value) {
                ("cert-authority", None) => binding.cert_authority = true,
                ("namespaces", Some(value)) => {
                    binding.namespaces = Some(value.split(',').map(str::to_owned).collect());
                }
                ("valid-after", Some(value)) => binding.valid_after = Some(parse_time(&value)?),
                ("valid-before", Some(value)) => {
                    binding.valid_before = Some(parse_time(&value)?);
                }
                _ => {
                    return Err(format!(
                        "unknown option {option:?} (expected namespaces=\"…\", valid-after=\"…\", valid-before=\"…\" or cert-authority)"
                    ));
                }
            }
        }
    }
    Ok(binding)
}

fn is_key_type(text: &str) -> bool {
    text.starts_with("ssh-") || text.starts_with("ecdsa-") || text.starts_with("sk-")
}

/// The next whitespace-delimited field, where double quotes group.
fn take_field(text: &str) -> Result<(&str, &str), String> {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&text[..i], &text[i..])),
            _ => {}
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    Ok((text, ""))
}

fn unquote(text: &str) -> String {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .to_owned()
}

fn dequote(value: &str) -> Result<String, String> {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(|| format!("option value {value} must be in double quotes"))
}

/// Options are comma-separated, with commas inside quotes kept.
fn split_options(text: &str) -> Result<Vec<String>, String> {
    let mut options = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => options.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote in the options".into());
    }
    options.push(current);
    if options.iter().any(String::is_empty) {
        return Err("an empty option".into());
    }
    Ok(options)
}

/// `YYYYMMDD[HHMM[SS]][Z]`, as UTC.
fn parse_time(text: &str) -> Result<Timestamp, String> {
    let digits = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let bad = || format!("time {text:?} is not YYYYMMDD[HHMM[SS]][Z]");
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(bad());
    }
    let field = |range: std::ops::Range<usize>| -> Result<i16, String> {
        digits
            .get(range)
            .map_or(Ok(0), |s| s.parse::<i16>().map_err(|_| bad()))
    };
    let (year, month, day) = (field(0..4)?, field(4..6)?, field(6..8)?);
    let (hour, minute, second) = (field(8..10)?, field(10..12)?, field(12..14)?);
    let civil = DateTime::new(
        year,
        i8::try_from(month).map_err(|_| bad())?,
        i8::try_from(day).map_err(|_| bad())?,
        i8::try_from(hour).map_err(|_| bad())?,
        i8::try_from(minute).map_err(|_| bad())?,
        i8::try_from(second).map_err(|_| bad())?,
        0,
    )
    .map_err(|_| bad())?;
    civil
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|_| bad())
}

/// OpenSSH's `match_pattern_list`: a comma-separated list where a `!` entry that matches
/// refuses outright, and otherwise any entry matching accepts. ASCII case is ignored.
pub fn matches_pattern_list(name: &str, list: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let mut matched = false;
    for pattern in list.split(',') {
        let pattern = pattern.trim().to_ascii_lowercase();
        if let Some(negated) = pattern.strip_prefix('!') {
            if matches_pattern(&name, negated) {
                return false;
            }
        } else if matches_pattern(&name, &pattern) {
            matched = true;
        }
    }
    matched
}

/// `*` matches any run, `?` one character.
fn matches_pattern(name: &str, pattern: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut n, mut p) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                n += 1;
                p += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    n = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIyL4NXdG2+0UoCA+zcjMmWPU87qfIpYpQH4YpUjYbRE";
    const OTHER: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1hbGxvcnlzLWtleS1pcy1ub3QtcWEtbGVhZHMta2V5";

    fn key(line: &str) -> PublicKey {
        let mut parts = line.split_whitespace();
        PublicKey::parse(parts.next().unwrap(), parts.next().unwrap()).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_key_signs_for_its_principals_in_the_git_namespace_while_valid() {
        let file = format!(
            "# team\n\nqa@example.com namespaces=\"git\" {KEY} qa laptop\n\"@alice,@bob\" valid-after=\"20260101Z\",valid-before=\"20261231235959Z\" {OTHER}\n"
        );
        let signers = AllowedSigners::parse(&file).unwrap();
        let now = at("2026-06-01T00:00:00Z");
        let qa = key(KEY);
        let other = key(OTHER);
        assert_eq!(signers.allows(&qa, "QA@example.com", now).unwrap().line, 3);
        assert_eq!(
            signers.allows(&qa, "po@example.com", now),
            Err(Refusal::OtherPrincipals(vec!["qa@example.com".into()]))
        );
        assert!(signers.allows(&other, "@bob", now).is_ok());
        assert_eq!(
            signers.allows(&other, "@bob", at("2027-01-01T00:00:00Z")),
            Err(Refusal::Expired {
                before: at("2026-12-31T23:59:59Z")
            })
        );
        assert_eq!(
            signers.allows(&other, "@bob", at("2025-12-31T00:00:00Z")),
            Err(Refusal::NotYetValid {
                after: at("2026-01-01T00:00:00Z")
            })
        );
        let mallory =
            key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(
            signers.allows(&mallory, "qa@example.com", now),
            Err(Refusal::UnknownKey)
        );
    }

    #[test]
    fn namespaces_and_certificate_authorities_are_honoured() {
        let signers =
            AllowedSigners::parse(&format!("qa@example.com namespaces=\"file\" {KEY}\n")).unwrap();
        assert_eq!(
            signers.allows(&key(KEY), "qa@example.com", at("2026-01-01T00:00:00Z")),
            Err(Refusal::Namespace)
        );
        let signers =
            AllowedSigners::parse(&format!("*@example.com cert-authority {KEY}\n")).unwrap();
        assert_eq!(
            signers.allows(&key(KEY), "qa@example.com", at("2026-01-01T00:00:00Z")),
            Err(Refusal::CertificateAuthority)
        );
    }

    #[test]
    fn pattern_lists_match_as_openssh_does() {
        for (name, list, expected) in [
            ("qa@example.com", "qa@example.com", true),
            ("qa@example.com", "*@example.com", true),
            ("qa@example.com", "*@example.com,!qa@example.com", false),
            ("@alice", "@*", true),
            ("@alice", "@al?ce", true),
            ("@alice", "@bob,@carol", false),
            ("alice@example.com.evil", "*@example.com", false),
            ("", "*", true),
            ("a", "", false),
        ] {
            assert_eq!(matches_pattern_list(name, list), expected, "{name} {list}");
        }
    }

    #[test]
    fn a_broken_line_is_named() {
        for (text, line) in [
            ("qa@example.com\n", 1),
            ("# c\nqa@example.com nonsense=\"x\" ssh-ed25519 AAAA\n", 2),
            (&*format!("qa@example.com valid-after=\"2026\" {KEY}\n"), 1),
            (&*format!("qa@example.com valid-after=20260101 {KEY}\n"), 1),
            ("qa@example.com ssh-ed25519 !!!\n", 1),
            ("\"qa@example.com ssh-ed25519 AAAA\n", 1),
        ] {
            assert_eq!(AllowedSigners::parse(text).unwrap_err().0, line, "{text}");
        }
    }

    #[test]
    fn revocation_lists_hold_public_keys() {
        let keys = parse_revoked(&format!("# revoked\n{KEY} lost laptop\n")).unwrap();
        assert_eq!(keys, vec![key(KEY)]);
        assert_eq!(parse_revoked("ssh-ed25519\n").unwrap_err().0, 1);
    }
}
