//! The history queries on SQLite (their SQL is shared with PostgreSQL's store:
//! `log/history_sql.rs`).

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use super::rows;
use crate::log::history_sql::{self, Binder};
use crate::log::{HistoryQuery, TaskRecord};

/// SQLite's binding: `?` placeholders over one flat list of values.
#[derive(Default)]
struct Flat(Vec<Sql>);

impl Binder for Flat {
    const NO_LIMIT: &'static str = "-1";

    fn one_of(&mut self, column: &str, values: Vec<String>) -> String {
        let marks = vec!["?"; values.len()].join(", ");
        self.0.extend(values.into_iter().map(Sql::Text));
        format!("{column} IN ({marks})")
    }

    fn integer(&mut self, value: i64) -> String {
        self.0.push(Sql::Integer(value));
        "?".to_owned()
    }
}

/// The records `query` asks for, newest first.
pub(super) fn history(
    conn: &Connection,
    query: &HistoryQuery,
) -> rusqlite::Result<Vec<TaskRecord>> {
    let columns = rows::record_columns(conn)?;
    let mut args = Flat::default();
    let sql = history_sql::history(query, "records", columns, &mut args);
    collect(conn, &sql, rusqlite::params_from_iter(args.0))
}

/// The latest record of each task, newest first.
pub(super) fn last_records(conn: &Connection) -> rusqlite::Result<Vec<TaskRecord>> {
    let columns = rows::record_columns(conn)?;
    collect(conn, &history_sql::last_records("records", columns), [])
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
