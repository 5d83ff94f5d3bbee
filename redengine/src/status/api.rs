//! The JSON API under `/api/` (docs/status.md, "JSON API"): the same data as the pages.

use chrono::Utc;
use serde_json::{json, Value as Json};

use super::app::{App, Reply};
use super::html::rfc3339;
use super::query::{Query, PAGE};
use super::timeline;
use crate::log::{HistoryQuery, TaskRecord};

/// One log record as JSON.
pub(crate) fn record(r: &TaskRecord) -> Json {
    json!({
        "task": r.task_name,
        "action": r.action.as_str(),
        "created": rfc3339(r.created.with_timezone(&Utc)),
        "start": r.start.map(|s| rfc3339(s.with_timezone(&Utc))),
        "end": r.end.map(|s| rfc3339(s.with_timezone(&Utc))),
        "runtime": r.runtime.map(|d| d.as_secs_f64()),
        "message": r.message,
        "exc_text": r.exc_text,
        "attempt": r.attempt,
    })
}

fn error(status: u16, message: String) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body: json!({ "error": message }).to_string(),
    }
}

/// `/api/tasks/NAME`: the task as in `/api/status`, with its 20 latest records.
pub(crate) fn task(app: &App, name: &str) -> Reply {
    let snap = app.slot.read();
    let Some(t) = snap.task(name) else {
        return error(404, format!("no task named '{name}'"));
    };
    let recent = match (app.history)(&HistoryQuery::new().task(name).limit(20)) {
        Ok(r) => r,
        Err(e) => return error(503, format!("cannot read the log: {e}")),
    };
    Reply::json(&json!({
        "as_of": rfc3339(snap.at),
        "task": t,
        "recent": recent.iter().map(record).collect::<Vec<_>>(),
    }))
}

/// `/api/history?task=&outcome=&since=&until=&page=`.
pub(crate) fn history(app: &App, query: &Query) -> Reply {
    let (q, page) = match query.history() {
        Ok(q) => q,
        Err(e) => return error(400, e),
    };
    let mut records = match (app.history)(&q) {
        Ok(r) => r,
        Err(e) => return error(503, format!("cannot read the log: {e}")),
    };
    let more = records.len() > PAGE;
    records.truncate(PAGE);
    Reply::json(&json!({
        "page": page,
        "per_page": PAGE,
        "more": more,
        "records": records.iter().map(record).collect::<Vec<_>>(),
    }))
}

/// `/api/timeline?since=&until=`.
pub(crate) fn timeline(app: &App, query: &Query) -> Reply {
    let snap = app.slot.read();
    let (since, until) = match query.range(timeline::now(&snap)) {
        Ok(r) => r,
        Err(e) => return error(400, e),
    };
    match timeline::bars(app, &snap, since, until) {
        Ok(bars) => Reply::json(&json!({
            "since": rfc3339(since),
            "until": rfc3339(until),
            "runs": bars,
        })),
        Err(e) => error(503, format!("cannot read the log: {e}")),
    }
}
