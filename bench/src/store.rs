//! The log stores side by side: records appended per second (CSV, SQLite, SQLite with an
//! fsync per record), and a scheduler's start-up on a log of 1,000,000 records (time and
//! peak RSS), each in a child process of its own so one store's memory does not count
//! for the other.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use redengine::{Action, CsvLog, LogStore, Session, SqliteLog, TaskRecord, Zone};

use crate::probe::{peak_rss_kib, secs};

/// The child mode that starts a scheduler on the log named by [`LOG_ENV`].
pub(crate) const CHILD_STORE_STARTUP: &str = "store_startup";
/// The log file a `store_startup` child starts on.
const LOG_ENV: &str = "REDENGINE_BENCH_LOG";
/// The records of the start-up logs.
pub(crate) const STARTUP_RECORDS: u64 = 1_000_000;

/// Which store a row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Store {
    Csv,
    Sqlite,
    /// SQLite with `synchronous = FULL`.
    SqliteFull,
}

impl Store {
    fn open(self, path: &Path) -> Box<dyn LogStore> {
        match self {
            Store::Csv => Box::new(CsvLog::new(path)),
            Store::Sqlite => Box::new(SqliteLog::new(path)),
            Store::SqliteFull => Box::new(SqliteLog::new(path).sync_each_append(true)),
        }
    }

    fn file(self) -> &'static str {
        match self {
            Store::Csv => "tasks.csv",
            Store::Sqlite | Store::SqliteFull => "tasks.db",
        }
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The `i`-th record of a generated log: run/success pairs over 1,000 task names.
fn record(i: u64) -> TaskRecord {
    let pair = i / 2;
    let task = format!("task_{:04}", pair % 1_000);
    let start = (epoch() + TimeDelta::seconds(pair as i64)).fixed_offset();
    if i % 2 == 0 {
        TaskRecord::run(&task, start)
    } else {
        let end = start + TimeDelta::milliseconds(250);
        TaskRecord::finish(&task, Action::Success, start, end, "")
    }
}

fn scratch(name: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("redengine-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Records per second appended one by one (each its own write; for SQLite, its own
/// transaction) to a fresh store.
pub(crate) fn append_rate(store: Store, records: u64) -> Result<f64, String> {
    let dir = scratch("append")?;
    let mut log = store.open(&dir.join(store.file()));
    log.load().map_err(|e| e.to_string())?;
    let batch: Vec<TaskRecord> = (0..records).map(record).collect();
    let start = Instant::now();
    for r in &batch {
        log.append(r).map_err(|e| e.to_string())?;
    }
    log.sync().map_err(|e| e.to_string())?;
    let took = secs(start.elapsed());
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(records as f64 / took)
}

/// A log of [`STARTUP_RECORDS`] records, written once per bench process and reused.
fn startup_log(store: Store) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "redengine-bench-{}-startup-{}",
        std::process::id(),
        store.file()
    ));
    let path = dir.join(store.file());
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut log = store.open(&path);
    log.load().map_err(|e| e.to_string())?;
    let mut batch = Vec::with_capacity(100_000);
    for i in 0..STARTUP_RECORDS {
        batch.push(record(i));
        if batch.len() == batch.capacity() {
            log.append_all(&batch).map_err(|e| e.to_string())?;
            batch.clear();
        }
    }
    log.append_all(&batch).map_err(|e| e.to_string())?;
    log.sync().map_err(|e| e.to_string())?;
    Ok(path)
}

/// The scheduler's start-up on the log of `store` with 1,000,000 records, in a child:
/// `(milliseconds, peak RSS in MiB)`.
pub(crate) fn startup(store: Store) -> Result<(f64, f64), String> {
    let path = startup_log(store)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(&exe)
        .args(["child", CHILD_STORE_STARTUP, "0"])
        .env(LOG_ENV, &path)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!("start-up child failed: {}", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let ms: f64 = words.next().and_then(|w| w.parse().ok()).ok_or("no time")?;
    let kib: f64 = words.next().and_then(|w| w.parse().ok()).ok_or("no RSS")?;
    Ok((ms, kib / 1024.0))
}

/// The child: a scheduler with no task on the log at `$REDENGINE_BENCH_LOG` (CSV or
/// SQLite by extension) starts up and stops; prints `milliseconds peak_rss_kib`.
pub(crate) fn child() -> Result<(), String> {
    let path = PathBuf::from(std::env::var_os(LOG_ENV).ok_or("no log path given")?);
    let start = Instant::now();
    let builder = Session::builder().zone(Zone::Utc).shut_cond("true");
    let builder = if redengine::log::is_sqlite_path(&path) {
        builder.log_sqlite(&path)
    } else {
        builder.log_csv(&path)
    };
    let mut session = builder.build().map_err(|e| e.to_string())?;
    session.run().map_err(|e| e.to_string())?;
    let ms = secs(start.elapsed()) * 1e3;
    println!("{ms:.3} {}", peak_rss_kib().unwrap_or(0));
    Ok(())
}

/// Removes the generated start-up logs.
pub(crate) fn clean() {
    for store in [Store::Csv, Store::Sqlite] {
        let dir = std::env::temp_dir().join(format!(
            "redengine-bench-{}-startup-{}",
            std::process::id(),
            store.file()
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
