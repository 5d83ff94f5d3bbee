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
     UPDATE records SET run_id = id WHERE action = 'run';
     CREATE INDEX records_task ON records (task, id);
     CREATE INDEX records_created ON records (created);
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
