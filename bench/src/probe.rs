//! Measuring instruments: medians, CPU time and peak memory from `/proc`, a clock that
//! never waits, and wall-clock windows that are false now.
//!
//! `/proc` instead of `getrusage`: the bench stays free of `libc`/`nix` and of `unsafe`
//! (the workspace forbids it), and `/proc/self/task/*/schedstat` has nanosecond
//! resolution where `getrusage` on this kernel ticks at 4 ms.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use redengine::{Alarm, Clock};

/// The median of `samples` (the mean of the middle two for an even count); `NaN` if empty.
pub(crate) fn median(mut samples: Vec<f64>) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// Seconds as `f64` of a duration.
pub(crate) fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// CPU time consumed so far by every live thread of this process.
///
/// Sums the first field (time on CPU, ns) of `/proc/self/task/<tid>/schedstat`. Threads
/// that already exited are not counted, which is fine for the idle measurement: nothing
/// starts or ends while it runs. `None` when `/proc` is unavailable.
pub(crate) fn cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let path = entry.ok()?.path().join("schedstat");
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // the thread ended between listing and reading
        };
        let on_cpu: u64 = text.split_whitespace().next()?.parse().ok()?;
        total += on_cpu;
    }
    Some(Duration::from_nanos(total))
}

/// Peak resident set size of this process in KiB (`VmHWM` of `/proc/self/status`).
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A clock frozen at one instant whose `wait` returns at once: the loop cycles back to
/// back, so the time between two cycle hooks is the pure cost of one cycle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrozenClock(pub(crate) DateTime<Utc>);

impl Clock for FrozenClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }

    fn sleep(&self, _deadline: Option<DateTime<Utc>>, _wake: &Alarm) {}
}

/// A fixed noon: `daily between 08:00 and 08:15` is false then.
pub(crate) fn noon() -> DateTime<Utc> {
    DateTime::from_timestamp(1_704_283_200, 0).unwrap_or_default() // 2024-01-03T12:00:00Z
}

/// A `daily between …` condition (UTC) whose window starts about two hours from now, so
/// it stays false for the whole measurement and the scheduler has a real deadline.
pub(crate) fn window_ahead() -> String {
    let start = Utc::now() + TimeDelta::hours(2);
    // Keep the 15-minute window inside one day: shift it before 23:45 if needed.
    let minute = (start.hour() * 60 + start.minute()).min(23 * 60 + 44);
    let end = minute + 15;
    format!(
        "daily between {:02}:{:02} and {:02}:{:02}",
        minute / 60,
        minute % 60,
        end / 60,
        end % 60
    )
}

/// Runs `f` `n` times and returns the median of its durations in seconds.
pub(crate) fn median_of(n: usize, mut f: impl FnMut() -> Duration) -> f64 {
    median((0..n).map(|_| secs(f())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn proc_readings_exist_on_linux() {
        assert!(cpu_time().is_some());
        assert!(peak_rss_kib().is_some_and(|k| k > 0));
    }

    #[test]
    fn window_ahead_parses_and_is_false_now() {
        let text = window_ahead();
        let cond = redengine::conditions::parse(&text);
        assert!(cond.is_ok(), "{text}");
    }
}
