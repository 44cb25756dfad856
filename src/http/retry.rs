//! One retry policy for every service reltag asks (GitHub, Jira): which answers are worth
//! another try, and how long to wait first.
//!
//! - A rate limit (429; a 403 with `Retry-After`, with `x-ratelimit-remaining: 0` or whose
//!   message says "rate limit") waits what the service asks: `Retry-After` (seconds or an
//!   HTTP date), else the time to `x-ratelimit-reset` when the quota is spent (epoch
//!   seconds as GitHub sends it, or an RFC 3339 time as Jira Cloud does), else at least
//!   a minute, doubling with each further rate-limited answer. These are GitHub's
//!   documented rules for its primary and secondary limits, and they cover Jira's 429.
//! - A server error (5xx), a timeout or a connection that failed waits `base × 2^n`
//!   (`Retry-After` still wins when a 503 carries one).
//! - Anything else is an answer for the caller, 4xx included.
//!
//! Every wait gets jitter on top, so clients that were limited together do not come back
//! together; jitter never shortens what the service asked for. A wait longer than
//! [`RetryPolicy::max_wait`] is not waited: the request fails at once, saying how long
//! the service asked for (exit 3). That bound, and the number of attempts, are the same for
//! every service.

use std::time::Duration;

/// How often and how long reltag retries one request, whatever the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first one included.
    pub attempts: u32,
    /// The first backoff after a server error or a failed connection; it doubles.
    pub base: Duration,
    /// The longest single wait reltag accepts; a service asking for more is not waited for.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base: Duration::from_secs(1),
            max_wait: Duration::from_secs(120),
        }
    }
}

/// The least wait after a rate limit that names no time (GitHub: "at least one minute").
pub const RATE_LIMIT_FLOOR: Duration = Duration::from_secs(60);

/// Why reltag waits before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The answer's `Retry-After`.
    RetryAfter,
    /// The quota is spent until `x-ratelimit-reset`.
    QuotaReset,
    /// Rate limited without saying for how long: at least a minute, doubling.
    RateLimited,
    /// A 5xx answer.
    ServerError,
    /// No answer: a timeout or a connection that failed.
    NoAnswer,
}

impl WaitReason {
    /// Words for messages: "(Retry-After)".
    pub fn describe(self) -> &'static str {
        match self {
            WaitReason::RetryAfter => "its Retry-After",
            WaitReason::QuotaReset => "until its rate limit resets (x-ratelimit-reset)",
            WaitReason::RateLimited => {
                "rate limited without Retry-After: at least a minute, doubling"
            }
            WaitReason::ServerError => "a server error: backoff",
            WaitReason::NoAnswer => "no answer: backoff",
        }
    }
}

/// The least time to wait before the next attempt, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub at_least: Duration,
    pub reason: WaitReason,
}

/// What to do with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An answer for the caller (success or not).
    Done,
    Retry(Wait),
}

/// What one attempt gave, as far as retrying is concerned.
pub struct Attempt<'a> {
    pub status: u16,
    /// A header's value by its lower-case name.
    pub header: &'a dyn Fn(&str) -> Option<&'a str>,
    pub body: &'a [u8],
}

/// The verdict on an answer. `attempt` counts from 0; `rate_limited_before` is how many
/// earlier answers to this request were rate limits without a time.
pub fn classify(
    answer: &Attempt<'_>,
    attempt: u32,
    rate_limited_before: u32,
    policy: &RetryPolicy,
    now: jiff::Timestamp,
) -> Verdict {
    let header = |name: &str| (answer.header)(name).map(str::trim);
    let retry_after = header("retry-after").and_then(|v| retry_after(v, now));
    let remaining = header("x-ratelimit-remaining").and_then(|v| v.parse::<u64>().ok());
    let rate_limited = answer.status == 429
        || (answer.status == 403
            && (retry_after.is_some()
                || remaining == Some(0)
                || String::from_utf8_lossy(answer.body)
                    .to_ascii_lowercase()
                    .contains("rate limit")));
    if !(rate_limited || (500..600).contains(&answer.status)) {
        return Verdict::Done;
    }
    if let Some(wait) = retry_after {
        return Verdict::Retry(Wait {
            at_least: wait,
            reason: WaitReason::RetryAfter,
        });
    }
    if rate_limited {
        if remaining == Some(0)
            && let Some(reset) = header("x-ratelimit-reset").and_then(reset_time)
        {
            let seconds = (reset.as_second() - now.as_second()).max(0) as u64 + 1;
            return Verdict::Retry(Wait {
                at_least: Duration::from_secs(seconds),
                reason: WaitReason::QuotaReset,
            });
        }
        return Verdict::Retry(Wait {
            at_least: RATE_LIMIT_FLOOR.saturating_mul(1u32 << rate_limited_before.min(16)),
            reason: WaitReason::RateLimited,
        });
    }
    Verdict::Retry(backoff(attempt, policy, WaitReason::ServerError))
}

/// `base × 2^attempt`, for server errors and failed connections.
pub fn backoff(attempt: u32, policy: &RetryPolicy, reason: WaitReason) -> Wait {
    Wait {
        at_least: policy.base.saturating_mul(1u32 << attempt.min(16)),
        reason,
    }
}

/// The time to actually sleep: `wait.at_least` plus up to a tenth more (at most 5 s),
/// `unit` being a random number in [0, 1). Never less than asked, and never more than
/// `max_wait` unless the service asked for more (the caller refuses that case).
pub fn with_jitter(wait: Wait, max_wait: Duration, unit: f64) -> Duration {
    let spread = (wait.at_least / 10).min(Duration::from_secs(5));
    let jittered = wait.at_least + spread.mul_f64(unit.clamp(0.0, 1.0));
    jittered.min(max_wait.max(wait.at_least))
}

/// A random number in [0, 1) from the standard library's per-process random hash keys:
/// good enough to spread retries, and no dependency for it.
pub fn random_unit() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    (n >> 11) as f64 / (1u64 << 53) as f64
}

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

/// `x-ratelimit-reset`: epoch seconds (GitHub) or an RFC 3339 time (Jira Cloud).
fn reset_time(value: &str) -> Option<jiff::Timestamp> {
    match value.parse::<i64>() {
        Ok(epoch) => jiff::Timestamp::from_second(epoch).ok(),
        Err(_) => value.parse::<jiff::Timestamp>().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_000).unwrap()
    }

    fn verdict(status: u16, headers: &[(&str, &str)], body: &str, limited_before: u32) -> Verdict {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        };
        classify(
            &Attempt {
                status,
                header: &header,
                body: body.as_bytes(),
            },
            2,
            limited_before,
            &RetryPolicy::default(),
            now(),
        )
    }

    fn secs(v: Verdict) -> Option<(u64, WaitReason)> {
        match v {
            Verdict::Done => None,
            Verdict::Retry(w) => Some((w.at_least.as_secs(), w.reason)),
        }
    }

    #[test]
    fn answers_for_the_caller_are_not_retried() {
        for status in [200, 201, 301, 400, 401, 404, 410, 422] {
            assert_eq!(verdict(status, &[], "{}", 0), Verdict::Done, "{status}");
        }
        // A plain permission problem is not a rate limit.
        assert_eq!(
            verdict(
                403,
                &[("x-ratelimit-remaining", "4999")],
                r#"{"message":"Resource not accessible by integration"}"#,
                0
            ),
            Verdict::Done
        );
    }

    #[test]
    fn retry_after_wins_for_github_and_jira() {
        assert_eq!(
            secs(verdict(429, &[("Retry-After", "7")], "", 0)),
            Some((7, WaitReason::RetryAfter))
        );
        assert_eq!(
            secs(verdict(
                403,
                &[("retry-after", "3"), ("x-ratelimit-remaining", "12")],
                r#"{"message":"You have exceeded a secondary rate limit."}"#,
                0
            )),
            Some((3, WaitReason::RetryAfter))
        );
        assert_eq!(
            secs(verdict(503, &[("retry-after", "5")], "", 0)),
            Some((5, WaitReason::RetryAfter))
        );
    }

    #[test]
    fn a_spent_quota_waits_for_its_reset_in_either_format() {
        let github = [
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1030"),
        ];
        assert_eq!(
            secs(verdict(
                403,
                &github,
                r#"{"message":"API rate limit exceeded"}"#,
                0
            )),
            Some((31, WaitReason::QuotaReset))
        );
        let jira = [
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1970-01-01T00:17:00Z"),
        ];
        assert_eq!(
            secs(verdict(429, &jira, "", 0)),
            Some((21, WaitReason::QuotaReset))
        );
        // The reset of a quota that is not spent says nothing about a secondary limit.
        assert_eq!(
            secs(verdict(
                403,
                &[
                    ("x-ratelimit-remaining", "4000"),
                    ("x-ratelimit-reset", "1030")
                ],
                r#"{"message":"You have exceeded a secondary rate limit."}"#,
                0
            )),
            Some((60, WaitReason::RateLimited))
        );
    }

    #[test]
    fn a_rate_limit_without_a_time_waits_a_minute_then_doubles() {
        assert_eq!(
            secs(verdict(429, &[], "", 0)),
            Some((60, WaitReason::RateLimited))
        );
        assert_eq!(
            secs(verdict(429, &[], "", 1)),
            Some((120, WaitReason::RateLimited))
        );
        assert_eq!(
            secs(verdict(
                403,
                &[],
                r#"{"message":"You have exceeded a secondary rate limit."}"#,
                2
            )),
            Some((240, WaitReason::RateLimited))
        );
    }

    #[test]
    fn server_errors_back_off_exponentially() {
        // attempt 2 with a 1 s base: 4 s.
        assert_eq!(
            secs(verdict(502, &[], "<html>", 0)),
            Some((4, WaitReason::ServerError))
        );
    }

    #[test]
    fn jitter_adds_at_most_a_tenth_and_never_shortens() {
        let wait = Wait {
            at_least: Duration::from_secs(60),
            reason: WaitReason::RateLimited,
        };
        let max = Duration::from_secs(120);
        assert_eq!(with_jitter(wait, max, 0.0), Duration::from_secs(60));
        // A tenth of 60 s is 6 s, over the 5 s cap.
        assert_eq!(with_jitter(wait, max, 0.5), Duration::from_millis(62_500));
        assert!(with_jitter(wait, max, 0.999_999) <= Duration::from_secs(65));
        let short = Wait {
            at_least: Duration::from_secs(10),
            reason: WaitReason::RetryAfter,
        };
        assert_eq!(with_jitter(short, max, 0.5), Duration::from_millis(10_500));
        // The bound caps the jitter, never the asked wait.
        let tight = Duration::from_secs(61);
        assert_eq!(with_jitter(wait, tight, 0.9), tight);
        // Long waits get at most 5 s.
        let long = Wait {
            at_least: Duration::from_secs(600),
            reason: WaitReason::QuotaReset,
        };
        assert_eq!(
            with_jitter(long, Duration::from_secs(900), 1.0),
            Duration::from_secs(605)
        );
        for _ in 0..100 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
    }

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
