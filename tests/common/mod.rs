//! Shared helpers of the runtime integration tests: virtual time and log inspection.

#![allow(dead_code, unreachable_pub)]

use chrono::{DateTime, TimeZone, Utc};
use redengine::{Action, ManualClock, MemoryLog, Session, SessionBuilder, TaskRecord, Zone};

/// Monday 2024-01-01 at `h:m` UTC.
pub fn monday(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, h, m, 0)
        .single()
        .expect("valid test instant")
}

/// A builder on a manual clock at `start`, zone UTC, with an in-memory log the test keeps.
pub fn builder(start: DateTime<Utc>) -> (SessionBuilder, ManualClock, MemoryLog) {
    let clock = ManualClock::new(start);
    let log = MemoryLog::new();
    let builder = Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_store(log.clone());
    (builder, clock, log)
}

/// The records of `task` with `action`.
pub fn of(log: &MemoryLog, task: &str, action: Action) -> Vec<TaskRecord> {
    log.records()
        .into_iter()
        .filter(|r| r.task_name == task && r.action == action)
        .collect()
}

/// How many records of `task` with `action`.
pub fn count(log: &MemoryLog, task: &str, action: Action) -> usize {
    of(log, task, action).len()
}

/// `(task, action)` of every record, in log order.
pub fn actions(log: &MemoryLog) -> Vec<(String, Action)> {
    log.records()
        .into_iter()
        .map(|r| (r.task_name, r.action))
        .collect()
}

/// A built binary's standard output, as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A built binary's standard error, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a binary's exit code, showing both streams when it is wrong.
pub fn assert_code(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// A fresh directory for one test's files, unique per process and call.
pub fn scratch_dir(kind: &str, name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "redengine-{kind}-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}
