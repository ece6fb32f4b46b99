//! Retries of transient failures: exponential backoff with full jitter, bounded in attempts and
//! in total time. The schedule is pure; [`run`] sleeps and logs each retry with its reason.
//!
//! Callers classify their errors: only what can succeed on a second try is retried (connection
//! failures, timeouts, 5xx, 429, throttling). A refusal (4xx, AccessDenied, a bad token) fails
//! at once, so a misconfiguration costs one request, not a minute of retries.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::output::Reporter;

/// Default number of attempts (first try included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, first try included; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff of the first retry (before jitter).
    pub base: Duration,
    /// Largest backoff (before jitter).
    pub cap: Duration,
    /// No retry starts after this much time since the first attempt.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The policy with `max_attempts` attempts.
    pub fn with_max_attempts(self, max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            ..self
        }
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniform random
    /// `unit` in [0, 1): full jitter, `unit × min(cap, base × 2^(retry-1))`.
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        exp.min(self.cap).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A uniform random number in [0, 1).
fn unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// Runs `op` until it succeeds, fails permanently (`transient` returns `None`), or the policy's
/// attempts or time budget run out. Each retry is logged with its reason and delay.
pub async fn run<T, E, F, Fut>(
    policy: RetryPolicy,
    what: &str,
    out: &Reporter,
    transient: impl Fn(&E) -> Option<String>,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let error = match op().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let Some(reason) = transient(&error) else {
            return Err(error);
        };
        if attempt >= policy.max_attempts {
            return Err(error);
        }
        let delay = policy.delay(attempt, unit());
        if started.elapsed() + delay > policy.budget {
            return Err(error);
        }
        out.info(&format!(
            "oidc-assume: {what} failed ({reason}); retry {attempt} of {} in {} ms",
            policy.max_attempts - 1,
            delay.as_millis()
        ));
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::reporter;
    use std::cell::Cell;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_full_jitter() {
        let p = RetryPolicy::default();
        let ms = |retry, unit| p.delay(retry, unit).as_millis();
        assert_eq!(
            [ms(1, 0.999_999), ms(2, 0.999_999), ms(3, 0.999_999)],
            [199, 399, 799]
        );
        assert_eq!(ms(10, 0.999_999), 4999, "capped at 5 s");
        assert_eq!(ms(3, 0.0), 0, "full jitter reaches zero");
        assert_eq!(ms(3, 0.5), 400);
        assert_eq!(ms(64, 0.5), 2500, "no overflow on huge retry numbers");
        let u = unit();
        assert!((0.0..1.0).contains(&u));
    }

    fn fast(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            budget: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn retries_transient_errors_then_succeeds() {
        let (out, _, err) = reporter(false);
        let calls = Cell::new(0);
        let result: Result<u32, String> = run(
            fast(5),
            "fetching the token",
            &out,
            |e: &String| Some(e.clone()),
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n < 3 {
                        Err(format!("HTTP 503 #{n}"))
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await;
        assert_eq!(result, Ok(3));
        let log = err.text();
        assert!(
            log.contains("fetching the token failed (HTTP 503 #1); retry 1 of 4 in"),
            "{log}"
        );
        assert!(log.contains("(HTTP 503 #2); retry 2 of 4"), "{log}");
        assert_eq!(log.lines().count(), 2);
    }

    #[tokio::test]
    async fn permanent_errors_and_exhaustion_stop() {
        let (out, _, err) = reporter(false);
        let calls = Cell::new(0);
        let result: Result<(), &str> = run(
            fast(5),
            "x",
            &out,
            |_: &&str| None,
            || {
                calls.set(calls.get() + 1);
                async { Err("AccessDenied") }
            },
        )
        .await;
        assert_eq!((result, calls.get()), (Err("AccessDenied"), 1));
        assert_eq!(err.text(), "");

        calls.set(0);
        let result: Result<(), &str> = run(
            fast(3),
            "x",
            &out,
            |_: &&str| Some("503".into()),
            || {
                calls.set(calls.get() + 1);
                async { Err("503") }
            },
        )
        .await;
        assert_eq!((result, calls.get()), (Err("503"), 3));

        calls.set(0);
        let result: Result<(), &str> = run(
            fast(1),
            "x",
            &out,
            |_: &&str| Some("503".into()),
            || {
                calls.set(calls.get() + 1);
                async { Err("503") }
            },
        )
        .await;
        assert_eq!(
            (result, calls.get()),
            (Err("503"), 1),
            "one attempt = retries disabled"
        );
    }

    #[tokio::test]
    async fn the_time_budget_bounds_retries() {
        let (out, _, _) = reporter(false);
        let policy = RetryPolicy {
            max_attempts: 100,
            base: Duration::from_millis(40),
            cap: Duration::from_millis(40),
            budget: Duration::from_millis(50),
        };
        let calls = Cell::new(0);
        let started = Instant::now();
        let _: Result<(), &str> = run(
            policy,
            "x",
            &out,
            |_: &&str| Some("503".into()),
            || {
                calls.set(calls.get() + 1);
                async { Err("503") }
            },
        )
        .await;
        assert!(
            calls.get() < 100 && started.elapsed() < Duration::from_millis(500),
            "{}",
            calls.get()
        );
    }
}
