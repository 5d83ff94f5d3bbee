//! Retries and concurrent instances: the per-task settings, their checks, and the
//! backoff that says when the next attempt of a failed run is due (docs/runtime.md,
//! "Retries").
//!
//! A task's settings arrive in three forms that share every rule here: a `#[task]`
//! registration ([`RetryDef`], checked again by the macro at compile time), the task
//! builder's methods and a TOML task file (both a [`RetrySpec`]). Ignite turns a spec into a [`RetryPolicy`] and an instance limit, or
//! into problems naming the task.
//!
//! Durations are read by the one duration grammar of the settings
//! (`redengine_conditions::settings::parse_setting_duration`), the one `timeout` uses.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use redengine_conditions::settings;

use crate::execution::Execution;

/// The largest `retries` accepted: a larger number is a mistake, not a policy.
pub(crate) const MAX_RETRIES: u32 = 1_000;

/// The largest `max_instances` accepted.
pub(crate) const MAX_INSTANCES: u32 = 10_000;

/// The delay before the first retry when `retries` is set without `retry_delay`.
pub(crate) const DEFAULT_DELAY: Duration = Duration::from_secs(60);

/// The jitter fraction `retry_jitter = true` means.
pub const DEFAULT_JITTER: f64 = 0.25;

/// The retry settings of a `#[task]` registration, as written (checked at compile time).
/// Not public API: emitted by the macro.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryDef {
    /// `retries = N` (`None`: not written, no retries).
    pub retries: Option<u32>,
    /// `retry_delay = "…"` verbatim.
    pub delay: Option<&'static str>,
    /// `retry_backoff = F`.
    pub backoff: Option<f64>,
    /// `retry_max_delay = "…"` verbatim.
    pub max_delay: Option<&'static str>,
    /// `retry_jitter = true | F` as a fraction (`true` is [`DEFAULT_JITTER`]).
    pub jitter: Option<f64>,
    /// `max_instances = N`.
    pub max_instances: Option<u32>,
}

impl RetryDef {
    /// Nothing written: no retries, one instance.
    pub const NONE: RetryDef = RetryDef {
        retries: None,
        delay: None,
        backoff: None,
        max_delay: None,
        jitter: None,
        max_instances: None,
    };
}

/// A task's retry and instance settings as given (builder, task file, registration);
/// checked at ignite.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RetrySpec {
    pub(crate) retries: Option<u32>,
    pub(crate) delay: Option<String>,
    pub(crate) backoff: Option<f64>,
    pub(crate) max_delay: Option<String>,
    pub(crate) jitter: Option<f64>,
    pub(crate) max_instances: Option<u32>,
}

impl RetrySpec {
    /// Nothing given.
    pub(crate) const NONE: RetrySpec = RetrySpec {
        retries: None,
        delay: None,
        backoff: None,
        max_delay: None,
        jitter: None,
        max_instances: None,
    };
}

impl From<&RetryDef> for RetrySpec {
    fn from(def: &RetryDef) -> Self {
        RetrySpec {
            retries: def.retries,
            delay: def.delay.map(str::to_string),
            backoff: def.backoff,
            max_delay: def.max_delay.map(str::to_string),
            jitter: def.jitter,
            max_instances: def.max_instances,
        }
    }
}

/// When the attempts of a failed run are due: ignited from a [`RetrySpec`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RetryPolicy {
    /// Attempts after the first (0: a failure is final).
    pub(crate) retries: u32,
    /// The delay before the first retry.
    pub(crate) delay: Duration,
    /// Each further delay is the previous one times this (1: constant).
    pub(crate) backoff: f64,
    /// No delay is longer than this.
    pub(crate) max_delay: Option<Duration>,
    /// The delay is scaled by a factor in `[1 − jitter, 1 + jitter]` (0: none).
    pub(crate) jitter: f64,
}

impl RetryPolicy {
    /// No retries.
    pub(crate) const NONE: RetryPolicy = RetryPolicy {
        retries: 0,
        delay: DEFAULT_DELAY,
        backoff: 1.0,
        max_delay: None,
        jitter: 0.0,
    };

    /// The number of attempts a run gets in all.
    pub(crate) fn attempts(&self) -> u32 {
        self.retries + 1
    }

    /// The delay after failed attempt `attempt` (1 for the first) of `task`, which failed
    /// at `failed`: `delay × backoff^(attempt−1)`, scaled by the jitter factor, capped at
    /// `max_delay`.
    ///
    /// The jitter is deterministic: its factor is a hash of the task's name, the attempt
    /// and the failure instant, so runs of different tasks (or different failures of one
    /// task) spread out, and a virtual clock replays the same delays every time.
    pub(crate) fn delay_after(&self, attempt: u32, task: &str, failed: DateTime<Utc>) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let mut secs = self.delay.as_secs_f64() * self.backoff.powi(exponent);
        if self.jitter > 0.0 {
            let unit = unit_interval(task, attempt, failed.timestamp_micros());
            secs *= 1.0 + self.jitter * (2.0 * unit - 1.0);
        }
        let cap = self.max_delay.map_or(f64::MAX, |d| d.as_secs_f64());
        // Bounded before conversion: `from_secs_f64` panics past `Duration::MAX`.
        let secs = secs.min(cap).clamp(0.0, 1e15);
        Duration::from_secs_f64(secs)
    }

    /// When the next attempt after failed attempt `attempt` is due, or `None` when that
    /// was the last attempt.
    pub(crate) fn next_at(
        &self,
        attempt: u32,
        task: &str,
        failed: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if attempt >= self.attempts() {
            return None;
        }
        let delay = TimeDelta::from_std(self.delay_after(attempt, task, failed)).ok()?;
        Some(
            failed
                .checked_add_signed(delay)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }
}

/// A number in `[0, 1]` from FNV-1a over the inputs: the jitter's only "randomness".
fn unit_interval(task: &str, attempt: u32, micros: i64) -> f64 {
    use std::hash::Hasher;
    let mut fnv = redengine_conditions::NameHasher::default();
    fnv.write(task.as_bytes());
    fnv.write(&attempt.to_le_bytes());
    fnv.write(&micros.to_le_bytes());
    let hash = fnv.finish();
    // The top 53 bits, as an f64 in [0, 1].
    (hash >> 11) as f64 / ((1u64 << 53) - 1) as f64
}

/// Whether a finish may be retried: a failure, a crash, or a `terminate` by timeout. A
/// run stopped on purpose (manually, by `end_cond`, at shutdown, or by its own body) is
/// not.
pub(crate) fn retryable(action: crate::log::Action, message: &str) -> bool {
    use crate::log::Action;
    match action {
        Action::Fail | Action::Crash => true,
        Action::Terminate => message == "timeout" || message.starts_with("timeout "),
        Action::Run | Action::Success | Action::Inaction => false,
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// `retries`: at most [`MAX_RETRIES`].
pub(crate) fn check_retries(n: u64) -> Result<u32, String> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_RETRIES)
        .ok_or_else(|| format!("`retries` must be at most {MAX_RETRIES}, found {n}"))
}

/// `retry_delay` / `retry_max_delay`: a duration setting (`"30 seconds"`, `"90"`).
pub(crate) fn parse_delay(key: &str, text: &str) -> Result<Duration, String> {
    settings::parse_setting_duration(text).map_err(|e| {
        format!(
            "invalid {key} `{text}`: {}; expected {}",
            e.one_line(),
            settings::DURATION_ACCEPTED
        )
    })
}

/// `retry_backoff`: a finite factor of at least 1 (1 keeps the delay constant).
pub(crate) fn check_backoff(factor: f64) -> Result<f64, String> {
    if factor.is_finite() && (1.0..=1_000.0).contains(&factor) {
        Ok(factor)
    } else {
        Err(format!(
            "`retry_backoff` must be a number from 1.0 (a constant delay) to 1000.0, found {factor}"
        ))
    }
}

/// `retry_jitter`: a fraction from 0 (none) to 1.
pub(crate) fn check_jitter(fraction: f64) -> Result<f64, String> {
    if fraction.is_finite() && (0.0..=1.0).contains(&fraction) {
        Ok(fraction)
    } else {
        Err(format!(
            "`retry_jitter` must be `true`, `false` or a fraction from 0.0 to 1.0, found {fraction}"
        ))
    }
}

/// `max_instances`: from 1 to [`MAX_INSTANCES`].
pub(crate) fn check_max_instances(n: u64) -> Result<u32, String> {
    u32::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_INSTANCES).contains(n))
        .ok_or_else(|| format!("`max_instances` must be from 1 to {MAX_INSTANCES}, found {n}"))
}

/// The message for `max_instances` above 1 on a `main` task.
pub(crate) fn main_instances_message(n: u32) -> String {
    format!(
        "`max_instances = {n}` never applies to `execution = \"main\"`: a main run blocks the \
         scheduler until it returns, so two never overlap; use `execution = \"thread\"` or \
         `\"process\"`, or remove `max_instances`"
    )
}

/// The message for `retries` on an `on_startup`/`on_shutdown` task.
pub(crate) fn once_message(flag: Option<&str>, n: u32) -> String {
    let flag = flag.unwrap_or("on_startup");
    format!(
        "`retries = {n}` never applies to an `{flag}` task: it runs once, outside the \
         cycles that launch retries; remove `retries` or `{flag}`"
    )
}

impl RetrySpec {
    /// The policy and instance limit of a task running with `execution`, or every
    /// problem (each a sentence without the task's name). `once` names the flag of a
    /// task that runs once, outside cycles (`on_startup`, `on_shutdown`): it is never
    /// retried, so retries there are refused rather than ignored.
    pub(crate) fn check(
        &self,
        execution: Execution,
        once: Option<&str>,
    ) -> Result<(RetryPolicy, u32), Vec<String>> {
        let mut problems = Vec::new();
        let mut policy = RetryPolicy::NONE;
        if let Some(n) = self.retries {
            match check_retries(u64::from(n)) {
                Ok(n) if n > 0 && once.is_some() => problems.push(once_message(once, n)),
                Ok(n) => policy.retries = n,
                Err(e) => problems.push(e),
            }
        }
        if let Some(text) = &self.delay {
            match parse_delay("retry_delay", text) {
                Ok(d) => policy.delay = d,
                Err(e) => problems.push(e),
            }
        }
        if let Some(f) = self.backoff {
            match check_backoff(f) {
                Ok(f) => policy.backoff = f,
                Err(e) => problems.push(e),
            }
        }
        if let Some(text) = &self.max_delay {
            match parse_delay("retry_max_delay", text) {
                Ok(d) if d < policy.delay => problems.push(format!(
                    "`retry_max_delay` ({}) is shorter than `retry_delay` ({}): the cap would \
                     shorten every delay; raise it or remove it",
                    settings::describe_duration(d),
                    settings::describe_duration(policy.delay)
                )),
                Ok(d) => policy.max_delay = Some(d),
                Err(e) => problems.push(e),
            }
        }
        if let Some(j) = self.jitter {
            match check_jitter(j) {
                Ok(j) => policy.jitter = j,
                Err(e) => problems.push(e),
            }
        }
        let mut instances = 1;
        if let Some(n) = self.max_instances {
            match check_max_instances(u64::from(n)) {
                Ok(n) if n > 1 && execution == Execution::Main => {
                    problems.push(main_instances_message(n));
                }
                Ok(n) => instances = n,
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok((policy, instances))
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn policy(retries: u32, delay: u64, backoff: f64, cap: Option<u64>) -> RetryPolicy {
        RetryPolicy {
            retries,
            delay: Duration::from_secs(delay),
            backoff,
            max_delay: cap.map(Duration::from_secs),
            jitter: 0.0,
        }
    }

    #[test]
    fn backoff_multiplies_and_the_cap_holds() {
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let p = policy(5, 60, 2.0, Some(300));
        let delays: Vec<u64> = (1..=5)
            .map(|a| p.delay_after(a, "x", t).as_secs())
            .collect();
        assert_eq!(delays, [60, 120, 240, 300, 300]);
        assert_eq!(p.next_at(5, "x", t), Some(t + TimeDelta::seconds(300)));
        assert_eq!(p.next_at(6, "x", t), None);
        assert_eq!(policy(0, 60, 1.0, None).next_at(1, "x", t), None);
    }

    #[test]
    fn huge_backoffs_saturate_instead_of_panicking() {
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let p = policy(1_000, 3_600, 1_000.0, None);
        assert!(p.delay_after(900, "x", t) > Duration::from_secs(1_000_000));
        assert!(p.next_at(900, "x", t).is_some());
    }

    #[test]
    fn jitter_is_deterministic_and_bounded() {
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let p = RetryPolicy {
            jitter: 0.5,
            ..policy(3, 100, 1.0, None)
        };
        let mut seen = std::collections::HashSet::new();
        for task in ["a", "b", "c", "d"] {
            let d = p.delay_after(1, task, t);
            assert_eq!(d, p.delay_after(1, task, t));
            assert!(
                d >= Duration::from_secs(50) && d <= Duration::from_secs(150),
                "{d:?}"
            );
            seen.insert(d);
        }
        assert!(seen.len() > 1, "the jitter spreads tasks: {seen:?}");
    }

    #[test]
    fn what_is_retried() {
        use crate::log::Action;
        assert!(retryable(Action::Fail, "Task 'x' status: 'fail'"));
        assert!(retryable(Action::Crash, ""));
        assert!(retryable(Action::Terminate, "timeout"));
        for reason in ["manual", "end_cond", "shutdown", "task"] {
            assert!(!retryable(Action::Terminate, reason), "{reason}");
        }
        assert!(!retryable(Action::Success, ""));
        assert!(!retryable(Action::Inaction, ""));
    }

    #[test]
    fn checks_collect_every_problem() {
        let spec = RetrySpec {
            retries: Some(5_000),
            delay: Some("soon".into()),
            backoff: Some(0.5),
            max_delay: None,
            jitter: Some(2.0),
            max_instances: Some(2),
        };
        let problems = spec.check(Execution::Main, None).unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(
            problems[1].starts_with("invalid retry_delay `soon`"),
            "{problems:?}"
        );
        assert!(problems[4].contains("never applies to `execution = \"main\"`"));
        let cap = RetrySpec {
            delay: Some("2 minutes".into()),
            max_delay: Some("1 minute".into()),
            ..RetrySpec::default()
        };
        let problems = cap.check(Execution::Thread, None).unwrap_err();
        assert!(
            problems[0].contains("shorter than `retry_delay`"),
            "{problems:?}"
        );
        let ok = RetrySpec {
            retries: Some(3),
            delay: Some("30 seconds".into()),
            max_instances: Some(2),
            ..RetrySpec::default()
        };
        let (p, n) = ok.check(Execution::Thread, None).unwrap();
        assert_eq!((p.retries, p.delay, n), (3, Duration::from_secs(30), 2));
        let once = ok.check(Execution::Thread, Some("on_startup")).unwrap_err();
        assert!(
            once[0].contains("never applies to an `on_startup` task"),
            "{once:?}"
        );
    }
}
