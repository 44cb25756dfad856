//! Finding Jira issue keys in text, as Jira links them: a project key (an uppercase
//! letter, then uppercase letters, digits or `_`), a dash, and a number that does not
//! start with 0, not preceded by a word character. After the number may come the end of
//! a word or a dash and more (`KAFKA-17532-2: …` names KAFKA-17532, as Jira's own
//! detection finds it), but no letter, digit or `_` (`PAY-1x` is no key).
//!
//! A byte scanner rather than a regex: Rust's `regex` has no look-around, and the
//! boundary rules need it. It also keeps a 10 MB message linear and allocation-free.

/// Well-known identifiers that look like Jira keys: encodings, hashes, standards,
/// licences, and security advisories (`CVE-2024-1234`, `RHSA-2024:1234`,
/// `RUSTSEC-2024-0001`). They are ignored unless the policy lists their prefix in
/// `jira_projects`.
const LOOK_ALIKES: &[&str] = &[
    "UTF", "UCS", "SHA", "MD", "CVE", "CWE", "GHSA", "ISO", "IEC", "RFC", "IEEE", "ECMA", "AES",
    "RSA", "DES", "TLS", "SSL", "HTTP", "IPV", "PEP", "JSR", "GPL", "LGPL", "AGPL", "MPL", "BSD",
    "CC", "WCAG", "ASCII", "ANSI", "CP", "WIN", "WINDOWS", "IBM", "KOI", "LATIN", "X",
    // Security advisories: Red Hat, Debian, Ubuntu, Amazon Linux, Oracle, CentOS, SUSE,
    // the Go, Python and Rust advisory databases, OSV, Microsoft.
    "RHSA", "RHBA", "RHEA", "DSA", "DLA", "USN", "ALAS", "ALAS2", "ELSA", "CESA", "SUSE", "GO",
    "PYSEC", "RUSTSEC", "OSV", "MS", "MSRC",
];

/// One key found in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMatch<'a> {
    pub key: &'a str,
    pub project: &'a str,
}

fn is_word_byte(b: u8) -> bool {
    // Non-ASCII bytes count as word characters: `éPAY-1` is not a key.
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Every Jira key in `text`. With a non-empty `projects` allow-list only those projects
/// count; without one, keys of 2–10 characters count except well-known look-alikes.
pub fn find_keys<'a, 'p>(
    text: &'a [u8],
    projects: &'p [String],
) -> impl Iterator<Item = KeyMatch<'a>> + use<'a, 'p> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < text.len() {
            let start = pos;
            let b = text[start];
            pos += 1;
            if !b.is_ascii_uppercase() || (start > 0 && is_word_byte(text[start - 1])) {
                continue;
            }
            let mut i = start + 1;
            while i < text.len()
                && (text[i].is_ascii_uppercase() || text[i].is_ascii_digit() || text[i] == b'_')
            {
                i += 1;
            }
            let project_end = i;
            if i + 1 >= text.len() || text[i] != b'-' || !matches!(text[i + 1], b'1'..=b'9') {
                pos = project_end;
                continue;
            }
            i += 2;
            while i < text.len() && text[i].is_ascii_digit() {
                i += 1;
            }
            let end = i;
            pos = end;
            if end < text.len() && is_word_byte(text[end]) {
                continue;
            }
            // Only ASCII bytes were consumed, so these slices are valid UTF-8.
            let key = std::str::from_utf8(&text[start..end]).unwrap_or_default();
            let project = &key[..project_end - start];
            let counts = if projects.is_empty() {
                (2..=10).contains(&project.len()) && !LOOK_ALIKES.contains(&project)
            } else {
                projects.iter().any(|p| p == project)
            };
            if counts {
                return Some(KeyMatch { key, project });
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, projects: &[&str]) -> Vec<String> {
        let projects: Vec<String> = projects.iter().map(|p| p.to_string()).collect();
        find_keys(text.as_bytes(), &projects)
            .map(|k| k.key.to_string())
            .collect()
    }

    #[test]
    fn keys_are_found_on_word_boundaries() {
        let cases: &[(&str, &[&str])] = &[
            ("PAY-123: add payment API", &["PAY-123"]),
            ("fix (PAY-1) and OPS_2-77.", &["PAY-1", "OPS_2-77"]),
            ("Refs: PAY-9\n", &["PAY-9"]),
            ("[PAY-12]", &["PAY-12"]),
            ("xPAY-1 PAY-1x PAY-1_x", &[]),
            ("ABC-0 ABC-01 abc-1 A-1", &[]),
            ("ＡＢＣ-1 and АВС-1 (Cyrillic)", &[]),
            ("éPAY-1", &[]),
            ("feature/PAY-12-login", &["PAY-12"]),
        ];
        for (text, expected) in cases {
            assert_eq!(keys(text, &[]), *expected, "{text}");
        }
    }

    #[test]
    fn look_alikes_are_not_keys_without_an_allow_list() {
        assert!(keys("UTF-8, SHA-256, ISO-8601, CVE-2024-1234, RFC-3339", &[]).is_empty());
        assert!(keys("ISO-8859-1, WINDOWS-1252, IBM-437, RUSTSEC-2024-0001", &[]).is_empty());
        assert!(keys("RHSA-2024:1234 DSA-5000-1 USN-6543-1 GO-2024-2687", &[]).is_empty());
        assert_eq!(keys("UTF-8 PAY-3", &[]), vec!["PAY-3"]);
    }

    #[test]
    fn a_suffix_after_the_number_names_the_key_as_jira_does() {
        assert_eq!(keys("KAFKA-17532-2: follow-up", &[]), vec!["KAFKA-17532"]);
        assert_eq!(keys("PAY-12-part-2 done", &[]), vec!["PAY-12"]);
        assert_eq!(keys("KAFKA-17532-2", &["KAFKA"]), vec!["KAFKA-17532"]);
        assert!(keys("PAY-12x PAY-12_2", &[]).is_empty());
    }

    #[test]
    fn an_allow_list_restricts_projects_and_admits_any_listed_prefix() {
        assert_eq!(
            keys("PAY-1 OPS-2 UTF-8", &["OPS", "UTF"]),
            vec!["OPS-2", "UTF-8"]
        );
    }
}
