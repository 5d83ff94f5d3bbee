//! The store behaviour every task log shares, run against each store: the CSV log, the
//! in-memory log, the SQLite log and the PostgreSQL log (on a throw-away server). A restarted scheduler on the same store answers as
//! if it had never stopped.

mod common;
// cluster: the PostgreSQL store, on a server the tests start.
#[path = "common/pg.rs"]
mod pg;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use redengine::PostgresLog;
use redengine::{
    Action, CsvLog, Execution, Inaction, LogStore, ManualClock, MemoryLog, Session, SessionBuilder,
    SqliteLog, Task, TaskRecord, Zone,
};

use common::{monday, scratch_dir};

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Memory,
    Sqlite,
    Postgres,
}

/// One store for one test: a fresh file (or memory) that sessions and readers share.
struct Store {
    kind: Kind,
    dir: PathBuf,
    memory: MemoryLog,
    /// The database of a PostgreSQL store.
    url: String,
}

impl Store {
    fn new(kind: Kind, name: &str) -> Self {
        Store {
            kind,
            dir: scratch_dir("stores", name),
            memory: MemoryLog::new(),
            url: match kind {
                Kind::Postgres => pg::database(name),
                _ => String::new(),
            },
        }
    }

    fn path(&self) -> PathBuf {
        let file = match self.kind {
            Kind::Csv => "tasks.csv",
            Kind::Sqlite | Kind::Memory | Kind::Postgres => "tasks.db",
        };
        self.dir.join("log").join(file)
    }

    /// The store as a scheduler opens it (for seeding records and reading them back).
    fn open(&self) -> Box<dyn LogStore> {
        match self.kind {
            Kind::Csv => Box::new(CsvLog::new(self.path())),
            Kind::Sqlite => Box::new(SqliteLog::new(self.path())),
            Kind::Memory => Box::new(self.memory.clone()),
            Kind::Postgres => Box::new(PostgresLog::new(&self.url)),
        }
    }

    /// A session builder on this store, a manual clock and UTC, tasks run in `main`.
    fn builder(&self, clock: &ManualClock) -> SessionBuilder {
        let builder = Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .task_execution(Execution::Main);
        match self.kind {
            Kind::Csv => builder.log_csv(self.path()),
            Kind::Sqlite => builder.log_sqlite(self.path()),
            Kind::Memory => builder.log_store(self.memory.clone()),
            Kind::Postgres => builder.log_postgres(&self.url),
        }
    }

    fn records(&self) -> Vec<TaskRecord> {
        self.open().peek().unwrap()
    }
}

/// One test function per store for each behaviour.
macro_rules! for_every_store {
    ($($test:ident),* $(,)?) => {
        mod csv {
            $(#[test] fn $test() { super::$test(super::Kind::Csv) })*
        }
        mod memory {
            $(#[test] fn $test() { super::$test(super::Kind::Memory) })*
        }
        mod sqlite {
            $(#[test] fn $test() { super::$test(super::Kind::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $test() { super::$test(super::Kind::Postgres) })*
        }
    };
}

for_every_store!(
    daily_does_not_run_twice_after_a_restart,
    a_run_left_unfinished_is_closed_with_crash_and_runs_again,
    conditions_answer_the_same_after_a_restart,
    records_read_back_as_written,
    a_return_value_crosses_a_restart,
    only_the_last_successful_value_is_restored,
    a_waiting_retry_keeps_its_attempt_and_time_across_a_restart,
);

fn daily(store: &Store, clock: &ManualClock, shut: &str) -> Session {
    store
        .builder(clock)
        .shut_cond(shut)
        .task(Task::builder("daily_job").start_cond("daily").run(|_| ()))
        .build()
        .unwrap()
}

fn daily_does_not_run_twice_after_a_restart(kind: Kind) {
    let store = Store::new(kind, "daily");
    let clock = ManualClock::new(monday(8, 0));
    daily(&store, &clock, "scheduler has more than 1 cycles")
        .run()
        .unwrap();
    assert_eq!(store.records().len(), 2);

    clock.set(monday(9, 0));
    daily(&store, &clock, "scheduler has run over 16 hours")
        .run()
        .unwrap();
    let runs: Vec<_> = store
        .records()
        .into_iter()
        .filter(|r| r.action == Action::Run)
        .collect();
    // Monday's run is not repeated; the next one is at Tuesday's start.
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1].created.format("%a %H:%M").to_string(), "Tue 00:00");
}

fn a_run_left_unfinished_is_closed_with_crash_and_runs_again(kind: Kind) {
    let store = Store::new(kind, "crash");
    let mut seed = store.open();
    seed.load().unwrap();
    seed.append(&TaskRecord::run("daily_job", monday(8, 0).fixed_offset()))
        .unwrap();
    seed.sync().unwrap();
    drop(seed);

    let clock = ManualClock::new(monday(9, 0));
    daily(&store, &clock, "task 'daily_job' has succeeded today")
        .run()
        .unwrap();
    let actions: Vec<_> = store
        .records()
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

/// The tasks whose outcomes the conditions below ask about.
fn outcomes(builder: SessionBuilder) -> SessionBuilder {
    builder
        .task(Task::builder("ok").start_cond("daily").run(|_| ()))
        .task(
            Task::builder("bad")
                .start_cond("daily")
                .run(|_| Err::<(), _>("boom".to_string())),
        )
        .task(Task::builder("idle").start_cond("daily").run(|_| Inaction))
}

fn conditions_answer_the_same_after_a_restart(kind: Kind) {
    let store = Store::new(kind, "conditions");
    let clock = ManualClock::new(monday(8, 0));
    outcomes(store.builder(&clock))
        .shut_cond("scheduler has more than 1 cycles")
        .build()
        .unwrap()
        .run()
        .unwrap();

    // A probe task per condition: it runs in the restarted scheduler's first cycle
    // exactly when its condition is true there.
    let probes = [
        ("ok_succeeded_today", "task 'ok' has succeeded today", true),
        ("ok_failed_today", "task 'ok' has failed today", false),
        ("bad_failed_today", "task 'bad' has failed today", true),
        (
            "bad_succeeded_today",
            "task 'bad' has succeeded today",
            false,
        ),
        ("after_ok", "after task 'ok' succeeded", true),
        ("after_bad", "after task 'bad' failed", true),
        ("after_idle_succeeded", "after task 'idle' succeeded", false),
        ("ok_started_today", "task 'ok' has started today", true),
        ("idle_failed_today", "task 'idle' has failed today", false),
    ];
    clock.set(monday(9, 0));
    let mut builder = outcomes(store.builder(&clock)).shut_cond("scheduler has more than 1 cycles");
    for (name, cond, _) in probes {
        builder = builder.task(Task::builder(name).start_cond(cond).run(|_| ()));
    }
    builder.build().unwrap().run().unwrap();

    let mut ran: Vec<String> = Vec::new();
    for r in store.records() {
        if r.created < monday(9, 0).fixed_offset() {
            continue;
        }
        // The probes that are true run in every cycle: each counts once.
        if r.action == Action::Run && !ran.contains(&r.task_name) {
            ran.push(r.task_name);
        }
    }
    ran.retain(|t| {
        !["ok", "bad", "idle"].contains(&t.as_str()) || {
            panic!("{kind:?}: `{t}` ran again after the restart")
        }
    });
    let expected: Vec<&str> = probes.iter().filter(|p| p.2).map(|p| p.0).collect();
    assert_eq!(ran, expected, "{kind:?}");
}

fn records_read_back_as_written(kind: Kind) {
    let store = Store::new(kind, "exact");
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    let written = [
        TaskRecord::run("a, \"quoted\"", at("2024-01-03T08:00:00.123456+05:30")),
        TaskRecord::finish(
            "a, \"quoted\"",
            Action::Fail,
            at("2024-01-03T08:00:00.123456+05:30"),
            at("2024-01-03T08:00:02.5-03:00"),
            "boom\nCaused by: ünïcode",
        ),
        TaskRecord::terminate(
            "b",
            "timeout",
            at("2024-01-03T08:00:00Z"),
            at("2024-01-03T09:00:00Z"),
        ),
        TaskRecord::crash("c", at("2024-01-03T08:00:00Z"), at("2024-01-04T08:00:00Z")),
        // cluster: a crash its executor reported (a worker's lease expired), with why.
        TaskRecord {
            exc_text: "the worker w:1 stopped renewing its lease,\n\"killed\"".into(),
            ..TaskRecord::crash("d", at("2024-01-03T08:00:00Z"), at("2024-01-03T08:00:09Z"))
        },
    ];
    let mut log = store.open();
    log.load().unwrap();
    for record in &written {
        log.append(record).unwrap();
    }
    log.sync().unwrap();
    assert_eq!(log.load().unwrap(), written);
    drop(log);
    assert_eq!(store.records(), written);
    let mut heads = Vec::new();
    store
        .open()
        .peek_heads(&mut |h| heads.push((h.task_name.to_owned(), h.action, h.created)))
        .unwrap();
    let expected: Vec<_> = written
        .iter()
        .map(|r| (r.task_name.clone(), r.action, r.created))
        .collect();
    assert_eq!(heads, expected);
}

/// A session with `get_data` (returning `value` on its daily run) and `use_data`, which
/// reads `get_data`'s value into `seen` in every cycle it runs.
fn with_value(
    store: &Store,
    clock: &ManualClock,
    value: Option<Vec<u32>>,
    seen: &Arc<Mutex<Vec<Option<Vec<u32>>>>>,
) -> Session {
    let seen = Arc::clone(seen);
    store
        .builder(clock)
        .shut_cond("scheduler has more than 1 cycles")
        .task(
            Task::builder("get_data")
                .start_cond("daily")
                .run_serde(move |_| value.clone().ok_or_else(|| "no data".to_string())),
        )
        .task(
            Task::builder("use_data")
                .start_cond("true")
                .returned_from_serde::<Vec<u32>>("data", "get_data")
                .run(move |ctx| {
                    seen.lock()
                        .unwrap()
                        .push(ctx.returned::<Vec<u32>>("data").unwrap());
                }),
        )
        .build()
        .unwrap()
}

fn a_return_value_crosses_a_restart(kind: Kind) {
    let store = Store::new(kind, "returns");
    let clock = ManualClock::new(monday(8, 0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    with_value(&store, &clock, Some(vec![1, 2, 3]), &seen)
        .run()
        .unwrap();
    assert_eq!(seen.lock().unwrap().last(), Some(&Some(vec![1, 2, 3])));

    seen.lock().unwrap().clear();
    clock.set(monday(9, 0));
    // `get_data` does not run again today: `use_data` reads the value kept by the store.
    with_value(&store, &clock, None, &seen).run().unwrap();
    let expected = match kind {
        // The CSV log keeps no values (docs/log.md, "Return values").
        Kind::Csv => None,
        Kind::Memory | Kind::Sqlite | Kind::Postgres => Some(vec![1, 2, 3]),
    };
    let mut seen = seen.lock().unwrap().clone();
    seen.dedup();
    assert_eq!(seen, [expected], "{kind:?}");
}

fn only_the_last_successful_value_is_restored(kind: Kind) {
    let store = Store::new(kind, "last-value");
    let clock = ManualClock::new(monday(8, 0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    with_value(&store, &clock, Some(vec![1]), &seen)
        .run()
        .unwrap();
    // Tuesday: a new value; Wednesday: a failure, which keeps Tuesday's value.
    clock.set(monday(8, 0) + chrono::TimeDelta::days(1));
    with_value(&store, &clock, Some(vec![2]), &seen)
        .run()
        .unwrap();
    clock.set(monday(8, 0) + chrono::TimeDelta::days(2));
    with_value(&store, &clock, None, &seen).run().unwrap();
    seen.lock().unwrap().clear();
    clock.set(monday(9, 0) + chrono::TimeDelta::days(2));
    with_value(&store, &clock, None, &seen).run().unwrap();
    let expected = match kind {
        Kind::Csv => None,
        Kind::Memory | Kind::Sqlite | Kind::Postgres => Some(vec![2]),
    };
    let mut seen = seen.lock().unwrap().clone();
    seen.dedup();
    assert_eq!(seen, [expected], "{kind:?}");
}

/// Fails until its third attempt (1 minute apart, backoff 2); `alerts` counts
/// `after task 'flaky' failed`, which a retried failure must never fire.
fn retrying(store: &Store, clock: &ManualClock, shut: &str, calls: &Arc<Mutex<u32>>) -> Session {
    let calls = Arc::clone(calls);
    store
        .builder(clock)
        .shut_cond(shut)
        .task(
            Task::builder("flaky")
                .start_cond("daily")
                .retries(3)
                .retry_delay("1 minute")
                .retry_backoff(2.0)
                .run(move |_| {
                    let mut n = calls.lock().unwrap();
                    *n += 1;
                    if *n < 3 {
                        Err(format!("attempt {n} fails"))
                    } else {
                        Ok(())
                    }
                }),
        )
        .task(
            Task::builder("alert")
                .start_cond("after task 'flaky' failed")
                .run(|_| ()),
        )
        .build()
        .unwrap()
}

fn a_waiting_retry_keeps_its_attempt_and_time_across_a_restart(kind: Kind) {
    let store = Store::new(kind, "retry");
    let clock = ManualClock::new(monday(8, 0));
    let calls = Arc::new(Mutex::new(0));
    // Down after the second attempt failed (08:01), before the third is due (08:03).
    retrying(&store, &clock, "scheduler has run over 2 minutes", &calls)
        .run()
        .unwrap();
    assert_eq!(*calls.lock().unwrap(), 2, "{kind:?}");
    retrying(&store, &clock, "scheduler has run over 10 minutes", &calls)
        .run()
        .unwrap();
    let flaky: Vec<(Action, String, u32)> = store
        .records()
        .into_iter()
        .filter(|r| r.task_name == "flaky")
        .map(|r| (r.action, r.created.format("%H:%M").to_string(), r.attempt))
        .collect();
    let expected = [
        (Action::Run, "08:00", 1),
        (Action::Fail, "08:00", 1),
        (Action::Run, "08:01", 2),
        (Action::Fail, "08:01", 2),
        (Action::Run, "08:03", 3),
        (Action::Success, "08:03", 3),
    ]
    .map(|(a, t, n)| (a, t.to_string(), n));
    assert_eq!(flaky, expected, "{kind:?}");
    assert!(
        store.records().iter().all(|r| r.task_name != "alert"),
        "{kind:?}: a retried failure fired `after task 'flaky' failed`"
    );
}
