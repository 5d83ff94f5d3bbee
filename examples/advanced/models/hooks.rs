//! Custom hooks (the Advanced Guide's `project/models/hooks.py`).
//!
//! A hook is a function called at a "pre" point that may return a closure for the matching
//! "post" point. `time_runs` wraps every task run (pre: before its parameters are resolved;
//! post: with the logged action) and keeps per-outcome counts; `summary` prints the
//! outcomes when the scheduler shuts down. `main.rs` registers both on the session builder.
//!
//! A `task_execute` hook runs where the task runs: for a `process` task, in the child
//! process, whose counters the scheduler never sees. So the summary counts what the
//! scheduler logged instead, through [`Counted`], a log store that passes every record on
//! to the real one and counts the finished runs on the way (every execution, in the
//! scheduler process).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use redengine::{
    Action, AfterExecute, AfterScheduler, LogError, LogStore, SchedulerInfo, TaskInfo, TaskRecord,
};

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

/// Finished runs by outcome as the scheduler logged them, and their total runtime.
static LOGGED_SUCCEEDED: AtomicU64 = AtomicU64::new(0);
static LOGGED_FAILED: AtomicU64 = AtomicU64::new(0);
static LOGGED_OTHER: AtomicU64 = AtomicU64::new(0);
static LOGGED_MICROS: AtomicU64 = AtomicU64::new(0);
/// Whether records went through [`Counted`]; if not (`--log PATH` replaces the store), the
/// summary shows `time_runs`' counts, which miss process tasks.
static COUNTING: AtomicBool = AtomicBool::new(false);

/// A log store that counts the finished runs appended to `S` (see the module docs).
pub(crate) struct Counted<S>(S);

impl<S: LogStore> Counted<S> {
    /// Counts what is appended to `store`.
    pub(crate) fn new(store: S) -> Self {
        Counted(store)
    }
}

impl<S: LogStore> LogStore for Counted<S> {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.0.load()
    }

    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.0.peek()
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        self.0.append(record)?;
        COUNTING.store(true, Ordering::Relaxed);
        let counter = match record.action {
            Action::Run => return Ok(()),
            Action::Success => &LOGGED_SUCCEEDED,
            Action::Fail => &LOGGED_FAILED,
            _ => &LOGGED_OTHER,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let micros = record.runtime.map_or(0, |r| r.as_micros());
        LOGGED_MICROS.fetch_add(u64::try_from(micros).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(())
    }

    fn sync(&mut self) -> Result<(), LogError> {
        self.0.sync()
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    // A reading handle on the wrapped log: the status page and `SessionHandle::history`
    // read through it while the scheduler appends.
    fn reader(&self) -> Option<Box<dyn LogStore>> {
        self.0.reader()
    }
}

/// A `shutdown` hook: after the last run is reaped and the log is closed, prints the
/// outcomes of the runs of this session.
pub(crate) fn summary(_info: &SchedulerInfo) -> Result<Option<AfterScheduler>, String> {
    Ok(Some(Box::new(|info: &SchedulerInfo| {
        let (s, busy_micros) = if COUNTING.load(Ordering::Relaxed) {
            let logged = Stats {
                succeeded: LOGGED_SUCCEEDED.load(Ordering::Relaxed),
                failed: LOGGED_FAILED.load(Ordering::Relaxed),
                other: LOGGED_OTHER.load(Ordering::Relaxed),
            };
            (logged, LOGGED_MICROS.load(Ordering::Relaxed))
        } else {
            (stats(), BUSY_MICROS.load(Ordering::Relaxed))
        };
        let busy = busy_micros as f64 / 1e6;
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        println!(
            "shutdown after {} cycle{}: {} run{} succeeded, {} failed, {} other; {busy:.3} s in task bodies",
            info.cycles,
            plural(info.cycles),
            s.succeeded,
            plural(s.succeeded),
            s.failed,
            s.other
        );
        Ok(())
    })))
}
