//! Retries on a virtual clock: attempts at their backoff times, each its own run in the
//! log with its attempt number, one `failed` for conditions, and the schedule kept across
//! a restart on a CSV log.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use redengine::log::{Action, CsvLog, LogStore, MemoryLog, TaskRecord};
use redengine::{Execution, ManualClock, Session, Task, Zone};

/// A directory of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("redengine-retries-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + chrono::TimeDelta::minutes(m)
}

/// A body failing its first `fails` calls, then succeeding; `calls` counts them.
fn flaky(
    fails: usize,
    calls: Arc<AtomicUsize>,
) -> impl Fn(&redengine::TaskContext) -> Result<(), String> {
    move |_| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        if n < fails {
            Err(format!("attempt {} failed", n + 1))
        } else {
            Ok(())
        }
    }
}

/// The session of the done-when scenario: `x` runs daily with 3 retries, 1 minute delay,
/// backoff 2; `alert` runs after `x` failed.
fn session(
    clock: &ManualClock,
    store: impl LogStore,
    shut: &str,
    calls: &Arc<AtomicUsize>,
    fails: usize,
    alerts: &Arc<AtomicUsize>,
) -> Session {
    let alerts = alerts.clone();
    Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_store(store)
        .task_execution(Execution::Main)
        .shut_cond(shut)
        .task(
            Task::builder("x")
                .start_cond("daily")
                .retries(3)
                .retry_delay("1 minute")
                .retry_backoff(2.0)
                .run(flaky(fails, calls.clone())),
        )
        .task(
            Task::builder("alert")
                .start_cond("after task 'x' failed")
                .run(move |_| {
                    alerts.fetch_add(1, Ordering::SeqCst);
                }),
        )
        .build()
        .unwrap()
}

/// (action, created, attempt) of `task`'s records.
fn attempts(records: &[TaskRecord], task: &str) -> Vec<(Action, DateTime<Utc>, u32)> {
    records
        .iter()
        .filter(|r| r.task_name == task)
        .map(|r| (r.action, r.created.with_timezone(&Utc), r.attempt))
        .collect()
}

#[test]
fn failing_twice_then_succeeding_runs_at_t_plus_1_and_plus_3_minutes() {
    let clock = ManualClock::new(t0());
    let log = MemoryLog::new();
    let (calls, alerts) = (Arc::default(), Arc::default());
    let shut = "scheduler has run over 10 minutes";
    session(&clock, log.clone(), shut, &calls, 2, &alerts)
        .run()
        .unwrap();
    let records = log.records();
    assert_eq!(
        attempts(&records, "x"),
        [
            (Action::Run, minutes(0), 1),
            (Action::Fail, minutes(0), 1),
            (Action::Run, minutes(1), 2),
            (Action::Fail, minutes(1), 2),
            (Action::Run, minutes(3), 3),
            (Action::Success, minutes(3), 3),
        ]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        alerts.load(Ordering::SeqCst),
        0,
        "`after task 'x' failed` fired"
    );
    let messages: Vec<&str> = records
        .iter()
        .filter(|r| r.task_name == "x")
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(messages[0], "Task 'x' status: 'run'");
    assert_eq!(
        messages[1],
        "Task 'x' status: 'fail' (attempt 1 of 4, retry at 2024-01-01T00:01:00.000000+00:00)"
    );
    assert_eq!(messages[2], "Task 'x' status: 'run' (attempt 2 of 4)");
    assert_eq!(messages[5], "Task 'x' status: 'success' (attempt 3 of 4)");
    // `daily` counted the series as today's run: nothing more ran.
    assert_eq!(records.iter().filter(|r| r.task_name == "alert").count(), 0);
}

#[test]
fn a_restart_between_attempts_keeps_the_schedule() {
    let dir = TempDir::new("restart");
    let path = dir.0.join("tasks.csv");
    let clock = ManualClock::new(t0());
    let (calls, alerts) = (Arc::default(), Arc::default());
    // Down after the second attempt failed (00:01), before the third is due (00:03).
    let first = "scheduler has run over 2 minutes";
    session(&clock, CsvLog::new(&path), first, &calls, 2, &alerts)
        .run()
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let shut = "scheduler has run over 10 minutes";
    session(&clock, CsvLog::new(&path), shut, &calls, 2, &alerts)
        .run()
        .unwrap();
    let records = CsvLog::new(&path).peek().unwrap();
    assert_eq!(
        attempts(&records, "x"),
        [
            (Action::Run, minutes(0), 1),
            (Action::Fail, minutes(0), 1),
            (Action::Run, minutes(1), 2),
            (Action::Fail, minutes(1), 2),
            (Action::Run, minutes(3), 3),
            (Action::Success, minutes(3), 3),
        ]
    );
    assert_eq!(alerts.load(Ordering::SeqCst), 0);
}

#[test]
fn a_retry_due_while_down_runs_once_at_start_up() {
    let dir = TempDir::new("down");
    let path = dir.0.join("tasks.csv");
    let clock = ManualClock::new(t0());
    let (calls, alerts) = (Arc::default(), Arc::default());
    session(
        &clock,
        CsvLog::new(&path),
        "scheduler has run over 30 seconds",
        &calls,
        5,
        &alerts,
    )
    .run()
    .unwrap();
    // Down for an hour: the retry due at 00:01 runs at start-up, once, and the next at
    // its own delay after that.
    clock.set(minutes(60));
    session(
        &clock,
        CsvLog::new(&path),
        "scheduler has run over 1 minute",
        &calls,
        5,
        &alerts,
    )
    .run()
    .unwrap();
    let records = CsvLog::new(&path).peek().unwrap();
    let runs: Vec<_> = attempts(&records, "x")
        .into_iter()
        .filter(|(a, _, _)| *a == Action::Run)
        .map(|(_, at, n)| (at, n))
        .collect();
    assert_eq!(runs, [(minutes(0), 1), (minutes(60), 2)]);
}

#[test]
fn exhausted_retries_give_conditions_exactly_one_failure() {
    let clock = ManualClock::new(t0());
    let log = MemoryLog::new();
    let (calls, alerts) = (Arc::default(), Arc::default());
    session(
        &clock,
        log.clone(),
        "scheduler has run over 30 minutes",
        &calls,
        100,
        &alerts,
    )
    .run()
    .unwrap();
    let records = log.records();
    let fails: Vec<_> = attempts(&records, "x")
        .into_iter()
        .filter(|(a, _, _)| *a == Action::Fail)
        .map(|(_, at, n)| (at, n))
        .collect();
    // 1 + 2 + 4 minutes of delay: attempts at 0, 1, 3 and 7.
    assert_eq!(
        fails,
        [
            (minutes(0), 1),
            (minutes(1), 2),
            (minutes(3), 3),
            (minutes(7), 4)
        ]
    );
    let last = records.iter().rfind(|r| r.task_name == "x").unwrap();
    assert_eq!(last.message, "Task 'x' status: 'fail' (attempt 4 of 4)");
    assert_eq!(
        alerts.load(Ordering::SeqCst),
        1,
        "one failure seen by conditions"
    );
    let alert_run = records
        .iter()
        .find(|r| r.task_name == "alert" && r.action == Action::Run)
        .unwrap();
    assert_eq!(alert_run.created.with_timezone(&Utc), minutes(7));
}

#[test]
fn the_cap_bounds_every_delay() {
    let clock = ManualClock::new(t0());
    let log = MemoryLog::new();
    let calls = Arc::new(AtomicUsize::new(0));
    Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .shut_cond("scheduler has run over 1 hour")
        .task(
            Task::builder("x")
                .start_cond("daily")
                .retries(4)
                .retry_delay("1 minute")
                .retry_backoff(10.0)
                .retry_max_delay("5 minutes")
                .run(flaky(100, calls.clone())),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let runs: Vec<_> = attempts(&log.records(), "x")
        .into_iter()
        .filter(|(a, _, _)| *a == Action::Run)
        .map(|(_, at, _)| at)
        .collect();
    // Delays 1, 10→5, 100→5, 1000→5 minutes.
    assert_eq!(
        runs,
        [minutes(0), minutes(1), minutes(6), minutes(11), minutes(16)]
    );
}

#[test]
fn a_crash_found_at_start_up_is_retried() {
    let dir = TempDir::new("crash");
    let path = dir.0.join("tasks.csv");
    // The log of a scheduler that died while `x` ran.
    let started = t0().fixed_offset();
    CsvLog::new(&path)
        .append(&TaskRecord::run("x", started))
        .unwrap();
    let clock = ManualClock::new(minutes(10));
    let (calls, alerts) = (Arc::default(), Arc::default());
    session(
        &clock,
        CsvLog::new(&path),
        "scheduler has run over 5 minutes",
        &calls,
        0,
        &alerts,
    )
    .run()
    .unwrap();
    let records = CsvLog::new(&path).peek().unwrap();
    assert_eq!(
        attempts(&records, "x"),
        [
            (Action::Run, minutes(0), 1),
            (Action::Crash, minutes(10), 1),
            (Action::Run, minutes(11), 2),
            (Action::Success, minutes(11), 2),
        ]
    );
    assert_eq!(alerts.load(Ordering::SeqCst), 0);
}

#[test]
fn a_run_terminated_by_its_timeout_is_retried() {
    let clock = ManualClock::new(t0()).with_grace(std::time::Duration::from_millis(20));
    let log = MemoryLog::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond("scheduler has run over 5 minutes")
        .task(
            Task::builder("stuck_once")
                .execution(Execution::Thread)
                .start_cond("daily")
                .timeout("10 seconds")
                .retries(1)
                .retry_delay("1 minute")
                .run(move |ctx| -> redengine::Outcome {
                    if c.fetch_add(1, Ordering::SeqCst) == 0 {
                        // Bounded: the timeout sets the flag within the clock's grace.
                        for _ in 0..2_000 {
                            if ctx.termination().is_set() {
                                return redengine::Outcome::Terminated;
                            }
                            std::thread::sleep(std::time::Duration::from_millis(5));
                        }
                        return redengine::Outcome::Fail("never asked to stop".to_string());
                    }
                    redengine::Outcome::Success(None)
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let records = log.records();
    let got: Vec<(Action, u32)> = records.iter().map(|r| (r.action, r.attempt)).collect();
    assert_eq!(
        got,
        [
            (Action::Run, 1),
            (Action::Terminate, 1),
            (Action::Run, 2),
            (Action::Success, 2)
        ],
        "{records:#?}"
    );
    assert!(
        records[1]
            .message
            .starts_with("timeout (attempt 1 of 2, retry at "),
        "{}",
        records[1].message
    );
    assert!(records[2].created >= records[1].created + chrono::TimeDelta::minutes(1));
}

#[test]
fn a_manual_termination_is_final_and_force_run_hastens_a_waiting_retry() {
    let clock = ManualClock::new(t0());
    let log = MemoryLog::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    Session::builder()
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond("scheduler has run over 1 hour")
        .task(
            Task::builder("worker")
                .execution(Execution::Thread)
                .start_cond("daily")
                .retries(5)
                .retry_delay("10 minutes")
                .run(move |ctx| -> redengine::Outcome {
                    let handle = ctx.session().expect("a scheduler runs this");
                    if c.fetch_add(1, Ordering::SeqCst) == 0 {
                        // Fails, and asks for a run now: the retry must not wait its
                        // 10 minutes.
                        handle.force_run("worker");
                        return redengine::Outcome::Fail("boom".to_string());
                    }
                    // The retry is terminated by hand: final, not retried.
                    handle.force_termination("worker");
                    for _ in 0..2_000 {
                        if ctx.termination().is_set() {
                            return redengine::Outcome::Terminated;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    redengine::Outcome::Fail("never terminated".to_string())
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let records = log.records();
    let got: Vec<(Action, DateTime<Utc>, u32)> = attempts(&records, "worker");
    assert_eq!(
        got.iter().map(|(a, _, n)| (*a, *n)).collect::<Vec<_>>(),
        [
            (Action::Run, 1),
            (Action::Fail, 1),
            (Action::Run, 2),
            (Action::Terminate, 2)
        ],
        "{records:#?}"
    );
    assert_eq!(got[2].1, t0(), "the forced retry ran at once");
    assert_eq!(records[3].message, "manual (attempt 2 of 6)");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_waiting_retry_the_settings_no_longer_allow_makes_its_failure_final() {
    let dir = TempDir::new("lowered");
    let path = dir.0.join("tasks.csv");
    let clock = ManualClock::new(t0());
    let (calls, alerts) = (Arc::default(), Arc::default());
    session(
        &clock,
        CsvLog::new(&path),
        "scheduler has run over 30 seconds",
        &calls,
        5,
        &alerts,
    )
    .run()
    .unwrap();
    assert_eq!(alerts.load(Ordering::SeqCst), 0);
    // The same task without retries: the failure at 00:00 is final, so `alert` runs.
    let alerted = alerts.clone();
    Session::builder()
        .clock(clock.clone())
        .zone(Zone::Utc)
        .log_store(CsvLog::new(&path))
        .task_execution(Execution::Main)
        .shut_cond("scheduler has run over 10 minutes")
        .task(
            Task::builder("x")
                .start_cond("daily")
                .run(flaky(5, calls.clone())),
        )
        .task(
            Task::builder("alert")
                .start_cond("after task 'x' failed")
                .run(move |_| {
                    alerted.fetch_add(1, Ordering::SeqCst);
                }),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(alerts.load(Ordering::SeqCst), 1);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "no retry ran, and daily had run"
    );
}

#[test]
fn run_tasks_launches_only_the_named_tasks_even_with_a_retry_due() {
    let clock = ManualClock::new(t0());
    let log = MemoryLog::new();
    let (calls, alerts) = (Arc::new(AtomicUsize::new(0)), Arc::default());
    let mut s = session(
        &clock,
        log.clone(),
        "scheduler has run over 30 seconds",
        &calls,
        5,
        &alerts,
    );
    s.run().unwrap();
    clock.set(minutes(5));
    s.run_tasks(["alert"], false).unwrap();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "x's retry ran under run_tasks(alert)"
    );
    assert_eq!(alerts.load(Ordering::SeqCst), 1);
}

#[test]
fn jitter_spreads_the_delay_the_same_way_on_every_replay() {
    let replay = || {
        let clock = ManualClock::new(t0());
        let log = MemoryLog::new();
        let calls = Arc::new(AtomicUsize::new(0));
        Session::builder()
            .clock(clock)
            .zone(Zone::Utc)
            .log_store(log.clone())
            .task_execution(Execution::Main)
            .shut_cond("scheduler has run over 1 hour")
            .task(
                Task::builder("x")
                    .start_cond("daily")
                    .retries(3)
                    .retry_delay("10 minutes")
                    .retry_jitter(0.5)
                    .run(flaky(100, calls)),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        attempts(&log.records(), "x")
            .into_iter()
            .filter(|(a, _, _)| *a == Action::Run)
            .map(|(_, at, _)| at)
            .collect::<Vec<_>>()
    };
    let runs = replay();
    assert_eq!(runs, replay());
    assert_eq!(runs.len(), 4);
    let gaps: Vec<i64> = runs
        .windows(2)
        .map(|w| (w[1] - w[0]).num_seconds())
        .collect();
    for gap in &gaps {
        assert!((300..=900).contains(gap), "{gaps:?}");
    }
    assert!(
        gaps.iter().any(|g| *g != 600),
        "jitter moved no delay: {gaps:?}"
    );
}

#[test]
fn a_body_knows_which_attempt_it_is() {
    for execution in [Execution::Main, Execution::Thread] {
        let clock = ManualClock::new(t0());
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let body_seen = seen.clone();
        Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_store(MemoryLog::new())
            .task_execution(execution)
            .shut_cond("scheduler has run over 10 minutes")
            .task(
                Task::builder("x")
                    .start_cond("daily")
                    .retries(3)
                    .retry_delay("1 minute")
                    .run(move |ctx| {
                        let mut seen = body_seen.lock().unwrap();
                        seen.push(ctx.attempt());
                        if seen.len() < 3 {
                            Err(format!("attempt {} failed", ctx.attempt()))
                        } else {
                            Ok(())
                        }
                    }),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), [1, 2, 3], "{execution:?}");
    }
}

/// A task that never launches from its condition (`start_cond = "false"`, or `disabled`)
/// but is forced and fails: its retry launches at its time, "whatever `start_cond` and
/// `disabled` say" (docs/runtime.md, "Retries"). The cycle visits only the tasks whose
/// inputs changed, and it had left such a task out of every cycle, so the retry never ran.
#[test]
fn a_forced_run_of_a_task_that_never_starts_by_itself_is_retried() {
    for (cond, disabled) in [("false", false), ("daily", true)] {
        let clock = ManualClock::new(t0());
        let log = MemoryLog::new();
        let calls = Arc::default();
        Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_store(log.clone())
            .task_execution(Execution::Main)
            .shut_cond("scheduler has run over 10 minutes")
            .task(
                Task::builder("x")
                    .start_cond(cond)
                    .disabled(disabled)
                    .force_run(true)
                    .retries(2)
                    .retry_delay("1 minute")
                    .run(flaky(1, Arc::clone(&calls))),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        assert_eq!(
            attempts(&log.records(), "x"),
            [
                (Action::Run, minutes(0), 1),
                (Action::Fail, minutes(0), 1),
                (Action::Run, minutes(1), 2),
                (Action::Success, minutes(1), 2),
            ],
            "start_cond `{cond}`, disabled {disabled}"
        );
    }
}

/// The same after a restart: the retry the log holds for a disabled task is launched.
#[test]
fn a_waiting_retry_of_a_disabled_task_runs_after_a_restart() {
    let dir = TempDir::new("disabled");
    let path = dir.0.join("tasks.csv");
    let clock = ManualClock::new(t0());
    let calls = Arc::new(AtomicUsize::new(0));
    let session = |shut: &str, force: bool| {
        Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_store(CsvLog::new(&path))
            .task_execution(Execution::Main)
            .shut_cond(shut)
            .task(
                Task::builder("x")
                    .disabled(true)
                    .force_run(force)
                    .retries(2)
                    .retry_delay("1 minute")
                    .run(flaky(1, Arc::clone(&calls))),
            )
            .build()
            .unwrap()
    };
    session("scheduler has run over 30 seconds", true)
        .run()
        .unwrap();
    session("scheduler has run over 5 minutes", false)
        .run()
        .unwrap();
    let runs: Vec<_> = attempts(&CsvLog::new(&path).peek().unwrap(), "x")
        .into_iter()
        .filter(|(a, _, _)| *a != Action::Run)
        .collect();
    assert_eq!(
        runs,
        [
            (Action::Fail, minutes(0), 1),
            (Action::Success, minutes(1), 2)
        ]
    );
}
