//! HTTP conventions the GitHub and Jira clients share.

use std::time::Duration;

/// A `Retry-After` header's wait: delay-seconds, or an HTTP date (RFC 9110 allows both;
/// GitHub sends seconds, some proxies and Jira Data Center send dates). A date in the
/// past means "now". `now` is the real clock (never `RELTAG_NOW`, which is policy time).
pub fn retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let text = value.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(text).ok()?.timestamp();
    let seconds = (when.as_second() - now.as_second()).max(0);
    Some(Duration::from_secs(seconds.unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now: jiff::Timestamp = "1994-11-06T08:49:30Z".parse().unwrap();
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        // A date in the past means "now".
        let later: jiff::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
    }
}
