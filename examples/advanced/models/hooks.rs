//! Custom hooks (the Advanced Guide's `project/models/hooks.py`).
//!
//! A hook is a function called at a "pre" point that may return a closure for the matching
//! "post" point. `time_runs` wraps every task run (pre: before its parameters are resolved;
//! post: with the logged action) and keeps per-outcome counts; `summary` prints them when
//! the scheduler shuts down. `main.rs` registers both on the session builder.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use redengine::{Action, AfterExecute, AfterScheduler, SchedulerInfo, TaskInfo};

/// Finished runs by outcome since the process started.
static SUCCEEDED: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicU64 = AtomicU64::new(0);
static OTHER: AtomicU64 = AtomicU64::new(0);
/// Total time spent in task bodies, in microseconds.
static BUSY_MICROS: AtomicU64 = AtomicU64::new(0);

/// Counts of the runs `time_runs` saw finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Runs logged `success`.
    pub(crate) succeeded: u64,
    /// Runs logged `fail` (including pre-run failures after the hook ran).
    pub(crate) failed: u64,
    /// Runs logged `inaction` or `terminate`.
    pub(crate) other: u64,
}

/// The counts so far.
pub(crate) fn stats() -> Stats {
    Stats {
        succeeded: SUCCEEDED.load(Ordering::Relaxed),
        failed: FAILED.load(Ordering::Relaxed),
        other: OTHER.load(Ordering::Relaxed),
    }
}

/// A `task_execute` hook: starts a stopwatch before the run and, after it, counts the
/// outcome and adds the elapsed time. It never fails, so it never turns a run into a
/// pre-run failure.
pub(crate) fn time_runs(_task: &TaskInfo) -> Result<Option<AfterExecute>, String> {
    let started = Instant::now();
    Ok(Some(Box::new(
        move |_task: &TaskInfo, action: Action, _error: Option<&str>| {
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            BUSY_MICROS.fetch_add(micros, Ordering::Relaxed);
            let counter = match action {
                Action::Success => &SUCCEEDED,
                Action::Fail => &FAILED,
                _ => &OTHER,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
    )))
}

/// A `shutdown` hook: after the last run is reaped and the log is closed, prints what
/// `time_runs` counted.
pub(crate) fn summary(_info: &SchedulerInfo) -> Result<Option<AfterScheduler>, String> {
    Ok(Some(Box::new(|info: &SchedulerInfo| {
        let s = stats();
        let busy = BUSY_MICROS.load(Ordering::Relaxed) as f64 / 1e6;
        println!(
            "shutdown after {} cycles: {} runs succeeded, {} failed, {} other; {busy:.3} s in task bodies",
            info.cycles, s.succeeded, s.failed, s.other
        );
        Ok(())
    })))
}
