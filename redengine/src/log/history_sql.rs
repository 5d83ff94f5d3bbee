//! A [`HistoryQuery`] and "the latest record of each task" in SQL, shared by the SQL
//! stores. They compute the same answers as [`HistoryQuery::answer`] and
//! [`last_of_each`](super::last_of_each), on the database's indexes; the stores differ
//! only in how a value is bound (SQLite `?` and a flat list, PostgreSQL `$n` and arrays)
//! and in how "no limit" is written.

use super::HistoryQuery;

/// How a store binds the values of the SQL built here, collecting them for the call.
pub(crate) trait Binder {
    /// The `LIMIT` that keeps every row.
    const NO_LIMIT: &'static str;

    /// Binds `values` (never empty) and returns the condition "`column` is one of them".
    fn one_of(&mut self, column: &str, values: Vec<String>) -> String;

    /// Binds `value` and returns its placeholder.
    fn integer(&mut self, value: i64) -> String;
}

/// The records `query` asks for from `table`, newest first (records of one instant
/// newest-written first, by `id`), as `columns`.
pub(crate) fn history<B: Binder>(
    query: &HistoryQuery,
    table: &str,
    columns: &str,
    bind: &mut B,
) -> String {
    let mut clauses: Vec<String> = Vec::new();
    if !query.tasks().is_empty() {
        clauses.push(bind.one_of("task", query.tasks().to_vec()));
    }
    if !query.actions().is_empty() {
        let actions = query.actions().iter().map(|a| a.as_str().to_owned());
        clauses.push(bind.one_of("action", actions.collect()));
    }
    if let Some(since) = query.since_at() {
        clauses.push(format!(
            "created >= {}",
            bind.integer(since.timestamp_micros())
        ));
    }
    if let Some(until) = query.until_at() {
        clauses.push(format!(
            "created < {}",
            bind.integer(until.timestamp_micros())
        ));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    // Both databases take a signed 64-bit count: a larger one means "all of them".
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let limit = query
        .limit_count()
        .map_or_else(|| B::NO_LIMIT.to_owned(), |l| count(l).to_string());
    let offset = count(query.offset_count());
    format!(
        "SELECT {columns} FROM {table} {filter} \
         ORDER BY created DESC, id DESC LIMIT {limit} OFFSET {offset}"
    )
}

/// The latest record of each task in `table`, newest first, as `columns`.
pub(crate) fn last_records(table: &str, columns: &str) -> String {
    format!(
        "SELECT {columns} FROM {table} \
         WHERE id IN (SELECT max(id) FROM {table} GROUP BY task) \
         ORDER BY created DESC, id DESC"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    /// Numbered placeholders, lists as one value: the PostgreSQL form.
    #[derive(Default)]
    struct Numbered(Vec<String>);

    impl Binder for Numbered {
        const NO_LIMIT: &'static str = "ALL";

        fn one_of(&mut self, column: &str, values: Vec<String>) -> String {
            self.0.push(values.join("|"));
            format!("{column} = ANY(${})", self.0.len())
        }

        fn integer(&mut self, value: i64) -> String {
            self.0.push(value.to_string());
            format!("${}", self.0.len())
        }
    }

    #[test]
    fn every_part_of_a_query_is_bound_in_order() {
        let since = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let query = HistoryQuery::new()
            .task("a")
            .task("b")
            .failed()
            .since(since)
            .until(since + chrono::TimeDelta::seconds(1))
            .limit(usize::MAX)
            .offset(3);
        let mut bind = Numbered::default();
        let sql = history(&query, "t", "id", &mut bind);
        assert_eq!(
            sql,
            "SELECT id FROM t WHERE task = ANY($1) AND action = ANY($2) AND created >= $3 \
             AND created < $4 ORDER BY created DESC, id DESC LIMIT 9223372036854775807 OFFSET 3"
        );
        let micros = since.timestamp_micros();
        assert_eq!(bind.0[0], "a|b");
        assert_eq!(
            bind.0[2..],
            [micros.to_string(), (micros + 1_000_000).to_string()]
        );
    }

    #[test]
    fn an_empty_query_has_no_filter_and_no_limit() {
        let mut bind = Numbered::default();
        let sql = history(&HistoryQuery::new(), "t", "id", &mut bind);
        assert_eq!(
            sql,
            "SELECT id FROM t  ORDER BY created DESC, id DESC LIMIT ALL OFFSET 0"
        );
        assert!(bind.0.is_empty());
    }
}
