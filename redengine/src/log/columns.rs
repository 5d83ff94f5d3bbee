//! How the SQL stores (SQLite, PostgreSQL) keep a record's instants and runtime in integer
//! columns: an instant as microseconds since the epoch plus its UTC offset in seconds (so
//! a record read back prints the offset it was written with), a runtime as microseconds.
//! One encoding, so a log moved between the stores reads back the same.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};

/// Microseconds since the epoch and the UTC offset in seconds.
pub(super) fn split(at: &DateTime<FixedOffset>) -> (i64, i32) {
    (at.timestamp_micros(), at.offset().local_minus_utc())
}

/// The instant of `micros` in the offset `offset`; `None` when out of range.
pub(super) fn join(micros: i64, offset: i32) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(offset)?;
    Some(DateTime::from_timestamp_micros(micros)?.with_timezone(&offset))
}

/// A runtime in microseconds (saturating: no run lasts 292,000 years).
pub(super) fn runtime_micros(runtime: Duration) -> i64 {
    i64::try_from(runtime.as_micros()).unwrap_or(i64::MAX)
}

/// The runtime of a `runtime` column (a negative one, which the stores never write, as 0).
pub(super) fn runtime_of(micros: i64) -> Duration {
    Duration::from_micros(micros.max(0).unsigned_abs())
}

/// This machine's host name (the kernel's, else `$HOSTNAME`, else `localhost`): half of a
/// record's `node` column, and of a cluster's node and worker names.
pub(crate) fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// `hostname:pid`: the process that wrote a record (the `node` column).
pub(crate) fn node() -> String {
    format!("{}:{}", host(), std::process::id())
}
