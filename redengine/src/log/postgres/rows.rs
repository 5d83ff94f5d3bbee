//! Records to rows and back, and the history queries on PostgreSQL (their SQL is shared
//! with SQLite's store: `log/history_sql.rs`).

use chrono::{DateTime, FixedOffset};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

use crate::log::columns::{join, runtime_micros, runtime_of, split};
use crate::log::history_sql::{self, Binder};
use crate::log::{Action, HistoryQuery, RecordHead, TaskRecord};

/// The columns of a whole record, in [`record`]'s order.
const RECORD_COLUMNS: &str = "id, task, created, created_offset, action, start, start_offset, \
                              \"end\", end_offset, runtime, message, exc_text, attempt";

/// A row's instant columns `i` (micros) and `i + 1` (offset); `None` when NULL.
fn instant(row: &Row, i: usize) -> Option<DateTime<FixedOffset>> {
    let micros: Option<i64> = row.get(i);
    let offset: Option<i32> = row.get(i + 1);
    join(micros?, offset?)
}

fn action(text: &str) -> Option<Action> {
    Action::ALL.into_iter().find(|a| a.as_str() == text)
}

/// A row of an unknown action or instant: named in the warning, skipped.
fn skip(id: i64, what: &str) {
    log::warn!(
        target: "redengine::scheduler",
        "skipping record {id} of the PostgreSQL log: {what}"
    );
}

/// Hands every record's head to `visit`, in append order (streamed: the rows are never
/// all held); returns the count.
pub(super) fn each_head(
    client: &mut impl GenericClient,
    visit: &mut dyn FnMut(RecordHead<'_>),
) -> Result<u64, postgres::Error> {
    let mut rows = client.query_raw(
        "SELECT task, action, created, created_offset, id, start, start_offset, attempt, \
         message FROM redengine_records ORDER BY id",
        std::iter::empty::<i32>(),
    )?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let task: &str = row.get(0);
        let message: &str = row.get(8);
        let head = (|| {
            Some(RecordHead {
                task_name: task,
                action: action(row.get(1))?,
                created: join(row.get(2), row.get(3))?,
                start: instant(&row, 5),
                attempt: u32::try_from(row.get::<_, i32>(7)).ok()?.max(1),
                // The retry instant lives in the message's suffix, as in the CSV log.
                retry_at: RecordHead::attempt_in(message).1,
            })
        })();
        match head {
            Some(head) => {
                visit(head);
                count += 1;
            }
            None => skip(row.get(4), "its action or created instant cannot be read"),
        }
    }
    Ok(count)
}

/// The record of a row selected with [`RECORD_COLUMNS`]; `None` (with a warning) for a
/// row that does not make one.
fn record(row: &Row) -> Option<TaskRecord> {
    let id: i64 = row.get(0);
    let Some(action) = action(row.get(4)) else {
        skip(
            id,
            "its action is not one of run, success, fail, terminate, inaction, crash",
        );
        return None;
    };
    let Some(created) = instant(row, 2) else {
        skip(id, "its created instant is out of range");
        return None;
    };
    let runtime: Option<i64> = row.get(9);
    Some(TaskRecord {
        task_name: row.get(1),
        created,
        action,
        start: instant(row, 5),
        end: instant(row, 7),
        runtime: runtime.map(runtime_of),
        message: row.get(10),
        exc_text: row.get(11),
        attempt: u32::try_from(row.get::<_, i32>(12)).unwrap_or(1).max(1),
    })
}

/// Every record, in append order.
pub(super) fn all(client: &mut impl GenericClient) -> Result<Vec<TaskRecord>, postgres::Error> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM redengine_records ORDER BY id");
    Ok(client.query(&sql, &[])?.iter().filter_map(record).collect())
}

/// Appends `record`, written by the leader of leadership `epoch`; its id comes from the
/// table's sequence, and a `run` record is its own run (`run_id` NULL asks for that).
/// Returns the new id, or `None` when `epoch` is no longer the current one (another node
/// took the leadership over: nothing is written). The share lock on the epoch's row
/// orders the insert against a new leader's increment: it either commits before the
/// increment (and the new leader reads it) or sees the new epoch and writes nothing.
pub(super) fn insert(
    client: &mut impl GenericClient,
    record: &TaskRecord,
    run_id: Option<i64>,
    node: &str,
    value: Option<&str>,
    epoch: i64,
) -> Result<Option<i64>, postgres::Error> {
    let (created, created_offset) = split(&record.created);
    let start = record.start.as_ref().map(split);
    let end = record.end.as_ref().map(split);
    let runtime = record.runtime.map(runtime_micros);
    let attempt = i32::try_from(record.attempt).unwrap_or(i32::MAX);
    let row = client.query_opt(
        "WITH n AS (SELECT nextval(pg_get_serial_sequence('redengine_records', 'id')) AS id) \
         INSERT INTO redengine_records (id, task, created, created_offset, action, start, \
         start_offset, \"end\", end_offset, runtime, message, exc_text, run_id, attempt, node, \
         value_json) SELECT n.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         coalesce($12, n.id), $13, $14, $15 FROM n, redengine_leadership l \
         WHERE l.epoch = $16 FOR SHARE OF l RETURNING id",
        &[
            &record.task_name,
            &created,
            &created_offset,
            &record.action.as_str(),
            &start.map(|s| s.0),
            &start.map(|s| s.1),
            &end.map(|e| e.0),
            &end.map(|e| e.1),
            &runtime,
            &record.message,
            &record.exc_text,
            &run_id,
            &attempt,
            &node,
            &value,
            &epoch,
        ],
    )?;
    Ok(row.map(|r| r.get(0)))
}

/// The id of `task`'s last `run` record.
pub(super) fn last_run(
    client: &mut impl GenericClient,
    task: &str,
) -> Result<Option<i64>, postgres::Error> {
    Ok(client
        .query_opt(
            "SELECT id FROM redengine_records WHERE task = $1 AND action = 'run' \
             ORDER BY id DESC LIMIT 1",
            &[&task],
        )?
        .map(|r| r.get(0)))
}

/// The value JSON of the last `success` of each of `tasks`, for those whose last success
/// kept one: one index seek per task.
pub(super) fn last_values(
    client: &mut impl GenericClient,
    tasks: &[&str],
) -> Result<Vec<(String, String)>, postgres::Error> {
    let stmt = client.prepare(
        "SELECT value_json FROM redengine_records WHERE task = $1 AND action = 'success' \
         ORDER BY id DESC LIMIT 1",
    )?;
    let mut values = Vec::new();
    for task in tasks {
        if let Some(row) = client.query_opt(&stmt, &[task])? {
            if let Some(json) = row.get::<_, Option<String>>(0) {
                values.push(((*task).to_owned(), json));
            }
        }
    }
    Ok(values)
}

/// PostgreSQL's binding: numbered placeholders, a list as one array value.
#[derive(Default)]
struct Numbered(Vec<Box<dyn ToSql + Sync>>);

impl Binder for Numbered {
    const NO_LIMIT: &'static str = "ALL";

    fn one_of(&mut self, column: &str, values: Vec<String>) -> String {
        self.0.push(Box::new(values));
        format!("{column} = ANY(${})", self.0.len())
    }

    fn integer(&mut self, value: i64) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }
}

/// The records `query` asks for, newest first.
pub(super) fn history(
    client: &mut impl GenericClient,
    query: &HistoryQuery,
) -> Result<Vec<TaskRecord>, postgres::Error> {
    let mut args = Numbered::default();
    let sql = history_sql::history(query, "redengine_records", RECORD_COLUMNS, &mut args);
    let params: Vec<&(dyn ToSql + Sync)> = args.0.iter().map(|a| a.as_ref()).collect();
    Ok(client
        .query(&sql, &params)?
        .iter()
        .filter_map(record)
        .collect())
}

/// The latest record of each task, newest first.
pub(super) fn last_records(
    client: &mut impl GenericClient,
) -> Result<Vec<TaskRecord>, postgres::Error> {
    let sql = history_sql::last_records("redengine_records", RECORD_COLUMNS);
    Ok(client.query(&sql, &[])?.iter().filter_map(record).collect())
}

/// Deletes the records before `cutoff` that have a later record of their task and action.
pub(super) fn prune(client: &mut impl GenericClient, cutoff: i64) -> Result<u64, postgres::Error> {
    client.execute(
        "DELETE FROM redengine_records o WHERE o.created < $1 AND EXISTS (SELECT 1 FROM \
         redengine_records n WHERE n.task = o.task AND n.action = o.action AND n.id > o.id)",
        &[&cutoff],
    )
}
