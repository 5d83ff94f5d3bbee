//! The peers scenarios on clokwerk: a `Scheduler` in UTC whose `run_pending()` is the
//! check; in the background it is polled by `watch_thread(100 ms)`, as its README shows.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveTime, TimeDelta, Timelike, Utc};
use clokwerk::{Job, Scheduler, TimeUnits};

use crate::probe::{cpu_time, median, secs};

/// The polling period of its background thread, as in its README.
const POLL: Duration = Duration::from_millis(100);

/// A scheduler with `n` daily jobs two hours ahead.
fn idle_scheduler(n: usize) -> Scheduler<Utc> {
    let (h, m) = super::scenarios::idle_time();
    let at = NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
    let mut sched = Scheduler::with_tz(Utc);
    for _ in 0..n {
        sched.every(1.day()).at_time(at).run(|| ());
    }
    sched
}

/// Percent of one core used with `n` jobs not due, polled in the background, over `window`.
pub(super) fn idle_cpu(n: usize, window: Duration) -> Result<f64, String> {
    let handle = idle_scheduler(n).watch_thread(POLL);
    std::thread::sleep(Duration::from_millis(500));
    let (cpu0, t0) = (cpu_time(), Instant::now());
    std::thread::sleep(window);
    let (cpu1, wall) = (cpu_time(), t0.elapsed());
    handle.stop();
    match (cpu0, cpu1) {
        (Some(a), Some(b)) => Ok(secs(b.saturating_sub(a)) / secs(wall) * 100.0),
        _ => Err("/proc/self/task/*/schedstat is not readable".to_string()),
    }
}

/// Median microseconds of one `run_pending()` with `n` jobs not due.
pub(super) fn check(n: usize) -> Result<f64, String> {
    let mut sched = idle_scheduler(n);
    sched.run_pending(); // warm up
    let mut times = Vec::with_capacity(200);
    for _ in 0..200 {
        let start = Instant::now();
        sched.run_pending();
        times.push(secs(start.elapsed()) * 1e6);
    }
    Ok(median(times))
}

/// Builds a scheduler with `n` jobs not due, runs one check, calls `ready`.
pub(super) fn first_check(n: usize, ready: impl FnOnce()) -> Result<(), String> {
    let mut sched = idle_scheduler(n);
    sched.run_pending();
    ready();
    Ok(())
}

/// The instants at which `n` daily jobs at the next `n` whole seconds ran.
pub(super) fn firings(n: usize) -> Result<Vec<DateTime<Utc>>, String> {
    // Whole seconds from two seconds ahead; a run near midnight waits for the new day.
    let mut first = Utc::now() + TimeDelta::seconds(2);
    if first.num_seconds_from_midnight() + n as u32 + 2 >= 86_400 {
        std::thread::sleep(Duration::from_secs(u64::from(
            86_400 - first.num_seconds_from_midnight() + 1,
        )));
        first = Utc::now() + TimeDelta::seconds(2);
    }
    let first = first.with_nanosecond(0).unwrap_or(first);
    let stamps = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let (tx, all) = mpsc::channel::<()>();
    let mut sched = Scheduler::with_tz(Utc);
    for i in 0..n {
        let at = (first + TimeDelta::seconds(i as i64)).time();
        let (s, tx) = (Arc::clone(&stamps), tx.clone());
        sched.every(1.day()).at_time(at).run(move || {
            let now = Utc::now();
            if let Ok(mut s) = s.lock() {
                s.push(now);
                if s.len() == n {
                    let _ = tx.send(());
                }
            }
        });
    }
    let handle = sched.watch_thread(POLL);
    let limit = Duration::from_secs(n as u64 + 5);
    let got = all.recv_timeout(limit);
    handle.stop();
    got.map_err(|_| format!("{n} firings did not come within {limit:?}"))?;
    let stamps = stamps.lock().map_err(|e| e.to_string())?.clone();
    Ok(stamps)
}

/// Runs per second of `n` jobs due at once, run by one `run_pending()`.
pub(super) fn burst(n: usize) -> Result<f64, String> {
    let done = Arc::new(AtomicUsize::new(0));
    let mut sched = Scheduler::with_tz(Utc);
    for _ in 0..n {
        let done = Arc::clone(&done);
        sched.every(1.second()).run(move || {
            done.fetch_add(1, Ordering::Relaxed);
        });
    }
    std::thread::sleep(Duration::from_millis(1_100));
    let start = Instant::now();
    sched.run_pending();
    let took = start.elapsed();
    let ran = done.load(Ordering::Relaxed);
    if ran != n {
        return Err(format!("{ran} of {n} jobs were due after a second"));
    }
    Ok(n as f64 / secs(took))
}
