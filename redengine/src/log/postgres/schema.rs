//! The PostgreSQL log's schema and its forward migrations (the SQLite log's schema ideas:
//! one versioned `schema_version` row, each migration one transaction with its bump).
//!
//! The tables carry a `redengine_` prefix: the database is usually shared with the
//! program's own tables. Every node of a cluster may open the database at once, so a
//! migration runs under a transaction-scoped advisory lock and re-reads the version
//! inside it: exactly one node applies each step.

use postgres::{Client, GenericClient};

/// The newest schema version this build writes.
pub(crate) const VERSION: u32 = 3;

/// The advisory lock key migrations are serialised on ("redmig" in ASCII).
const MIGRATION_KEY: i64 = 0x7265_646d_6967;

/// Migration `i` takes the schema from version `i` to `i + 1` (index 0 creates version 1).
/// Instants are microseconds since the Unix epoch (UTC) with the UTC offset they were
/// written in, in seconds, so a record reads back exactly as written (as in SQLite).
pub(crate) const MIGRATIONS: &[&str] = &[
    // Version 1: the SQLite log's version-2 columns, and its indexes.
    "CREATE TABLE redengine_schema_version (version INTEGER NOT NULL);
     INSERT INTO redengine_schema_version (version) VALUES (1);
     CREATE TABLE redengine_records (
         id BIGSERIAL PRIMARY KEY,
         task TEXT NOT NULL,
         created BIGINT NOT NULL,
         created_offset INTEGER NOT NULL,
         action TEXT NOT NULL,
         start BIGINT,
         start_offset INTEGER,
         \"end\" BIGINT,
         end_offset INTEGER,
         runtime BIGINT,
         message TEXT NOT NULL,
         exc_text TEXT NOT NULL,
         run_id BIGINT,
         attempt INTEGER NOT NULL DEFAULT 1,
         node TEXT NOT NULL DEFAULT '',
         value_json TEXT
     );
     CREATE INDEX redengine_records_task ON redengine_records (task, action, id);
     CREATE INDEX redengine_records_created ON redengine_records (created);",
    // Version 2: the run queue of `execution = \"worker\"` tasks and the workers'
    // heartbeats. A queued run carries the process executor's request line; the worker
    // that claims it writes the child's reply line back.
    "CREATE TABLE redengine_queue (
         id BIGSERIAL PRIMARY KEY,
         task TEXT NOT NULL,
         request TEXT NOT NULL,
         state TEXT NOT NULL DEFAULT 'queued',
         worker TEXT,
         lease_until TIMESTAMPTZ,
         reply TEXT,
         runs INTEGER NOT NULL DEFAULT 0,
         created TIMESTAMPTZ NOT NULL DEFAULT now()
     );
     CREATE INDEX redengine_queue_state ON redengine_queue (state, id);
     CREATE TABLE redengine_workers (
         name TEXT PRIMARY KEY,
         started TIMESTAMPTZ NOT NULL DEFAULT now(),
         heartbeat TIMESTAMPTZ NOT NULL DEFAULT now()
     );",
    // Version 3: fencing. The leadership epoch, one row, incremented by each node that
    // takes the leadership; every record and queued run a leader writes checks it under
    // a share lock of that row, and a queued run carries the epoch it was queued in
    // (workers claim only the current epoch's runs).
    "CREATE TABLE redengine_leadership (epoch BIGINT NOT NULL);
     INSERT INTO redengine_leadership (epoch) VALUES (0);
     ALTER TABLE redengine_queue ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;",
];

/// The version of the database behind `client`: 0 when it has no redengine tables,
/// `Err(what)` when it has some but not a usable version.
pub(crate) fn version(
    client: &mut impl GenericClient,
) -> Result<Result<u32, String>, postgres::Error> {
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() \
             AND table_name IN ('redengine_schema_version', 'redengine_records')",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    match tables.len() {
        0 => return Ok(Ok(0)),
        1 => {
            return Ok(Err(format!(
                "a database with the table `{}` but not the other of redengine's two",
                tables[0]
            )))
        }
        _ => {}
    }
    let row = client.query_one("SELECT max(version) FROM redengine_schema_version", &[])?;
    match row.get::<_, Option<i32>>(0) {
        Some(v) if v >= 1 => Ok(Ok(v as u32)),
        _ => Ok(Err("its redengine_schema_version table is empty".to_owned())),
    }
}

/// Applies the migrations after the database's version, one transaction each, under the
/// migration lock. Returns the version found before (for a refusal of newer schemas).
pub(crate) fn migrate(client: &mut Client) -> Result<Result<u32, String>, postgres::Error> {
    loop {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_KEY])?;
        let found = match version(&mut tx)? {
            Ok(v) => v,
            Err(what) => return Ok(Err(what)),
        };
        let Some(step) = MIGRATIONS.get(found as usize) else {
            tx.commit()?;
            return Ok(Ok(found));
        };
        tx.batch_execute(step)?;
        if found > 0 {
            tx.execute(
                "UPDATE redengine_schema_version SET version = $1",
                &[&(found as i32 + 1)],
            )?;
        }
        tx.commit()?;
    }
}
