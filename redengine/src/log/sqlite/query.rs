//! The history queries in SQL: the same answers as [`HistoryQuery::answer`], computed by
//! SQLite on its indexes instead of over every record.

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use super::rows;
use crate::log::{HistoryQuery, TaskRecord};

/// The records `query` asks for, newest first.
pub(super) fn history(
    conn: &Connection,
    query: &HistoryQuery,
) -> rusqlite::Result<Vec<TaskRecord>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Sql> = Vec::new();
    let mut one_of = |column: &str, values: Vec<Sql>, args: &mut Vec<Sql>| {
        if values.is_empty() {
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        clauses.push(format!("{column} IN ({marks})"));
        args.extend(values);
    };
    one_of(
        "task",
        query.tasks().iter().cloned().map(Sql::Text).collect(),
        &mut args,
    );
    one_of(
        "action",
        query
            .actions()
            .iter()
            .map(|a| Sql::Text(a.as_str().to_owned()))
            .collect(),
        &mut args,
    );
    if let Some(since) = query.since_at() {
        clauses.push("created >= ?".to_owned());
        args.push(Sql::Integer(since.timestamp_micros()));
    }
    if let Some(until) = query.until_at() {
        clauses.push("created < ?".to_owned());
        args.push(Sql::Integer(until.timestamp_micros()));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let limit = query
        .limit_count()
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let offset = i64::try_from(query.offset_count()).unwrap_or(i64::MAX);
    let columns = rows::record_columns(conn)?;
    let sql = format!(
        "SELECT {columns} FROM records {filter} \
         ORDER BY created DESC, id DESC LIMIT {limit} OFFSET {offset}"
    );
    collect(conn, &sql, rusqlite::params_from_iter(args))
}

/// The latest record of each task, newest first.
pub(super) fn last_records(conn: &Connection) -> rusqlite::Result<Vec<TaskRecord>> {
    let columns = rows::record_columns(conn)?;
    let sql = format!(
        "SELECT {columns} FROM records \
         WHERE id IN (SELECT max(id) FROM records GROUP BY task) \
         ORDER BY created DESC, id DESC"
    );
    collect(conn, &sql, [])
}

fn collect(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<TaskRecord>> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(args)?;
    let mut records = Vec::new();
    while let Some(row) = rows.next()? {
        if let Some(record) = rows::record(row)? {
            records.push(record);
        }
    }
    Ok(records)
}
