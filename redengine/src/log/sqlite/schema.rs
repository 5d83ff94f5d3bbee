//! The SQLite log's schema and its forward migrations.
//!
//! `schema_version` holds one row: the version of the schema the file has. Opening a
//! database for appending applies every migration after that version, each in its own
//! transaction with the version bump, so a crash mid-way leaves the file at a whole
//! version. A database of a newer version is refused, never downgraded. Readers
//! (`peek`) never migrate: they read version 1 and later as they are.

use rusqlite::{Connection, OptionalExtension};

/// The newest schema version this build writes.
pub(crate) const VERSION: u32 = 2;

/// Migration `i` takes the schema from version `i` to `i + 1` (index 0 creates version 1).
pub(crate) const MIGRATIONS: &[&str] = &[
    // Version 1: the CSV log's columns. Instants are microseconds since the Unix epoch
    // (UTC) with the UTC offset they were written in, in seconds, so a record reads back
    // exactly as written; runtimes are microseconds.
    "CREATE TABLE schema_version (version INTEGER NOT NULL);
     INSERT INTO schema_version (version) VALUES (1);
     CREATE TABLE records (
         id INTEGER PRIMARY KEY,
         task TEXT NOT NULL,
         created INTEGER NOT NULL,
         created_offset INTEGER NOT NULL,
         action TEXT NOT NULL,
         start INTEGER,
         start_offset INTEGER,
         end INTEGER,
         end_offset INTEGER,
         runtime INTEGER,
         message TEXT NOT NULL,
         exc_text TEXT NOT NULL
     );",
    // Version 2: which run a record belongs to, its attempt, who ran it, the value it
    // returned; indexes for the history queries and the return-value restore.
    "ALTER TABLE records ADD COLUMN run_id INTEGER;
     ALTER TABLE records ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
     ALTER TABLE records ADD COLUMN node TEXT NOT NULL DEFAULT '';
     ALTER TABLE records ADD COLUMN value_json TEXT;
     CREATE INDEX records_task ON records (task, action, id);
     CREATE INDEX records_created ON records (created);
     UPDATE records SET run_id = id WHERE action = 'run';
     UPDATE records SET run_id = (
         SELECT max(r.id) FROM records r
         WHERE r.task = records.task AND r.action = 'run' AND r.id < records.id
     ) WHERE action != 'run';
     UPDATE schema_version SET version = 2;",
];

/// The version of the database behind `conn`: 0 for an empty database (no tables),
/// `Err(what)` for a database that is not a task log.
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<Result<u32, String>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if tables.is_empty() {
        return Ok(Ok(0));
    }
    if !tables.iter().any(|t| t == "schema_version") || !tables.iter().any(|t| t == "records") {
        let mut names = tables.join(", ");
        if names.chars().count() > 80 {
            names = names.chars().take(80).collect::<String>() + "…";
        }
        return Ok(Err(format!(
            "an SQLite database without redengine's tables; its tables: {names}"
        )));
    }
    let version: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    match version {
        Some(v) if v >= 1 => Ok(Ok(u32::try_from(v).unwrap_or(u32::MAX))),
        _ => Ok(Err("its schema_version table is empty".to_owned())),
    }
}

/// Applies the migrations from `from` to [`VERSION`], one transaction each.
pub(crate) fn migrate(conn: &mut Connection, from: u32) -> rusqlite::Result<()> {
    for step in MIGRATIONS.iter().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{Action, LogStore, SqliteLog, TaskRecord};

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "redengine-sqlite-schema-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("tasks.db")
    }

    #[test]
    fn a_version_1_database_is_migrated_forward_and_keeps_its_records() {
        let path = temp_db("v1");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            // A run and its success as version 1 wrote them.
            conn.execute_batch(
                "INSERT INTO records (id, task, created, created_offset, action, start, \
                 start_offset, end, end_offset, runtime, message, exc_text) VALUES
                 (1, 'a', 1704096000000000, 3600, 'run', 1704096000000000, 3600, NULL, NULL, \
                  NULL, 'Task ''a'' status: ''run''', ''),
                 (2, 'a', 1704096001000000, 3600, 'success', 1704096000000000, 3600, \
                  1704096001000000, 3600, 1000000, 'Task ''a'' status: ''success''', '');",
            )
            .unwrap();
            assert_eq!(version(&conn).unwrap(), Ok(1));
        }
        // Readers read version 1 as it is, without migrating.
        let before = SqliteLog::new(&path).peek().unwrap();
        assert_eq!(before.len(), 2);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn).unwrap(), Ok(1));
        drop(conn);

        let mut log = SqliteLog::new(&path);
        assert_eq!(log.load().unwrap(), before);
        let at = chrono::DateTime::parse_from_rfc3339("2024-01-01T09:00:02+01:00").unwrap();
        log.append(&TaskRecord::run("a", at)).unwrap();
        drop(log);

        let conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn).unwrap(), Ok(VERSION));
        let rows: Vec<(i64, Option<i64>, i64)> = conn
            .prepare("SELECT id, run_id, attempt FROM records ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        // The old run gets its own id as run id, the old success its run's.
        assert_eq!(rows, [(1, Some(1), 1), (2, Some(1), 1), (3, Some(3), 1)]);
        let records = SqliteLog::new(&path).peek().unwrap();
        assert_eq!(records[..2], before[..]);
        assert_eq!(records[2].action, Action::Run);
    }

    #[test]
    fn every_migration_step_lands_on_a_whole_version() {
        let path = temp_db("steps");
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn).unwrap(), Ok(0));
        for (i, _) in MIGRATIONS.iter().enumerate() {
            migrate_to(&mut conn, i as u32, i as u32 + 1);
            assert_eq!(version(&conn).unwrap(), Ok(i as u32 + 1));
        }
        assert_eq!(MIGRATIONS.len() as u32, VERSION);
    }

    /// Applies the migrations from `from` up to `to` only.
    fn migrate_to(conn: &mut Connection, from: u32, to: u32) {
        for step in &MIGRATIONS[from as usize..to as usize] {
            let tx = conn.transaction().unwrap();
            tx.execute_batch(step).unwrap();
            tx.commit().unwrap();
        }
    }
}
