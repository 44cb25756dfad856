//! Which proxy a request to a service goes through, from the environment, as curl and
//! most tools read it:
//!
//! - `https_proxy`/`HTTPS_PROXY` for `https://` services, `http_proxy`/`HTTP_PROXY` for
//!   `http://` ones, else `all_proxy`/`ALL_PROXY` (lower case first, as curl does);
//! - `no_proxy`/`NO_PROXY`: a comma- or space-separated list of hosts that are reached
//!   directly. `*` is every host; `example.com`, `.example.com` and `*.example.com` match
//!   example.com and every name under it; an IP address matches itself; `host:port`
//!   matches that port only.
//!
//! ureq can read these variables itself, but it takes the first of `ALL_PROXY`,
//! `HTTPS_PROXY`, `HTTP_PROXY` whatever the scheme, matches `NO_PROXY` names exactly and
//! silently ignores a variable it cannot parse. reltag decides here, once per service
//! (each client talks to one origin), and refuses a proxy variable it cannot use: a gate
//! must not quietly go around the proxy a network requires.

use super::SetupError;

/// The proxy for requests to `scheme://host:port`, as `(variable, value)`; `None` when
/// no variable applies or `no_proxy` names the host.
pub fn proxy_for(
    scheme: &str,
    host: &str,
    port: u16,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(&'static str, String)>, SetupError> {
    let get = |name: &'static str| {
        lookup(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| (name, v))
    };
    let candidates: &[&'static str] = if scheme.eq_ignore_ascii_case("https") {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let Some((variable, value)) = candidates.iter().find_map(|name| get(name)) else {
        return Ok(None);
    };
    let no_proxy = get("no_proxy").or_else(|| get("NO_PROXY"));
    if let Some((_, list)) = no_proxy
        && bypasses(&list, host, port)
    {
        return Ok(None);
    }
    if ureq::Proxy::new(&value).is_err() {
        return Err(SetupError::Proxy {
            variable,
            value: redact_userinfo(&value),
        });
    }
    Ok(Some((variable, value)))
}

/// Whether the `no_proxy` list names `host` (and `port`).
fn bypasses(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, entry_port) = split_port(entry);
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_end_matches('.')
                .to_ascii_lowercase();
            !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
        })
}

/// `host:port` → (host, Some(port)); a bare IPv6 address has no port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[')
        && let Some((addr, tail)) = rest.split_once(']')
    {
        return (addr, tail.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match entry.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => match port.parse() {
            Ok(port) => (name, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// A proxy URL with any `user:password@` replaced, for messages.
pub fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn chosen(
        scheme: &str,
        host: &str,
        port: u16,
        pairs: &'static [(&'static str, &'static str)],
    ) -> Option<String> {
        proxy_for(scheme, host, port, &env(pairs))
            .unwrap()
            .map(|(k, v)| format!("{k}={v}"))
    }

    #[test]
    fn the_variable_follows_the_services_scheme() {
        let both: &'static [(&str, &str)] = &[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("HTTP_PROXY", "http://plain:3128"),
        ];
        assert_eq!(
            chosen("https", "api.github.com", 443, both).as_deref(),
            Some("HTTPS_PROXY=http://secure:3128")
        );
        assert_eq!(
            chosen("http", "127.0.0.1", 8080, both).as_deref(),
            Some("HTTP_PROXY=http://plain:3128")
        );
        // An http-only proxy does not carry https.
        assert_eq!(
            chosen(
                "https",
                "api.github.com",
                443,
                &[("HTTP_PROXY", "http://plain:3128")]
            ),
            None
        );
        // Lower case first, then ALL_PROXY.
        assert_eq!(
            chosen(
                "https",
                "x.example",
                443,
                &[
                    ("https_proxy", "http://lower:1"),
                    ("HTTPS_PROXY", "http://upper:1")
                ]
            )
            .as_deref(),
            Some("https_proxy=http://lower:1")
        );
        assert_eq!(
            chosen("https", "x.example", 443, &[("ALL_PROXY", "http://all:1")]).as_deref(),
            Some("ALL_PROXY=http://all:1")
        );
        assert_eq!(
            chosen("https", "x.example", 443, &[("HTTPS_PROXY", " ")]),
            None
        );
    }

    #[test]
    fn no_proxy_matches_domains_ips_ports_and_everything() {
        let bypassed = |list: &str, host: &str, port: u16| bypasses(list, host, port);
        assert!(bypassed("example.com", "example.com", 443));
        assert!(bypassed("example.com", "jira.example.com", 443));
        assert!(bypassed(".example.com", "jira.example.com", 443));
        assert!(bypassed("*.example.com", "jira.example.com", 443));
        assert!(bypassed("localhost, 127.0.0.1", "127.0.0.1", 8080));
        assert!(bypassed("EXAMPLE.com", "Jira.Example.COM.", 443));
        assert!(bypassed("*", "anything", 1));
        assert!(bypassed("jira.example.com:8443", "jira.example.com", 8443));
        assert!(bypassed("[::1]:8080 ::1", "[::1]", 9));
        assert!(!bypassed("jira.example.com:8443", "jira.example.com", 443));
        assert!(!bypassed("example.com", "notexample.com", 443));
        assert!(!bypassed("example.com", "example.com.evil.io", 443));
        assert!(!bypassed("127.0.0.1", "127.0.0.2", 80));
        assert!(!bypassed("", "example.com", 443));
        assert_eq!(
            chosen(
                "https",
                "ghe.corp.example",
                443,
                &[
                    ("HTTPS_PROXY", "http://p:3128"),
                    ("NO_PROXY", "corp.example")
                ]
            ),
            None
        );
    }

    #[test]
    fn an_unusable_proxy_is_refused_without_its_password() {
        let err = proxy_for(
            "https",
            "api.github.com",
            443,
            &env(&[("HTTPS_PROXY", "http://me:s3cret@[::1")]),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("HTTPS_PROXY=http://***@[::1"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(
            redact_userinfo("http://u:p@proxy:3128/x"),
            "http://***@proxy:3128/x"
        );
        assert_eq!(redact_userinfo("proxy:3128"), "proxy:3128");
    }
}
