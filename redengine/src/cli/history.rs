//! `history [TASK...] [--since TIME] [--failed] [--limit N] [--json]`: the log's records,
//! newest first, read without a lock (it works while the scheduler runs).

use std::fmt::Write as _;

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value as Json};

use super::failure::Failure;
use super::failure::UsageError;
use super::time::{parse_at, show, zone_name};
use crate::log::{HistoryQuery, TaskRecord};
use crate::session::Session;

/// What `history` was asked.
pub(super) struct Ask<'a> {
    pub(super) tasks: &'a [String],
    pub(super) since: Option<&'a str>,
    pub(super) failed: bool,
    pub(super) limit: usize,
    pub(super) json: bool,
}

/// The text (or JSON) of `history`.
pub(super) fn history(session: &mut Session, ask: &Ask<'_>) -> Result<String, Failure> {
    let zone = session.zone;
    let now = session.clock.now();
    let mut query = ask
        .tasks
        .iter()
        .fold(HistoryQuery::new(), |q, t| q.task(t.clone()));
    if let Some(text) = ask.since {
        let since = parse_at(text, zone, now).map_err(|e| {
            Failure::Usage(UsageError {
                message: e.message.replace("`--at ", "`--since "),
                help: e.help,
            })
        })?;
        query = query.since(since);
    }
    if ask.failed {
        query = query.failed();
    }
    if ask.limit > 0 {
        // One more than shown, to tell whether there are more.
        query = query.limit(ask.limit + 1);
    }
    let mut records = session.history(&query).map_err(|e| {
        Failure::Runtime(format!(
            "cannot read the task log ({}): {e}",
            session.store.describe()
        ))
    })?;
    let more = ask.limit > 0 && records.len() > ask.limit;
    records.truncate(if ask.limit > 0 { ask.limit } else { usize::MAX });
    let log = session.store.describe();
    if ask.json {
        let records: Vec<Json> = records.iter().map(record_json).collect();
        let doc = json!({ "log": log, "more": more, "records": records });
        return Ok(format!("{doc:#}\n"));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} record{} from the {log}, newest first (times in {}):",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        zone_name(zone, now)
    );
    let width = records
        .iter()
        .map(|r| r.task_name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    if !records.is_empty() {
        let _ = writeln!(
            out,
            "{:<19}  {:<width$}  {:<9}  {:>9}  detail",
            "time", "task", "action", "runtime"
        );
    }
    for r in &records {
        let runtime = r
            .runtime
            .map(|d| format!("{:.3}s", d.as_secs_f64()))
            .unwrap_or_default();
        let detail = match r.action {
            crate::log::Action::Fail => r.exc_text.lines().next().unwrap_or("").to_owned(),
            crate::log::Action::Terminate => format!("reason: {}", r.message),
            _ => String::new(),
        };
        let line = format!(
            "{:<19}  {:<width$}  {:<9}  {:>9}  {detail}",
            show(r.created.with_timezone(&Utc), zone),
            r.task_name,
            r.action.as_str(),
            runtime
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if more {
        let _ = writeln!(
            out,
            "(more records are older: `--limit N` shows more, `--limit 0` all)"
        );
    }
    Ok(out)
}

/// One record as JSON: instants in RFC 3339 (UTC), the runtime in seconds.
fn record_json(r: &TaskRecord) -> Json {
    let at = |t: &chrono::DateTime<chrono::FixedOffset>| {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Micros, true)
    };
    json!({
        "task": r.task_name,
        "action": r.action.as_str(),
        "created": at(&r.created),
        "start": r.start.as_ref().map(at),
        "end": r.end.as_ref().map(at),
        "runtime": r.runtime.map(|d| d.as_secs_f64()),
        "message": r.message,
        "exc_text": r.exc_text,
    })
}
