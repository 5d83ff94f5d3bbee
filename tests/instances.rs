//! `max_instances`: several runs of one task in flight at once, each reaped and logged.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use redengine::log::{Action, LogStore, MemoryLog};
use redengine::{Execution, ManualClock, Session, Task, Zone};

/// Each run waits (real time, bounded) until another run of the task is in flight with
/// it; alone, it fails. Returns the session's log and the most runs seen at once.
fn overlapping(instances: Option<u32>) -> (MemoryLog, usize) {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap());
    let log = MemoryLog::new();
    let live = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (l, m) = (live.clone(), most.clone());
    let mut task = Task::builder("slow")
        .execution(Execution::Thread)
        .start_cond("has started less than 2 times");
    if let Some(n) = instances {
        task = task.max_instances(n);
    }
    let task = task.run(move |_| -> Result<(), String> {
        let now = l.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(now, Ordering::SeqCst);
        let until = Instant::now() + Duration::from_secs(3);
        while m.load(Ordering::SeqCst) < 2 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        l.fetch_sub(1, Ordering::SeqCst);
        if m.load(Ordering::SeqCst) < 2 {
            return Err("ran alone".to_string());
        }
        Ok(())
    });
    Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond(
            "task 'slow' has started more than 1 time & task 'slow' has finished more than 1 time",
        )
        .task(task)
        .build()
        .unwrap()
        .run()
        .unwrap();
    (log, most.load(Ordering::SeqCst))
}

#[test]
fn two_instances_of_a_thread_task_run_at_once() {
    let (log, most) = overlapping(Some(2));
    assert_eq!(most, 2);
    let actions: Vec<Action> = log.records().iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [Action::Run, Action::Run, Action::Success, Action::Success]
    );
}

#[test]
fn one_instance_by_default_never_overlaps() {
    let (log, most) = overlapping(None);
    assert_eq!(most, 1);
    let actions: Vec<Action> = log.records().iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [Action::Run, Action::Fail, Action::Run, Action::Fail]
    );
}

#[test]
fn each_instance_has_its_own_timeout() {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
        .with_grace(Duration::from_millis(20));
    let log = MemoryLog::new();
    Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond("task 'waits' has terminated more than 1 time")
        .task(
            Task::builder("waits")
                .execution(Execution::Thread)
                .start_cond("has started less than 2 times")
                .max_instances(2)
                .timeout("10 seconds")
                .run(|ctx| -> redengine::Outcome {
                    // Bounded: the timeout sets the flag within the clock's grace.
                    for _ in 0..2_000 {
                        if ctx.termination().is_set() {
                            return redengine::Outcome::Terminated;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    redengine::Outcome::Fail("never asked to stop".to_string())
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let records = log.records();
    let ends: Vec<(Action, &str)> = records
        .iter()
        .filter(|r| r.action != Action::Run)
        .map(|r| (r.action, r.message.as_str()))
        .collect();
    assert_eq!(
        ends,
        [
            (Action::Terminate, "timeout"),
            (Action::Terminate, "timeout")
        ],
        "{records:#?}"
    );
    assert_eq!(
        records.iter().filter(|r| r.action == Action::Run).count(),
        2
    );
}

#[test]
fn the_end_condition_stops_every_instance() {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap());
    let log = MemoryLog::new();
    Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond("task 'waits' has terminated more than 1 time")
        .task(
            Task::builder("waits")
                .execution(Execution::Thread)
                .start_cond("has started less than 2 times")
                .end_cond("has started more than 1 time")
                .max_instances(2)
                .run(|ctx| -> redengine::Outcome {
                    // Bounded: the end condition sets the flag once both runs started.
                    for _ in 0..2_000 {
                        if ctx.termination().is_set() {
                            return redengine::Outcome::Terminated;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    redengine::Outcome::Fail("never asked to stop".to_string())
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let records = log.records();
    let ends: Vec<(Action, &str)> = records
        .iter()
        .filter(|r| r.action != Action::Run)
        .map(|r| (r.action, r.message.as_str()))
        .collect();
    assert_eq!(
        ends,
        [
            (Action::Terminate, "end_cond"),
            (Action::Terminate, "end_cond")
        ],
        "{records:#?}"
    );
}

#[test]
fn two_instances_of_a_process_task_run_at_once() {
    let dir = std::env::temp_dir().join(format!("redengine-instances-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = dir.join("log/tasks.csv");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_instance_tasks"))
        .env("RE_LOG", &log)
        .env("RE_OUT", dir.join("out"))
        .env_remove("REDENGINE_TASK")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = redengine::CsvLog::new(&log).peek().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let actions: Vec<Action> = records.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [Action::Run, Action::Run, Action::Success, Action::Success],
        "{records:#?}"
    );
}
