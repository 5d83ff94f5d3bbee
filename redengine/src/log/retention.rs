//! [`Retention`]: how much of the task log a scheduler keeps (`log_retention`).
//!
//! Old records leave the in-memory history (every store) and the SQLite store; the CSV
//! log is append-only by promise and is only rewritten by the explicit `log compact`
//! command. Whatever its age, the latest record of each task and action is kept, so
//! everything that reads "the last time X did Y" (`after task 'x' succeeded`, the value
//! `Return("x")` restores, a run in progress) answers as before.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use redengine_conditions::settings;

use super::TaskRecord;

/// How much of the log to keep: records younger than an age, or the newest records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Records made within this duration before now (`"90 days"`).
    Age(Duration),
    /// The newest this many records (`"100000 records"`); ties at the oldest kept
    /// instant are kept too.
    Records(u64),
}

impl Retention {
    /// Accepted forms, for error messages.
    pub const ACCEPTED: &'static str =
        "a duration such as \"90 days\" or \"2 weeks\", or a number of records such as \
         \"100000 records\"";

    /// Parses `"90 days"` (any duration the settings accept) or `"N records"` (`rows`
    /// also), N at least 1.
    pub fn parse(text: &str) -> Result<Retention, String> {
        let trimmed = text.trim();
        let count = ["records", "record", "rows", "row"]
            .iter()
            .find_map(|unit| trimmed.strip_suffix(unit))
            .map(str::trim);
        if let Some(count) = count {
            return match count.replace('_', "").parse::<u64>() {
                Ok(n) if n > 0 => Ok(Retention::Records(n)),
                _ => Err(format!(
                    "`{trimmed}` is not a number of records: write a whole number of at \
                     least 1, such as \"100000 records\""
                )),
            };
        }
        settings::parse_setting_duration(trimmed)
            .map(Retention::Age)
            .map_err(|e| e.one_line())
    }
}

impl FromStr for Retention {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Retention::parse(s)
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Age(d) => write!(f, "{}s", d.as_secs_f64()),
            Retention::Records(n) => write!(f, "{n} records"),
        }
    }
}

/// Which of `records` (in the order they were written) a log keeps when everything made
/// before `cutoff` goes: `true` for the records made at or after it, and for the latest
/// record of each task and action.
pub fn kept(records: &[TaskRecord], cutoff: DateTime<Utc>) -> Vec<bool> {
    kept_by(
        records,
        cutoff,
        |r| (r.task_name.as_str(), r.action),
        |r| r.created.with_timezone(&Utc),
    )
}

/// [`kept`] over a store's own rows, which `key` reads as (task, action) and `created` as
/// the instant: the memory log prunes its rows without making a record of each.
pub(crate) fn kept_by<'r, T, K: Eq + std::hash::Hash>(
    rows: &'r [T],
    cutoff: DateTime<Utc>,
    key: impl Fn(&'r T) -> K,
    created: impl Fn(&T) -> DateTime<Utc>,
) -> Vec<bool> {
    let mut latest = std::collections::HashSet::new();
    let mut keep = vec![false; rows.len()];
    for (i, row) in rows.iter().enumerate().rev() {
        let newest = latest.insert(key(row));
        keep[i] = newest || created(row) >= cutoff;
    }
    keep
}
