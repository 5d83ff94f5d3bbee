//! Records to rows and back, and the history queries in SQL (the same answers as
//! [`HistoryQuery::answer`], computed by PostgreSQL on its indexes).

use chrono::{DateTime, FixedOffset};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

use crate::log::columns::{join, runtime_micros, runtime_of, split};
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

/// The records `query` asks for, newest first.
pub(super) fn history(
    client: &mut impl GenericClient,
    query: &HistoryQuery,
) -> Result<Vec<TaskRecord>, postgres::Error> {
    let tasks: Vec<String> = query.tasks().to_vec();
    let actions: Vec<String> = query
        .actions()
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    if !tasks.is_empty() {
        args.push(Box::new(tasks));
        clauses.push(format!("task = ANY(${})", args.len()));
    }
    if !actions.is_empty() {
        args.push(Box::new(actions));
        clauses.push(format!("action = ANY(${})", args.len()));
    }
    if let Some(since) = query.since_at() {
        args.push(Box::new(since.timestamp_micros()));
        clauses.push(format!("created >= ${}", args.len()));
    }
    if let Some(until) = query.until_at() {
        args.push(Box::new(until.timestamp_micros()));
        clauses.push(format!("created < ${}", args.len()));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let limit = query
        .limit_count()
        .map_or("ALL".to_owned(), |l| l.to_string());
    let offset = query.offset_count();
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM redengine_records {filter} \
         ORDER BY created DESC, id DESC LIMIT {limit} OFFSET {offset}"
    );
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
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
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM redengine_records \
         WHERE id IN (SELECT max(id) FROM redengine_records GROUP BY task) \
         ORDER BY created DESC, id DESC"
    );
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
