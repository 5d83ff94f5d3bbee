//! The HTML pages: tasks, one task, the timeline, the history. Server-rendered, whole
//! without JavaScript; the one script only sends the action buttons' POSTs.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::app::{App, Reply};
use super::html::{escape, page, rfc3339, show};
use super::query::{encode, Query, PAGE};
use super::snapshot::{Snapshot, TaskStatus};
use super::timeline;
use crate::log::{HistoryQuery, TaskRecord};

/// The action buttons' script: sends the token in a header, shows the answer as text.
pub(crate) const SCRIPT: &str = r#"(function () {
  var out = document.getElementById('action-result');
  document.querySelectorAll('button[data-action]').forEach(function (b) {
    b.addEventListener('click', function () {
      var token = document.getElementById('token').value;
      var url = '/api/tasks/' + encodeURIComponent(b.dataset.task) + '/' + b.dataset.action;
      fetch(url, { method: 'POST', headers: { 'X-Redengine-Token': token } })
        .then(function (r) { return r.text().then(function (t) { out.textContent = r.status + ' ' + t; }); })
        .catch(function (e) { out.textContent = 'error: ' + e; });
    });
  });
})();
"#;

fn task_link(name: &str) -> String {
    format!(
        "<a href=\"/task/{}\">{}</a>",
        escape(&encode(name)),
        escape(name)
    )
}

fn header(snap: &Snapshot) -> String {
    let source = if snap.live {
        "live scheduler"
    } else {
        "read-only view of the log"
    };
    format!(
        "<p class=\"muted\">{} · as of {} UTC · {} cycles · {}{}</p>",
        escape(source),
        show(snap.at),
        snap.cycles,
        escape(&snap.log),
        if snap.on_hold { " · on hold" } else { "" }
    )
}

fn last(task: &TaskStatus) -> String {
    match &task.last {
        None => "never run".to_string(),
        Some(l) => format!(
            "<span class=\"{0}\">{0}</span> at {1}",
            escape(l.action),
            show(l.at)
        ),
    }
}

fn running(task: &TaskStatus, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for r in &task.running {
        let _ = write!(
            out,
            "<span class=\"run\">running {:.0} s</span> (since {}{}) ",
            (now - r.start).as_seconds_f64().max(r.elapsed),
            show(r.start),
            if r.attempt > 1 {
                format!(", attempt {}", r.attempt)
            } else {
                String::new()
            }
        );
    }
    if let Some(retry) = &task.retry {
        let _ = write!(
            out,
            "retry (attempt {} of {}) at {}",
            retry.attempt,
            retry.of,
            show(retry.at)
        );
    }
    out
}

/// `/`: every task, as `list` shows them, with what runs now.
pub(crate) fn tasks(snap: &Snapshot) -> Reply {
    let mut body = header(snap);
    body.push_str(
        "<table id=\"tasks\"><tr><th>Task</th><th>Kind</th><th>Execution</th><th>Zone</th>\
         <th>Last outcome</th><th>Next start</th><th>Now</th><th>start_cond</th><th>end_cond</th></tr>",
    );
    for t in &snap.tasks {
        let f = &t.fixed;
        let _ = write!(
            body,
            "<tr class=\"task\" data-task=\"{}\"><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(&f.name),
            task_link(&f.name),
            escape(&f.describe),
            escape(&f.kind),
            escape(&f.execution),
            escape(&f.task_zone),
            last(t),
            escape(&t.outlook.next_start),
            running(t, snap.at),
            escape(&f.start_cond),
            escape(&f.end_cond),
        );
    }
    body.push_str("</table>");
    Reply::html(page("Tasks", &body))
}

/// `/task/NAME`: its `check` explanation now, its runs in flight, retry and recent runs,
/// and the action buttons.
pub(crate) fn task(app: &App, name: &str) -> Reply {
    let snap = app.slot.read();
    let Some(t) = snap.task(name) else {
        return Reply::text(
            404,
            format!("no task named '{name}'; the task list is at /\n"),
        );
    };
    let f = &t.fixed;
    let mut body = header(&snap);
    let _ = write!(
        body,
        "<table id=\"task\"><tr><th>Kind</th><td>{}</td></tr><tr><th>Execution</th><td>{}</td></tr>\
         <tr><th>Priority</th><td>{}</td></tr><tr><th>Flags</th><td>{}</td></tr>\
         <tr><th>start_cond</th><td><code>{}</code></td></tr><tr><th>end_cond</th><td><code>{}</code></td></tr>\
         <tr><th>Last outcome</th><td>{}</td></tr><tr><th>Next start</th><td>{}</td></tr>\
         <tr><th>Now</th><td>{}</td></tr></table>",
        escape(&f.describe),
        escape(&f.execution),
        f.priority,
        escape(&f.flags.join(", ")),
        escape(&f.start_cond),
        escape(&f.end_cond),
        last(t),
        escape(&t.outlook.next_start),
        running(t, snap.at),
    );
    let _ = write!(
        body,
        "<h2>Check</h2><p id=\"verdict\">{}</p><pre id=\"explanation\">{}</pre>",
        escape(&t.outlook.verdict),
        escape(&t.outlook.explanation.join("\n"))
    );
    if snap.live {
        let _ = write!(
            body,
            "<h2>Actions</h2><p><label>Token <input id=\"token\" type=\"password\" autocomplete=\"off\"></label> \
             <button data-action=\"run\" data-task=\"{0}\">Run now</button> \
             <button data-action=\"terminate\" data-task=\"{0}\">Terminate</button> \
             <button data-action=\"disable\" data-task=\"{0}\">Disable</button> \
             <button data-action=\"enable\" data-task=\"{0}\">Enable</button></p>\
             <p id=\"action-result\" class=\"muted\"></p>",
            escape(&f.name)
        );
    }
    body.push_str("<h2>Recent runs</h2>");
    match (app.history)(&HistoryQuery::new().task(name).limit(20)) {
        Ok(records) => body.push_str(&records_table(&records)),
        Err(e) => {
            let _ = write!(body, "<p>cannot read the log: {}</p>", escape(&e));
        }
    }
    Reply::html(page(&format!("Task {name}"), &body))
}

/// The records as a table, messages and `exc_text` in full.
fn records_table(records: &[TaskRecord]) -> String {
    let mut out = String::from(
        "<table id=\"runs\"><tr><th>When (UTC)</th><th>Task</th><th>Outcome</th><th>Attempt</th>\
         <th>Runtime</th><th>Message</th></tr>",
    );
    for r in records {
        let runtime = r
            .runtime
            .map(|d| format!("{:.3} s", d.as_secs_f64()))
            .unwrap_or_default();
        let exc = if r.exc_text.is_empty() {
            String::new()
        } else {
            format!("<pre>{}</pre>", escape(&r.exc_text))
        };
        let _ = write!(
            out,
            "<tr class=\"record\"><td>{}</td><td>{}</td><td class=\"{2}\">{2}</td><td>{3}</td><td>{4}</td><td>{5}{6}</td></tr>",
            show(r.created.with_timezone(&Utc)),
            task_link(&r.task_name),
            escape(r.action.as_str()),
            r.attempt,
            runtime,
            escape(&r.message),
            exc
        );
    }
    out.push_str("</table>");
    out
}

/// `/history?task=&outcome=&since=&until=&page=`.
pub(crate) fn history(app: &App, query: &Query) -> Reply {
    let (q, page_no) = match query.history() {
        Ok(q) => q,
        Err(e) => return Reply::text(400, format!("{e}\n")),
    };
    let mut records = match (app.history)(&q) {
        Ok(r) => r,
        Err(e) => return Reply::text(503, format!("cannot read the log: {e}\n")),
    };
    let more = records.len() > PAGE;
    records.truncate(PAGE);
    let value = |k: &str| escape(query.get(k).unwrap_or(""));
    let mut body = format!(
        "<form method=\"get\" action=\"/history\">Task <input name=\"task\" value=\"{}\"> \
         Outcome <input name=\"outcome\" value=\"{}\" placeholder=\"fail, failed, success…\"> \
         Since <input name=\"since\" value=\"{}\" placeholder=\"2024-01-03T08:00\"> \
         Until <input name=\"until\" value=\"{}\"> <button>Filter</button></form>",
        value("task"),
        value("outcome"),
        value("since"),
        value("until")
    );
    body.push_str(&records_table(&records));
    let link = |p: usize| {
        let mut q = format!("/history?page={p}");
        for k in ["task", "outcome", "since", "until"] {
            if let Some(v) = query.get(k) {
                let _ = write!(q, "&{k}={}", encode(v));
            }
        }
        escape(&q)
    };
    body.push_str("<p>");
    if page_no > 1 {
        let _ = write!(
            body,
            "<a rel=\"prev\" href=\"{}\">newer</a> ",
            link(page_no - 1)
        );
    }
    let _ = write!(body, "page {page_no} ");
    if more {
        let _ = write!(
            body,
            "<a rel=\"next\" href=\"{}\">older</a>",
            link(page_no + 1)
        );
    }
    body.push_str("</p>");
    Reply::html(page("History", &body))
}

/// `/timeline?since=&until=`: the runs as an SVG Gantt chart.
pub(crate) fn timeline(app: &App, query: &Query) -> Reply {
    let snap = app.slot.read();
    let (since, until) = match query.range(timeline::now(&snap)) {
        Ok(r) => r,
        Err(e) => return Reply::text(400, format!("{e}\n")),
    };
    let bars = match timeline::bars(app, &snap, since, until) {
        Ok(b) => b,
        Err(e) => return Reply::text(503, format!("cannot read the log: {e}\n")),
    };
    let mut body = format!(
        "<p class=\"muted\">{} to {} UTC · <a href=\"/timeline?since={}&amp;until={}\">earlier</a></p>",
        show(since),
        show(until),
        encode(&rfc3339(since - (until - since))),
        encode(&rfc3339(since))
    );
    body.push_str(&timeline::svg(&snap, &bars, since, until));
    Reply::html(page("Timeline", &body))
}
