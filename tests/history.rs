//! The history API and the `history` command give the same answers from every store;
//! retention drops old records without changing an answer inside the kept window; `log
//! import`/`log export` move a log between stores record for record; `log compact`
//! rewrites a CSV log on request only.

mod common;
// cluster: the PostgreSQL store, on a server the tests start.
#[path = "common/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use redengine::log::{HistoryQuery, Retention};
use redengine::{
    Action, CsvLog, Execution, LogStore, ManualClock, MemoryLog, Session, SessionBuilder,
    SqliteLog, Task, TaskRecord, Zone,
};

use common::{assert_code, monday, scratch_dir, stderr, stdout};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Memory,
    Sqlite,
    Postgres,
}

const KINDS: [Kind; 4] = [Kind::Csv, Kind::Memory, Kind::Sqlite, Kind::Postgres];

/// One store of each kind for one test.
struct Store {
    kind: Kind,
    path: PathBuf,
    memory: MemoryLog,
    /// The database of a PostgreSQL store.
    url: String,
}

impl Store {
    fn new(kind: Kind, name: &str) -> Self {
        let file = if kind == Kind::Csv {
            "tasks.csv"
        } else {
            "tasks.db"
        };
        Store {
            kind,
            path: scratch_dir("history", name).join(file),
            memory: MemoryLog::new(),
            url: match kind {
                Kind::Postgres => pg::database(name),
                _ => String::new(),
            },
        }
    }

    fn open(&self) -> Box<dyn LogStore> {
        match self.kind {
            Kind::Csv => Box::new(CsvLog::new(&self.path)),
            Kind::Sqlite => Box::new(SqliteLog::new(&self.path)),
            Kind::Memory => Box::new(self.memory.clone()),
            Kind::Postgres => Box::new(redengine::PostgresLog::new(&self.url)),
        }
    }

    fn seeded(kind: Kind, name: &str, records: &[TaskRecord]) -> Self {
        let store = Store::new(kind, name);
        let mut log = store.open();
        log.load().unwrap();
        log.append_all(records).unwrap();
        log.sync().unwrap();
        store
    }

    fn builder(&self, clock: &ManualClock) -> SessionBuilder {
        let builder = Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .task_execution(Execution::Main);
        match self.kind {
            Kind::Csv => builder.log_csv(&self.path),
            Kind::Sqlite => builder.log_sqlite(&self.path),
            Kind::Memory => builder.log_store(self.memory.clone()),
            Kind::Postgres => builder.log_postgres(&self.url),
        }
    }
}

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    at(text).with_timezone(&Utc)
}

/// Three tasks over three days, with two records at one instant and two offsets.
fn sample() -> Vec<TaskRecord> {
    let mut records = Vec::new();
    for day in 1..=3 {
        let s = at(&format!("2024-01-0{day}T08:00:00+02:00"));
        let e = s + TimeDelta::seconds(30);
        records.push(TaskRecord::run("get_data", s));
        let action = if day == 2 {
            Action::Fail
        } else {
            Action::Success
        };
        records.push(TaskRecord::finish("get_data", action, s, e, "no data"));
        // `report` starts when `get_data` ends: two records at one instant.
        records.push(TaskRecord::run("report", e));
        records.push(TaskRecord::finish(
            "report",
            Action::Success,
            e,
            e + TimeDelta::seconds(5),
            "",
        ));
    }
    let s = at("2024-01-02T12:00:00Z");
    records.push(TaskRecord::run("cleanup", s));
    records.push(TaskRecord::terminate(
        "cleanup",
        "timeout",
        s,
        s + TimeDelta::hours(1),
    ));
    records.push(TaskRecord::run("cleanup", at("2024-01-03T12:00:00Z")));
    records.push(TaskRecord::crash(
        "cleanup",
        at("2024-01-03T12:00:00Z"),
        at("2024-01-04T00:00:00Z"),
    ));
    records
}

#[test]
fn every_store_gives_the_same_history() {
    let records = sample();
    let queries = [
        HistoryQuery::new(),
        HistoryQuery::new().task("get_data"),
        HistoryQuery::new().task("get_data").task("cleanup"),
        HistoryQuery::new().since(utc("2024-01-02T06:00:30Z")),
        HistoryQuery::new()
            .since(utc("2024-01-02T00:00:00Z"))
            .until(utc("2024-01-03T00:00:00Z")),
        HistoryQuery::new().failed(),
        HistoryQuery::new().finished().limit(3),
        HistoryQuery::new().action(Action::Run).offset(2).limit(2),
        HistoryQuery::new().task("report").finished().offset(1),
        HistoryQuery::new().task("nobody"),
        HistoryQuery::new().limit(0),
        HistoryQuery::new().offset(100),
    ];
    let stores: Vec<Store> = KINDS
        .iter()
        .map(|&k| Store::seeded(k, "same", &records))
        .collect();
    for query in &queries {
        let expected = query.answer(records.clone());
        for store in &stores {
            let got = store.open().history(query).unwrap();
            assert_eq!(got, expected, "{:?}: {query:?}", store.kind);
        }
    }
    for store in &stores {
        let last = store.open().last_records().unwrap();
        let names: Vec<(&str, Action)> = last
            .iter()
            .map(|r| (r.task_name.as_str(), r.action))
            .collect();
        assert_eq!(
            names,
            [
                ("cleanup", Action::Crash),
                ("report", Action::Success),
                ("get_data", Action::Success)
            ],
            "{:?}",
            store.kind
        );
    }

    // The reference itself: newest first, and of two records made at one instant the
    // one written later comes first.
    let newest: Vec<(String, Action)> = HistoryQuery::new()
        .since(utc("2024-01-03T06:00:00Z"))
        .until(utc("2024-01-03T06:01:00Z"))
        .answer(records)
        .into_iter()
        .map(|r| (r.task_name, r.action))
        .collect();
    assert_eq!(
        newest,
        [
            ("report".to_string(), Action::Success),
            ("report".to_string(), Action::Run),
            ("get_data".to_string(), Action::Success),
            ("get_data".to_string(), Action::Run),
        ]
    );
}

#[test]
fn a_handle_reads_the_history_while_the_scheduler_runs() {
    for kind in KINDS {
        let store = Store::new(kind, "handle");
        let clock = ManualClock::new(monday(8, 0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen_in_task = Arc::clone(&seen);
        store
            .builder(&clock)
            .shut_cond("scheduler has more than 1 cycles")
            .task(Task::builder("get_data").start_cond("daily").run(|_| ()))
            .task(
                Task::builder("watch")
                    .start_cond("after task 'get_data' succeeded")
                    .run(move |ctx| {
                        let handle = ctx.session().expect("a main task has the handle");
                        let runs = handle
                            .history(&HistoryQuery::new().task("get_data"))
                            .unwrap();
                        let last = handle.last_runs().unwrap();
                        seen_in_task.lock().unwrap().push((
                            runs.iter().map(|r| r.action).collect::<Vec<_>>(),
                            last.len(),
                        ));
                    }),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [(vec![Action::Success, Action::Run], 2)],
            "{kind:?}"
        );
    }
}

/// `daily_job` succeeded at 08:00 on each of ten days, `once` failed on the first.
fn ten_days() -> Vec<TaskRecord> {
    let mut records = Vec::new();
    for day in 0..10 {
        let s = (monday(8, 0) + TimeDelta::days(day)).fixed_offset();
        records.push(TaskRecord::run("daily_job", s));
        records.push(TaskRecord::finish("daily_job", Action::Success, s, s, ""));
    }
    let s = monday(9, 0).fixed_offset();
    records.push(TaskRecord::run("once", s));
    records.push(TaskRecord::finish("once", Action::Fail, s, s, "boom"));
    records
}

/// The probes that run in one cycle of a session at `now` on `store`.
fn probes_run(store: &Store, now: DateTime<Utc>, retention: Option<Retention>) -> Vec<String> {
    let clock = ManualClock::new(now);
    let probes = [
        ("done_today", "task 'daily_job' has succeeded today"),
        (
            "three_this_week",
            "task 'daily_job' has succeeded more than 2 times this week",
        ),
        ("after_once_failed", "after task 'once' failed"),
        ("once_failed_today", "task 'once' has failed today"),
        ("started_today", "task 'daily_job' has started today"),
    ];
    let mut builder = store
        .builder(&clock)
        .shut_cond("scheduler has more than 1 cycles")
        .task(Task::builder("daily_job").start_cond("daily").run(|_| ()))
        .task(Task::builder("once").start_cond("false").run(|_| ()));
    for (name, cond) in probes {
        builder = builder.task(Task::builder(name).start_cond(cond).run(|_| ()));
    }
    if let Some(retention) = retention {
        builder = builder.log_retention(retention);
    }
    builder.build().unwrap().run().unwrap();
    let mut ran = Vec::new();
    for r in store.open().peek().unwrap() {
        if r.action == Action::Run && r.created >= now.fixed_offset() && !ran.contains(&r.task_name)
        {
            ran.push(r.task_name);
        }
    }
    ran
}

#[test]
fn retention_keeps_every_answer_inside_the_window() {
    let now = monday(12, 0) + TimeDelta::days(9);
    for kind in KINDS {
        let without = Store::seeded(kind, "no-retention", &ten_days());
        let with = Store::seeded(kind, "retention", &ten_days());
        let expected = probes_run(&without, now, None);
        let got = probes_run(&with, now, Some(Retention::parse("3 days").unwrap()));
        assert_eq!(got, expected, "{kind:?}");
        assert!(!got.contains(&"daily_job".to_string()), "{kind:?}: {got:?}");

        let kept = with.open().peek().unwrap();
        let old = kept
            .iter()
            .filter(|r| r.created < (now - TimeDelta::days(3)).fixed_offset())
            .count();
        match kind {
            // Append-only: only `log compact` rewrites it.
            Kind::Csv => assert_eq!(old, 16, "{kind:?}"),
            // The latest of each task and action stays, however old: `once`'s two.
            Kind::Memory | Kind::Sqlite | Kind::Postgres => {
                assert_eq!(old, 2, "{kind:?}: {kept:?}");
            }
        }
    }
}

#[test]
fn a_retention_of_records_keeps_the_newest() {
    let store = Store::seeded(Kind::Sqlite, "rows", &ten_days());
    let now = monday(12, 0) + TimeDelta::days(9);
    probes_run(&store, now, Some(Retention::Records(4)));
    let kept = store.open().peek().unwrap();
    // The four newest before this run (days 9 and 10), `once`'s latest two, and what
    // this run wrote: nothing of days 1–8.
    assert!(
        kept.iter().all(|r| r.task_name != "daily_job"
            || r.created >= (monday(8, 0) + TimeDelta::days(8)).fixed_offset()),
        "{kept:?}"
    );
    assert_eq!(
        kept.iter().filter(|r| r.task_name == "once").count(),
        2,
        "{kept:?}"
    );
}

#[test]
fn retention_settings_parse_with_clear_errors() {
    assert_eq!(
        Retention::parse("90 days"),
        Ok(Retention::Age(std::time::Duration::from_secs(90 * 86_400)))
    );
    assert_eq!(
        Retention::parse("100_000 records"),
        Ok(Retention::Records(100_000))
    );
    assert_eq!(Retention::parse("5 rows"), Ok(Retention::Records(5)));
    let err = Retention::parse("0 records").unwrap_err();
    assert!(err.contains("at least 1"), "{err}");
    let err = Session::builder()
        .config("log_retention", "ninety days")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("log_retention"), "{err}");
}

// ------------------------------------------------------------------------ the CLI

fn cli(args: &[&str], retention: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_store_cli"));
    command.args(args).env_remove("REDENGINE_LOG");
    match retention {
        Some(r) => command.env("STORE_CLI_RETENTION", r),
        None => command.env_remove("STORE_CLI_RETENTION"),
    };
    command.output().unwrap()
}

fn csv_log(dir: &Path) -> PathBuf {
    let path = dir.join("tasks.csv");
    let mut log = CsvLog::new(&path);
    log.load().unwrap();
    log.append_all(&sample()).unwrap();
    log.sync().unwrap();
    path
}

#[test]
fn the_history_command_reads_every_store_alike() {
    let dir = scratch_dir("history", "cli");
    let csv = csv_log(&dir);
    let db = dir.join("tasks.db");
    let (csv, db) = (csv.to_str().unwrap(), db.to_str().unwrap());
    let out = cli(&["--log", db, "log", "import", csv], None);
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("imported 16 records"),
        "{}",
        stdout(&out)
    );

    for args in [
        &["history"][..],
        &["history", "get_data", "--failed"],
        &["history", "--since", "2024-01-03", "--limit", "3"],
        &["history", "report", "cleanup", "--limit=0"],
    ] {
        let from_csv = cli(&[&["--log", csv][..], args].concat(), None);
        let from_db = cli(&[&["--log", db][..], args].concat(), None);
        assert_code(&from_csv, 0);
        assert_code(&from_db, 0);
        let body = |out: &Output| stdout(out).lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(body(&from_csv), body(&from_db), "{args:?}");
        assert!(
            stdout(&from_db).contains("from the SQLite log at"),
            "{}",
            stdout(&from_db)
        );
    }
    let out = cli(&["--log", db, "history", "get_data", "--failed"], None);
    let text = stdout(&out);
    assert!(text.starts_with("1 record from the SQLite log"), "{text}");
    assert!(
        text.contains("2024-01-02 06:00:30  get_data  fail"),
        "{text}"
    );
    assert!(text.contains("no data"), "{text}");

    let out = cli(&["--log", db, "history", "--json", "--limit", "2"], None);
    assert_code(&out, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["more"], true);
    let records = doc["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["task"], "cleanup");
    assert_eq!(records[0]["action"], "crash");
    assert_eq!(records[0]["created"], "2024-01-04T00:00:00.000000Z");

    let out = cli(&["history", "--since", "yesterday"], None);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("`--since yesterday` is not a date or time"));
}

#[test]
fn import_then_export_gives_the_same_log_back() {
    let dir = scratch_dir("history", "round-trip");
    let csv = csv_log(&dir);
    let db = dir.join("tasks.db");
    let back = dir.join("back.csv");
    let (csv_s, db_s, back_s) = (
        csv.to_str().unwrap(),
        db.to_str().unwrap(),
        back.to_str().unwrap(),
    );
    assert_code(&cli(&["--log", db_s, "log", "import", csv_s], None), 0);
    let out = cli(&["--log", db_s, "log", "export", back_s], None);
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("exported 16 records"),
        "{}",
        stdout(&out)
    );
    assert_eq!(SqliteLog::new(&db).peek().unwrap(), sample());
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&csv).unwrap());

    // No mixing of histories, no overwriting.
    let out = cli(&["--log", db_s, "log", "import", csv_s], None);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("already holds 16 records"),
        "{}",
        stderr(&out)
    );
    let out = cli(&["--log", db_s, "log", "export", back_s], None);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let out = cli(&["--log", db_s, "log", "import", "missing.csv"], None);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("there is no file `missing.csv`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn log_compact_rewrites_a_csv_log_only_when_asked_and_keeps_a_backup() {
    let dir = scratch_dir("history", "compact");
    let csv = csv_log(&dir);
    let original = std::fs::read(&csv).unwrap();
    let csv_s = csv.to_str().unwrap();

    let out = cli(&["--log", csv_s, "log", "compact"], None);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("log_retention"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&csv).unwrap(), original);

    let out = cli(&["--log", csv_s, "log", "compact"], Some("4 records"));
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("dropped"), "{text}");
    let backup = text
        .lines()
        .find_map(|l| l.strip_prefix("the old log is kept at "))
        .unwrap();
    assert_eq!(
        std::fs::read(backup).unwrap(),
        original,
        "the backup is the old file"
    );
    let kept = CsvLog::new(&csv).peek().unwrap();
    let expected: Vec<TaskRecord> = {
        let records = sample();
        let cutoff = HistoryQuery::new()
            .offset(3)
            .limit(1)
            .answer(records.clone())[0]
            .created
            .with_timezone(&Utc);
        let keep = redengine::log::kept(&records, cutoff);
        records
            .into_iter()
            .zip(keep)
            .filter_map(|(r, k)| k.then_some(r))
            .collect()
    };
    assert_eq!(kept, expected);
    assert!(kept.len() < sample().len());
}

#[test]
fn retention_prunes_while_the_scheduler_runs() {
    for kind in [Kind::Memory, Kind::Sqlite, Kind::Postgres] {
        let store = Store::new(kind, "running");
        let clock = ManualClock::new(monday(8, 0));
        let ticking = clock.clone();
        store
            .builder(&clock)
            .shut_cond("scheduler has more than 1500 cycles")
            .log_retention(Retention::Records(100))
            // A second passes in every cycle, so records have distinct instants.
            .on_cycle(move |_| {
                ticking.advance(std::time::Duration::from_secs(1));
                Ok(None)
            })
            .task(Task::builder("busy").start_cond("true").run(|_| ()))
            .build()
            .unwrap()
            .run()
            .unwrap();
        let kept = store.open().peek().unwrap();
        // About 3,000 records were written; pruning every 1,000 keeps the store below
        // 100 + 1,000 (and the latest of each action).
        assert!(kept.len() < 1_100, "{kind:?}: {} records kept", kept.len());
        assert!(kept.len() >= 100, "{kind:?}: {}", kept.len());
    }
}

#[test]
fn the_history_command_reads_a_database_another_scheduler_holds() {
    let dir = scratch_dir("history", "held");
    let db = dir.join("tasks.db");
    let db_s = db.to_str().unwrap();
    let mut log = SqliteLog::new(&db);
    log.load().unwrap();
    log.append_all(&sample()).unwrap();
    // `log` holds the instance lock, as a running scheduler does.
    let out = cli(&["--log", db_s, "history", "cleanup"], None);
    assert_code(&out, 0);
    assert!(stdout(&out).starts_with("4 records"), "{}", stdout(&out));
    let out = cli(&["--log", db_s, "log", "compact"], Some("2 records"));
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("in use by another scheduler"),
        "{}",
        stderr(&out)
    );
    drop(log);
}
