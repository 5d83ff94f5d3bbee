//! The task log: the append-only record of every run (format and rules: `docs/log.md`).
//!
//! Every run is one `run` record followed by exactly one finish record (`success`, `fail`,
//! `inaction`, `terminate` or `crash`). The scheduler writes them through a [`LogStore`]:
//!
//! * [`CsvLog`], the default, keeps them in `log/tasks.csv`, so a restarted scheduler
//!   reads its history back and `daily` does not run twice in a day;
//! * `SqliteLog` (with the `sqlite` feature) keeps them in an SQLite database, with the
//!   return values of successful runs, so `Return("task")` survives a restart too;
//! * [`MemoryLog`] keeps them for the life of the process (tests, throw-away runs).
//!
//! Each record is also emitted on the `log` facade by the scheduler (target `redengine::task`),
//! for console output; conditions read only the store.
//!
//! ```
//! use redengine::log::{Action, LogStore, MemoryLog, TaskRecord};
//!
//! let start = chrono::DateTime::parse_from_rfc3339("2024-01-03T08:00:00+01:00").unwrap();
//! let end = chrono::DateTime::parse_from_rfc3339("2024-01-03T08:00:02.5+01:00").unwrap();
//! let mut log = MemoryLog::new();
//! log.append(&TaskRecord::run("get_data", start)).unwrap();
//! log.append(&TaskRecord::finish("get_data", Action::Success, start, end, "")).unwrap();
//! let records = log.load().unwrap();
//! assert_eq!(records[1].message, "Task 'get_data' status: 'success'");
//! assert_eq!(records[1].runtime, Some(std::time::Duration::from_millis(2500)));
//! ```

// The SQL stores' column encodings (SQLite and PostgreSQL).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod columns;
mod compact;
mod csv;
mod error;
mod facade;
mod format;
mod history;
// The SQL stores' history queries (SQLite and PostgreSQL).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod history_sql;
mod lock;
mod memory;
// cluster: the PostgreSQL log (`PostgresLog` with the `postgres` feature).
mod postgres;
mod reader;
mod record;
mod retention;
// store: the SQLite log (`SqliteLog` with the `sqlite` feature).
mod sqlite;
mod tail;
pub(crate) mod trace;

pub use self::compact::Compacted;
pub use self::csv::CsvLog;
pub use self::error::{LogError, LogErrorKind};
/// Emits a written record on the `log` facade (and, with the `tracing` feature, as a
/// `tracing` event).
pub(crate) fn emit(record: &TaskRecord) {
    facade::emit(record);
    trace::event(record);
}
pub use self::facade::TASK_TARGET;
pub use self::history::{last_of_each, HistoryQuery, FAILED};
pub use self::memory::MemoryLog;
pub use self::postgres::is_postgres_url;
pub(crate) use self::postgres::open_url;
#[cfg(not(feature = "postgres"))]
pub(crate) use self::postgres::NO_FEATURE;
#[cfg(feature = "postgres")]
pub(crate) use self::postgres::{connection_config as postgres_config, queue_target};
#[cfg(feature = "postgres")]
pub use self::postgres::{PostgresLog, DEFAULT_LEASE, LEADER_KEY};
pub(crate) use self::record::{error_chain, status_len};
pub use self::record::{RecordHead, TaskRecord};
pub use self::retention::{kept, Retention};
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteLog;
pub(crate) use self::sqlite::{available as sqlite_available, open_path as open_sqlite};
pub use self::sqlite::{is_sqlite_path, SQLITE_EXTENSIONS};
/// What happened to a task: the `action` column of the log. The condition language's
/// own type, so a record feeds the history conditions read without conversion.
pub use redengine_conditions::Action;

/// Where the scheduler keeps its task log.
///
/// The scheduler owns its store (hence `Send + 'static`: it may run the loop on another
/// thread) and is its only writer. It calls [`load_heads`](LogStore::load_heads) once at
/// start-up, [`append`](LogStore::append) for every record, and [`sync`](LogStore::sync)
/// at shutdown.
pub trait LogStore: Send + 'static {
    /// Reads every record back, in the order they were written (start-up).
    ///
    /// A CSV log skips rows it cannot parse with a warning (target `redengine::scheduler`)
    /// naming the lines, and fails only if the file cannot be opened or read, is not a
    /// task log at all, or is in use by another scheduler (the instance lock, taken here
    /// and held for the life of the store).
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError>;

    /// Reads every record like [`load`](LogStore::load), but hands each one's
    /// [`RecordHead`] to `visit` instead of keeping it, and returns how many there were.
    ///
    /// This is the scheduler's start-up read: the history needs task, action and instant
    /// only, and a long log should not be held in memory to feed it. The default calls
    /// `load`; [`CsvLog`] reads row by row and copies no text.
    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let records = self.load()?;
        records.iter().for_each(|r| visit(r.head()));
        Ok(records.len() as u64)
    }

    /// [`peek`](LogStore::peek) handing out [`RecordHead`]s, as
    /// [`load_heads`](LogStore::load_heads) does for `load`. Default: `peek`.
    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let records = self.peek()?;
        records.iter().for_each(|r| visit(r.head()));
        Ok(records.len() as u64)
    }

    /// Reads every record like [`load`](LogStore::load), but creates and changes nothing:
    /// a log that does not exist yet reads as empty. The read-only commands of the
    /// generated `main` (`list`, `check`) use it. Default: `load`.
    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.load()
    }

    /// Appends one record: one complete row, flushed (not fsynced) at once.
    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError>;

    /// Makes everything appended so far durable (fsync). Called at shutdown; cheap when
    /// nothing was appended since the last call.
    fn sync(&mut self) -> Result<(), LogError>;

    /// What the store is, for messages: `CSV log at log/tasks.csv`.
    fn describe(&self) -> String;

    // --- store: return values, history, retention (SQLite store) ---

    /// Appends one record like [`append`](LogStore::append), with the JSON of the value
    /// a `success` returned (`None`: no value, or its type has no serde codec). Stores
    /// that keep values give the last one back with
    /// [`load_values`](LogStore::load_values). Default: `append`, the value dropped.
    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        let _ = value;
        self.append(record)
    }

    /// Whether [`append_value`](LogStore::append_value) keeps values: the scheduler
    /// encodes a returned value as JSON only for a store that keeps it. Default: `false`.
    fn keeps_values(&self) -> bool {
        false
    }

    /// The value JSON of the last `success` of each of `tasks`, for those whose last
    /// success kept one (start-up restores them for `Return("task")`). Called after
    /// [`load_heads`](LogStore::load_heads). Default: none.
    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        let _ = tasks;
        Ok(Vec::new())
    }

    /// The records `query` asks for, newest first (read-only, like
    /// [`peek`](LogStore::peek): it works while another scheduler appends). Default: the
    /// query run over `peek`.
    fn history(&mut self, query: &HistoryQuery) -> Result<Vec<TaskRecord>, LogError> {
        Ok(query.answer(self.peek()?))
    }

    /// The latest record of each task, newest first (read-only). Default: over `peek`.
    fn last_records(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        Ok(last_of_each(self.peek()?))
    }

    /// Another handle on the same log, for reading it from elsewhere while the scheduler
    /// owns this one (`SessionHandle::history`); `None` when the store cannot give one.
    /// Default: none.
    fn reader(&self) -> Option<Box<dyn LogStore>> {
        None
    }

    /// Deletes the records made before `cutoff`, except the latest record of each task
    /// and action (see [`Retention`]), and returns how many went. Called by a scheduler
    /// with a `log_retention`. Default: keeps everything (the CSV log, append-only by
    /// promise, is compacted only by the explicit `log compact` command).
    fn prune(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, LogError> {
        let _ = cutoff;
        Ok(0)
    }

    /// The explicit `log compact` command: drops the records made before `cutoff` like
    /// [`prune`](LogStore::prune), for the CSV log too (rewriting the file atomically and
    /// keeping the old one as a backup). Refused while a scheduler holds the log.
    /// Default: `load` (taking the lock), then `prune`.
    fn compact(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<Compacted, LogError> {
        let before = self.load()?.len() as u64;
        let dropped = self.prune(cutoff)?;
        Ok(Compacted {
            kept: before - dropped,
            dropped,
            backup: None,
        })
    }

    /// Appends `records` in order, like [`append`](LogStore::append) for each (`log
    /// import`); a store may make it one transaction. Default: one `append` each.
    fn append_all(&mut self, records: &[TaskRecord]) -> Result<(), LogError> {
        records.iter().try_for_each(|r| self.append(r))
    }

    // --- cluster: leadership heartbeat ---
    /// Checks, before each cycle, that this scheduler still may write (a cluster
    /// leader's lock, `PostgresLog`); an error stops the scheduler before it launches
    /// anything. Returns how soon the next check is due: the loop wakes for it. Default:
    /// nothing to check.
    fn heartbeat(&mut self) -> Result<Option<std::time::Duration>, LogError> {
        Ok(None)
    }
}

impl<S: LogStore + ?Sized> LogStore for Box<S> {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        (**self).load()
    }

    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        (**self).peek()
    }

    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        (**self).load_heads(visit)
    }

    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        (**self).peek_heads(visit)
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        (**self).append(record)
    }

    fn sync(&mut self) -> Result<(), LogError> {
        (**self).sync()
    }

    fn describe(&self) -> String {
        (**self).describe()
    }

    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        (**self).append_value(record, value)
    }

    fn keeps_values(&self) -> bool {
        (**self).keeps_values()
    }

    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        (**self).load_values(tasks)
    }

    fn history(&mut self, query: &HistoryQuery) -> Result<Vec<TaskRecord>, LogError> {
        (**self).history(query)
    }

    fn last_records(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        (**self).last_records()
    }

    fn reader(&self) -> Option<Box<dyn LogStore>> {
        (**self).reader()
    }

    fn prune(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, LogError> {
        (**self).prune(cutoff)
    }

    fn compact(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<Compacted, LogError> {
        (**self).compact(cutoff)
    }

    fn append_all(&mut self, records: &[TaskRecord]) -> Result<(), LogError> {
        (**self).append_all(records)
    }

    fn heartbeat(&mut self) -> Result<Option<std::time::Duration>, LogError> {
        (**self).heartbeat()
    }
}
