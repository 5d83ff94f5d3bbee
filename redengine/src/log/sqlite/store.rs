//! [`SqliteLog`]: the task log in an embedded SQLite database (schema and rules:
//! `docs/log.md`, "The SQLite log").

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{query, rows, schema};
use crate::log::error::{LogError, LogErrorKind};
use crate::log::lock::{self, InstanceLock, LockFailure};
use crate::log::{HistoryQuery, LogStore, RecordHead, TaskRecord};

use super::schema::VERSION;

/// How long an append waits for another program's lock on the database (a `sqlite3`
/// shell in a transaction) before failing with an error naming the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The task log kept in an SQLite database (the bundled SQLite: nothing to install).
/// Needs redengine's `sqlite` feature
/// (`features = ["sqlite"]` on the program's redengine dependency).
///
/// * **Durability.** The database runs in WAL mode with `synchronous = NORMAL`: each
///   append is one transaction, in the WAL file once `append` returns, so a killed
///   scheduler (even `kill -9`) loses nothing it reported written. As with the CSV log, a
///   machine crash or power loss can lose the last records: the WAL is fsynced at each
///   checkpoint and at [`LogStore::sync`] (shutdown), not per record. `synchronous =
///   FULL` would fsync every append, which costs about as much as the CSV log's fsync per
///   row would (`docs/log.md` has the measured numbers).
/// * **One scheduler per database.** Opening for appending takes the same exclusive
///   instance lock as the CSV log (an advisory `flock` on the database file, independent
///   of SQLite's own locks); a second scheduler fails with [`LogErrorKind::Locked`].
///   [`LogStore::peek`] opens the database read-only and reads it while a scheduler runs.
/// * **Schema.** Versioned (`schema_version`), migrated forward when opened for
///   appending, never downgraded; a file that is not a redengine database is refused and
///   never written to.
/// * **Return values.** A `success` record keeps the JSON of the value its task returned
///   (for tasks whose value type has a serde codec); [`LogStore::load_values`] gives the
///   last successful run's value per task back at start-up.
///
/// Nothing is touched until [`LogStore::load`] or the first [`LogStore::append`].
///
/// ```
/// use redengine::log::{LogStore, SqliteLog};
///
/// let log = SqliteLog::new("log/tasks.db");
/// assert_eq!(log.describe(), "SQLite log at log/tasks.db");
/// ```
#[derive(Debug)]
pub struct SqliteLog {
    path: PathBuf,
    /// The read-write connection; declared before `lock` so it closes first (closing the
    /// lock's descriptor afterwards cannot drop SQLite's own POSIX locks).
    conn: Option<Connection>,
    lock: Option<InstanceLock>,
    /// The id the next record gets (the store is the database's only writer).
    next_id: i64,
    /// The id of each open run (a `run` record with no finish yet) this store appended;
    /// a finish of another run looks its run up (one index seek).
    open_runs: HashMap<String, i64>,
    /// `hostname:pid`, written with every record.
    node: String,
    /// Records were appended since the last sync.
    dirty: bool,
    /// `synchronous = FULL`: every append fsynced ([`SqliteLog::sync_each_append`]).
    sync_each: bool,
}

impl SqliteLog {
    /// An SQLite log at `path`. Opening is deferred to [`LogStore::load`] or the first
    /// append.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SqliteLog {
            path: path.into(),
            conn: None,
            lock: None,
            next_id: 1,
            open_runs: HashMap::new(),
            node: crate::log::columns::node(),
            dirty: false,
            sync_each: false,
        }
    }

    /// Makes every append durable against a machine crash too (`synchronous = FULL`: an
    /// fsync of the WAL per record), at the cost measured in `docs/log.md` (on the
    /// order of a hundred times fewer appends per second). By default a record survives
    /// the scheduler's process dying once `append` returns, and reaches the disk at the
    /// next checkpoint or shutdown.
    pub fn sync_each_append(mut self, on: bool) -> Self {
        self.sync_each = on;
        self
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open read-write connection, opening (and locking, migrating) first if needed.
    fn conn(&mut self) -> Result<&mut Connection, LogError> {
        if self.conn.is_none() {
            self.open()?;
        }
        Ok(self.conn.as_mut().expect("opened above"))
    }

    fn open(&mut self) -> Result<(), LogError> {
        let path = self.path.clone();
        let open_err = |e: io::Error| LogError::io(&path, LogErrorKind::Open, e).in_sqlite();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dirs(dir)
                .map_err(|e| LogError::io(&path, LogErrorKind::CreateDir, e).in_sqlite())?;
        }
        // The instance lock is taken on the database file itself, so it must exist: an
        // empty file is an empty SQLite database.
        let file = match create_new().open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(open_err)?,
            Err(e) => return Err(open_err(e)),
        };
        let held = lock::lock(&file).map_err(|failure| match failure {
            LockFailure::Held(pid) => LogError::locked(&path, pid).in_sqlite(),
            LockFailure::Io(e) => open_err(e),
        })?;
        // Closed before SQLite opens the file: closing a descriptor drops every POSIX
        // lock this process holds on the file, SQLite's included. The lock lives on in
        // its duplicate, which is closed only after the connection.
        drop(file);
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| LogError::sqlite(&path, LogErrorKind::Open, e))?;
        let from = check_version(&conn, &path)?;
        let sync_each = self.sync_each;
        let setup = |conn: &mut Connection| -> rusqlite::Result<i64> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // Checkpoints every 10,000 WAL pages (about 3,000 appends) instead of 1,000:
            // appends land on the same few pages, so a longer WAL copies each of them
            // back once per checkpoint instead of ten times (about 1.5 times the appends
            // per second); the WAL is cut back to 4 MiB after each.
            conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
            conn.pragma_update(None, "journal_size_limit", 4 << 20)?;
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                log::warn!(
                    target: "redengine::scheduler",
                    "the SQLite log `{}` could not switch to WAL mode (it is in `{mode}` mode)",
                    path.display()
                );
            }
            let synchronous = if sync_each { "FULL" } else { "NORMAL" };
            conn.pragma_update(None, "synchronous", synchronous)?;
            schema::migrate(conn, from)?;
            conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM records", [], |r| {
                r.get(0)
            })
        };
        self.next_id = setup(&mut conn).map_err(|e| LogError::sqlite(&path, kind_of(&e), e))?;
        self.conn = Some(conn);
        self.lock = Some(held);
        Ok(())
    }

    /// A read-only connection for `peek`; `None` when there is no database yet.
    fn reader(&self) -> Result<Option<Connection>, LogError> {
        match fs::metadata(&self.path) {
            Ok(meta) if meta.len() == 0 => return Ok(None),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LogError::io(&self.path, LogErrorKind::Read, e).in_sqlite()),
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| LogError::sqlite(&self.path, LogErrorKind::Read, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| LogError::sqlite(&self.path, LogErrorKind::Read, e))?;
        match check_version(&conn, &self.path)? {
            0 => Ok(None),
            _ => Ok(Some(conn)),
        }
    }

    fn read_err(&self) -> impl Fn(rusqlite::Error) -> LogError + '_ {
        |e| LogError::sqlite(&self.path, LogErrorKind::Read, e)
    }
}

/// The schema version of the database behind `conn`, refusing foreign, damaged and
/// newer databases before anything is written to them.
fn check_version(conn: &Connection, path: &Path) -> Result<u32, LogError> {
    let not_ours = |found: String| LogError::sqlite_kind(path, LogErrorKind::NotATaskLog { found });
    match schema::version(conn) {
        Ok(Ok(v)) if v > VERSION => Err(LogError::sqlite_kind(
            path,
            LogErrorKind::NewerSchema {
                found: v,
                known: VERSION,
            },
        )),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(found)) => Err(not_ours(found)),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            ) =>
        {
            Err(not_ours(
                "not an SQLite database, or a damaged one".to_owned(),
            ))
        }
        Err(e) => Err(LogError::sqlite(path, kind_of(&e), e)),
    }
}

/// The kind of a failed statement: `Locked` style waits surface as reads/writes.
fn kind_of(e: &rusqlite::Error) -> LogErrorKind {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::CannotOpen => {
            LogErrorKind::Open
        }
        _ => LogErrorKind::Write,
    }
}

/// Creating a new file with no access for others where modes exist (error texts in
/// `exc_text` may quote secrets).
fn create_new() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `dir` and its missing parents, with no access for others where modes exist.
fn create_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

impl LogStore for SqliteLog {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let mut records = Vec::new();
        self.load_heads(&mut |_| {})?;
        let path = self.path.clone();
        let conn = self.conn()?;
        rows::each_record(conn, &mut |r| records.push(r))
            .map_err(|e| LogError::sqlite(&path, LogErrorKind::Read, e))?;
        Ok(records)
    }

    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let path = self.path.clone();
        let conn = self.conn()?;
        rows::each_head(conn, visit).map_err(|e| LogError::sqlite(&path, LogErrorKind::Read, e))
    }

    fn peek(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let Some(conn) = self.reader()? else {
            return Ok(Vec::new());
        };
        let mut records = Vec::new();
        rows::each_record(&conn, &mut |r| records.push(r)).map_err(self.read_err())?;
        Ok(records)
    }

    fn peek_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        let Some(conn) = self.reader()? else {
            return Ok(0);
        };
        rows::each_head(&conn, visit).map_err(self.read_err())
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        self.append_value(record, None)
    }

    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        let path = self.path.clone();
        let id = {
            self.conn()?;
            self.next_id
        };
        let run_id = if record.action == crate::log::Action::Run {
            Some(id)
        } else {
            match self.open_runs.get(&record.task_name) {
                Some(&run) => Some(run),
                None => rows::last_run(self.conn.as_ref().expect("open"), &record.task_name)
                    .map_err(|e| LogError::sqlite(&path, LogErrorKind::Read, e))?,
            }
        };
        let node = &self.node;
        let conn = self.conn.as_ref().expect("opened above");
        rows::insert(conn, id, record, run_id, record.attempt, node, value)
            .map_err(|e| LogError::sqlite(&path, LogErrorKind::Write, e))?;
        self.next_id = id + 1;
        self.dirty = true;
        let open = (record.action == crate::log::Action::Run).then_some(id);
        note(&mut self.open_runs, &record.task_name, open);
        Ok(())
    }

    fn keeps_values(&self) -> bool {
        true
    }

    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        let path = self.path.clone();
        let conn = self.conn()?;
        rows::last_values(conn, tasks).map_err(|e| LogError::sqlite(&path, LogErrorKind::Read, e))
    }

    fn sync(&mut self) -> Result<(), LogError> {
        if !self.dirty {
            return Ok(());
        }
        let Some(conn) = self.conn.as_ref() else {
            return Ok(());
        };
        // A checkpoint fsyncs the WAL, then copies it into the database and fsyncs that.
        conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()))
            .map_err(|e| LogError::sqlite(&self.path, LogErrorKind::Sync, e))?;
        self.dirty = false;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("SQLite log at {}", self.path.display())
    }

    fn history(&mut self, query: &HistoryQuery) -> Result<Vec<TaskRecord>, LogError> {
        let Some(conn) = self.reader()? else {
            return Ok(Vec::new());
        };
        query::history(&conn, query).map_err(self.read_err())
    }

    fn last_records(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        let Some(conn) = self.reader()? else {
            return Ok(Vec::new());
        };
        query::last_records(&conn).map_err(self.read_err())
    }

    fn reader(&self) -> Option<Box<dyn LogStore>> {
        Some(Box::new(SqliteLog::new(&self.path)))
    }

    /// One transaction for all: an import of a million records takes seconds, not the
    /// minute separate transactions would.
    fn append_all(&mut self, records: &[TaskRecord]) -> Result<(), LogError> {
        let path = self.path.clone();
        let sql = |e| LogError::sqlite(&path, LogErrorKind::Write, e);
        self.conn()?.execute_batch("BEGIN IMMEDIATE").map_err(sql)?;
        let appended = records.iter().try_for_each(|r| self.append(r));
        let conn = self.conn.as_ref().expect("opened above");
        match appended {
            Ok(()) => conn.execute_batch("COMMIT").map_err(sql),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                // The ids handed out inside the rolled-back transaction are free again.
                self.conn = None;
                self.lock = None;
                self.open_runs.clear();
                Err(e)
            }
        }
    }

    fn prune(&mut self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, LogError> {
        let path = self.path.clone();
        let conn = self.conn()?;
        // Only the rows before the cutoff are read (the `created` index), and each is
        // checked for a later row of its task and action with one seek (the `task,
        // action, id` index): the latest of each stays, as in every store.
        let gone = conn
            .execute(
                concat!(
                    "DELETE FROM records WHERE id IN (SELECT o.id FROM records o ",
                    "WHERE o.created < ?1 AND EXISTS (SELECT 1 FROM records n ",
                    "WHERE n.task = o.task AND n.action = o.action AND n.id > o.id))"
                ),
                [cutoff.timestamp_micros()],
            )
            .map_err(|e| LogError::sqlite(&path, LogErrorKind::Write, e))?;
        Ok(gone as u64)
    }
}

/// Sets (`Some`) or clears (`None`) `task`'s entry, allocating its name only when new.
fn note(map: &mut HashMap<String, i64>, task: &str, id: Option<i64>) {
    match (map.get_mut(task), id) {
        (Some(slot), Some(id)) => *slot = id,
        (None, Some(id)) => {
            map.insert(task.to_owned(), id);
        }
        (_, None) => {
            map.remove(task);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Action;

    #[test]
    fn prune_keeps_the_latest_of_each_task_and_action() {
        let dir =
            std::env::temp_dir().join(format!("redengine-sqlite-prune-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("tasks.db");
        let mut log = SqliteLog::new(&path);
        log.load().unwrap();
        let day = |d: i64| {
            chrono::DateTime::parse_from_rfc3339("2024-01-01T08:00:00Z").unwrap()
                + chrono::TimeDelta::days(d)
        };
        let mut records = Vec::new();
        for d in 0..10 {
            records.push(TaskRecord::run("daily_job", day(d)));
            records.push(TaskRecord::finish(
                "daily_job",
                Action::Success,
                day(d),
                day(d),
                "",
            ));
        }
        log.append_all(&records).unwrap();
        let cutoff = (day(6) + chrono::TimeDelta::hours(4)).with_timezone(&chrono::Utc);
        assert_eq!(log.prune(cutoff).unwrap(), 14);
    }
}
