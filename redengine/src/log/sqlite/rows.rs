//! Records to rows and back.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::log::{Action, RecordHead, TaskRecord};

/// The columns of a whole record, in [`record`]'s order (schema version 1 has them all).
pub(super) const RECORD_COLUMNS: &str =
    "id, task, created, created_offset, action, start, start_offset, \
                              end, end_offset, runtime, message, exc_text";

/// The warning for a row whose action is none of the six.
const UNKNOWN_ACTION: &str =
    "its action is not one of run, success, fail, terminate, inaction, crash";

/// Microseconds since the epoch and the UTC offset in seconds.
pub(super) fn split(at: &DateTime<FixedOffset>) -> (i64, i32) {
    (at.timestamp_micros(), at.offset().local_minus_utc())
}

/// The instant of `micros` in the offset `offset`; `None` when out of range.
pub(super) fn join(micros: i64, offset: i32) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(offset)?;
    Some(DateTime::from_timestamp_micros(micros)?.with_timezone(&offset))
}

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

/// Hands every record's id and head to `visit`, in append order; returns the count.
pub(super) fn each_head(
    conn: &Connection,
    visit: &mut dyn FnMut(i64, RecordHead<'_>),
) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, task, action, created, created_offset FROM records ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let ValueRef::Text(task) = row.get_ref(1)? else {
            skip(id, "its task name is not text");
            continue;
        };
        let Ok(task_name) = std::str::from_utf8(task) else {
            skip(id, "its task name is not UTF-8");
            continue;
        };
        let Ok(Ok(action)) = row.get_ref(2)?.as_str().map(str::parse::<Action>) else {
            skip(id, UNKNOWN_ACTION);
            continue;
        };
        let Some(created) = join(row.get(3)?, row.get(4)?) else {
            skip(id, "its created instant is out of range");
            continue;
        };
        visit(
            id,
            RecordHead {
                task_name,
                action,
                created,
            },
        );
        count += 1;
    }
    Ok(count)
}

/// The record of a row selected with [`RECORD_COLUMNS`]; `None` (with a warning) for a
/// row that does not make one.
pub(super) fn record(row: &Row<'_>) -> rusqlite::Result<Option<TaskRecord>> {
    let id: i64 = row.get(0)?;
    let Ok(action) = row.get_ref(4)?.as_str().map(str::parse::<Action>) else {
        skip(id, "its action is not text");
        return Ok(None);
    };
    let Ok(action) = action else {
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
        runtime: runtime.map(|us| Duration::from_micros(us.max(0) as u64)),
        message: row.get(10)?,
        exc_text: row.get(11)?,
    }))
}

/// Hands every record to `visit`, in append order.
pub(super) fn each_record(
    conn: &Connection,
    visit: &mut dyn FnMut(TaskRecord),
) -> rusqlite::Result<u64> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY id");
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
    let runtime = record
        .runtime
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
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

/// The value JSON of each task's last `success` record, for the tasks whose last success
/// kept one. `ids`: those records' ids when a full read just learned them.
pub(super) fn last_values(
    conn: &Connection,
    ids: Option<&HashMap<String, i64>>,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut values = Vec::new();
    match ids {
        Some(ids) => {
            let mut stmt = conn.prepare_cached(
                "SELECT task, value_json FROM records WHERE id = ?1 AND value_json IS NOT NULL",
            )?;
            for id in ids.values() {
                if let Some(pair) = stmt
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                {
                    values.push(pair);
                }
            }
        }
        None => {
            let mut stmt = conn.prepare(
                "SELECT r.task, r.value_json FROM records r JOIN \
                 (SELECT max(id) AS id FROM records WHERE action = 'success' GROUP BY task) l \
                 ON r.id = l.id WHERE r.value_json IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                values.push(row?);
            }
        }
    }
    values.sort();
    Ok(values)
}
