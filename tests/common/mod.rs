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
