//! Records to rows and back.

use chrono::{DateTime, FixedOffset};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::log::columns::{join, runtime_micros, runtime_of, split};
use crate::log::{Action, RecordHead, TaskRecord};

/// The columns of a whole record, in [`record`]'s order (schema version 1 has them all).
const RECORD_COLUMNS: &str = "id, task, created, created_offset, action, start, start_offset, \
                              end, end_offset, runtime, message, exc_text, attempt";

/// [`RECORD_COLUMNS`] for a database of schema version 1, which has no `attempt` column:
/// readers never migrate, so they read an old database as it is (every record attempt 1).
const RECORD_COLUMNS_V1: &str = "id, task, created, created_offset, action, start, \
                                 start_offset, end, end_offset, runtime, message, exc_text, 1";

/// The record columns this database has.
pub(super) fn record_columns(conn: &Connection) -> rusqlite::Result<&'static str> {
    Ok(if has_attempt(conn)? {
        RECORD_COLUMNS
    } else {
        RECORD_COLUMNS_V1
    })
}

/// Whether the `records` table has the `attempt` column (schema version 2 on).
fn has_attempt(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM pragma_table_info('records') WHERE name = 'attempt'")?
        .exists([])
}

/// The warning for a row whose action is none of the six.
const UNKNOWN_ACTION: &str =
    "its action is not one of run, success, fail, terminate, inaction, crash";

/// A row's instant columns `i` (micros) and `i + 1` (offset); `None` when NULL.
fn instant(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<FixedOffset>>> {
    let micros: Option<i64> = row.get(i)?;
    let offset: Option<i32> = row.get(i + 1)?;
    Ok(match (micros, offset) {
        (Some(m), Some(o)) => join(m, o),
        _ => None,
    })
}

/// A row of an unknown action or instant: named in the warning, skipped.
fn skip(id: i64, what: &str) {
    log::warn!(
        target: "redengine::scheduler",
        "skipping record {id} of the SQLite log: {what}"
    );
}

/// Hands every record's head to `visit`, in append order; returns the count. The
/// scheduler's start-up read: columns are taken as borrowed values, nothing is copied.
pub(super) fn each_head(
    conn: &Connection,
    visit: &mut dyn FnMut(RecordHead<'_>),
) -> rusqlite::Result<u64> {
    let attempt = if has_attempt(conn)? { "attempt" } else { "1" };
    let mut stmt = conn.prepare(&format!(
        "SELECT task, action, created, created_offset, id, start, start_offset, {attempt}, \
         message FROM records ORDER BY id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let head = (|| {
            let ValueRef::Text(task) = row.get_ref(0).ok()? else {
                return None;
            };
            let action = action(row.get_ref(1).ok()?)?;
            let (ValueRef::Integer(micros), ValueRef::Integer(offset)) =
                (row.get_ref(2).ok()?, row.get_ref(3).ok()?)
            else {
                return None;
            };
            let ValueRef::Integer(attempt) = row.get_ref(7).ok()? else {
                return None;
            };
            // The retry instant lives in the message's suffix, as in the CSV log.
            let retry_at = match row.get_ref(8).ok()? {
                ValueRef::Text(message) => {
                    RecordHead::attempt_in(std::str::from_utf8(message).ok()?).1
                }
                _ => None,
            };
            Some(RecordHead {
                task_name: std::str::from_utf8(task).ok()?,
                action,
                created: join(micros, i32::try_from(offset).ok()?)?,
                start: instant(row, 5).ok()?,
                attempt: u32::try_from(attempt).ok()?.max(1),
                retry_at,
            })
        })();
        match head {
            Some(head) => {
                visit(head);
                count += 1;
            }
            None => skip(
                row.get(4)?,
                "its task, action or created instant cannot be read",
            ),
        }
    }
    Ok(count)
}

/// The action of an `action` column, without allocating.
fn action(value: ValueRef<'_>) -> Option<Action> {
    let ValueRef::Text(text) = value else {
        return None;
    };
    Action::ALL
        .into_iter()
        .find(|a| a.as_str().as_bytes() == text)
}

/// The record of a row selected with [`RECORD_COLUMNS`]; `None` (with a warning) for a
/// row that does not make one.
pub(super) fn record(row: &Row<'_>) -> rusqlite::Result<Option<TaskRecord>> {
    let id: i64 = row.get(0)?;
    let Some(action) = action(row.get_ref(4)?) else {
        skip(id, UNKNOWN_ACTION);
        return Ok(None);
    };
    let Some(created) = instant(row, 2)? else {
        skip(id, "its created instant is out of range");
        return Ok(None);
    };
    let runtime: Option<i64> = row.get(9)?;
    Ok(Some(TaskRecord {
        task_name: row.get(1)?,
        created,
        action,
        start: instant(row, 5)?,
        end: instant(row, 7)?,
        runtime: runtime.map(runtime_of),
        message: row.get(10)?,
        exc_text: row.get(11)?,
        attempt: u32::try_from(row.get::<_, i64>(12)?).unwrap_or(1).max(1),
    }))
}

/// Hands every record to `visit`, in append order.
pub(super) fn each_record(
    conn: &Connection,
    visit: &mut dyn FnMut(TaskRecord),
) -> rusqlite::Result<u64> {
    let sql = format!("SELECT {} FROM records ORDER BY id", record_columns(conn)?);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        if let Some(record) = record(row)? {
            visit(record);
            count += 1;
        }
    }
    Ok(count)
}

/// Appends `record` as row `id` (one transaction: SQLite's autocommit).
pub(super) fn insert(
    conn: &Connection,
    id: i64,
    record: &TaskRecord,
    run_id: Option<i64>,
    attempt: u32,
    node: &str,
    value: Option<&str>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO records (id, task, created, created_offset, action, start, start_offset, \
         end, end_offset, runtime, message, exc_text, run_id, attempt, node, value_json) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    let (created, created_offset) = split(&record.created);
    let start = record.start.as_ref().map(split);
    let end = record.end.as_ref().map(split);
    let runtime = record.runtime.map(runtime_micros);
    stmt.execute(params![
        id,
        record.task_name,
        created,
        created_offset,
        record.action.as_str(),
        start.map(|s| s.0),
        start.map(|s| s.1),
        end.map(|e| e.0),
        end.map(|e| e.1),
        runtime,
        record.message,
        record.exc_text,
        run_id,
        attempt,
        node,
        value,
    ])?;
    Ok(())
}

/// The id of `task`'s last `run` record.
pub(super) fn last_run(conn: &Connection, task: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT id FROM records WHERE task = ?1 AND action = 'run' ORDER BY id DESC LIMIT 1",
    )?
    .query_row([task], |r| r.get(0))
    .optional()
}

/// The value JSON of the last `success` record of each of `tasks`, for those whose last
/// success kept one: one index seek per task.
pub(super) fn last_values(
    conn: &Connection,
    tasks: &[&str],
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT value_json FROM records WHERE task = ?1 AND action = 'success' \
         ORDER BY id DESC LIMIT 1",
    )?;
    let mut values = Vec::new();
    for task in tasks {
        let json: Option<Option<String>> = stmt.query_row([task], |r| r.get(0)).optional()?;
        if let Some(Some(json)) = json {
            values.push(((*task).to_owned(), json));
        }
    }
    Ok(values)
}
