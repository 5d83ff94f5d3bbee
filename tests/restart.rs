//! A restarted scheduler on the same log answers as if it had never stopped.

mod common;

use std::path::PathBuf;

use redengine::{
    Action, CsvLog, Execution, LogStore, ManualClock, MemoryLog, Session, Task, TaskRecord, Zone,
};

use common::monday;

fn temp_log(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-restart-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("log").join("tasks.csv")
}

fn session(path: &PathBuf, clock: &ManualClock, shut: &str) -> Session {
    Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_csv(path)
        .task_execution(Execution::Main)
        .shut_cond(shut)
        .task(Task::builder("daily_job").start_cond("daily").run(|_| ()))
        .build()
        .unwrap()
}

fn records(path: &PathBuf) -> Vec<TaskRecord> {
    CsvLog::new(path).load().unwrap()
}

#[test]
fn daily_does_not_run_twice_after_a_restart() {
    let path = temp_log("daily");
    let clock = ManualClock::new(monday(8, 0));
    session(&path, &clock, "scheduler has more than 1 cycles")
        .run()
        .unwrap();
    assert_eq!(records(&path).len(), 2);

    clock.set(monday(9, 0));
    session(&path, &clock, "scheduler has run over 16 hours")
        .run()
        .unwrap();
    let after: Vec<_> = records(&path)
        .into_iter()
        .filter(|r| r.action == Action::Run)
        .collect();
    // Monday's run is not repeated; the next one is at Tuesday's start (it ran until 01:00).
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[1].created.format("%a %H:%M").to_string(), "Tue 00:00");
}

#[test]
fn a_run_killed_mid_way_is_closed_with_crash_and_runs_again() {
    let path = temp_log("crash");
    let mut store = CsvLog::new(&path);
    store.load().unwrap();
    let started = monday(8, 0).fixed_offset();
    store
        .append(&TaskRecord::run("daily_job", started))
        .unwrap();
    store.sync().unwrap();
    drop(store);

    let clock = ManualClock::new(monday(9, 0));
    session(&path, &clock, "task 'daily_job' has succeeded today")
        .run()
        .unwrap();
    let actions: Vec<_> = records(&path)
        .into_iter()
        .map(|r| (r.action, r.created.format("%H:%M").to_string()))
        .collect();
    assert_eq!(
        actions,
        [
            (Action::Run, "08:00".to_string()),
            (Action::Crash, "09:00".to_string()),
            (Action::Run, "09:00".to_string()),
            (Action::Success, "09:00".to_string()),
        ]
    );
}

#[test]
fn an_unwritable_log_is_an_error_naming_the_path() {
    let clock = ManualClock::new(monday(9, 0));
    let blocker =
        std::env::temp_dir().join(format!("redengine-restart-{}-file", std::process::id()));
    std::fs::write(&blocker, "not a directory").unwrap();
    let path = blocker.join("tasks.csv");
    let err = session(&path, &clock, "true").run().unwrap_err();
    assert!(
        err.to_string().contains(&blocker.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_reopened_memory_log_restores_status_too() {
    let log = MemoryLog::new();
    let clock = ManualClock::new(monday(8, 0));
    let make = |shut: &str| {
        Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_store(log.clone())
            .task_execution(Execution::Main)
            .shut_cond(shut)
            .task(Task::builder("daily_job").start_cond("daily").run(|_| ()))
            .build()
            .unwrap()
    };
    make("scheduler has more than 1 cycles").run().unwrap();
    clock.set(monday(12, 0));
    make("scheduler has run over 1 hour").run().unwrap();
    let runs = log
        .records()
        .into_iter()
        .filter(|r| r.action == Action::Run)
        .count();
    assert_eq!(runs, 1);
}
