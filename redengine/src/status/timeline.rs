//! The timeline: runs in a time range as bars, drawn as an SVG Gantt chart (one row per
//! task, coloured by outcome, a `<title>` per run for the hover text).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::app::App;
use super::html::escape;
use super::html::show;
use super::query::MAX_RUNS;
use super::snapshot::Snapshot;
use crate::log::HistoryQuery;

/// One run in the range.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Bar {
    pub(crate) task: String,
    #[serde(serialize_with = "super::snapshot::instant")]
    pub(crate) start: DateTime<Utc>,
    /// `None` while it runs.
    #[serde(serialize_with = "super::snapshot::maybe_instant")]
    pub(crate) end: Option<DateTime<Utc>>,
    /// `success`, `fail`, …, or `run` while it runs.
    pub(crate) outcome: &'static str,
    pub(crate) message: String,
}

/// The snapshot's instant, or the wall clock before the first publish.
pub(crate) fn now(snap: &Snapshot) -> DateTime<Utc> {
    if snap.at == DateTime::<Utc>::UNIX_EPOCH {
        Utc::now()
    } else {
        snap.at
    }
}

/// The finished runs that overlap `since..until` (from the log's reader), then the runs in
/// flight (from the snapshot).
pub(crate) fn bars(
    app: &App,
    snap: &Snapshot,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Bar>, String> {
    let records = (app.history)(&HistoryQuery::new().finished().since(since).limit(MAX_RUNS))?;
    let mut bars: Vec<Bar> = records
        .into_iter()
        .filter_map(|r| {
            let end = r.created.with_timezone(&Utc);
            let start = r
                .start
                .map(|s| s.with_timezone(&Utc))
                .or_else(|| {
                    let d = chrono::TimeDelta::from_std(r.runtime?).ok()?;
                    Some(end - d)
                })
                .unwrap_or(end);
            (start < until).then(|| Bar {
                task: r.task_name,
                start,
                end: Some(end),
                outcome: r.action.as_str(),
                message: r.message,
            })
        })
        .collect();
    for t in &snap.tasks {
        for r in &t.running {
            if r.start < until {
                bars.push(Bar {
                    task: t.fixed.name.clone(),
                    start: r.start,
                    end: None,
                    outcome: "run",
                    message: String::new(),
                });
            }
        }
    }
    bars.reverse();
    Ok(bars)
}

fn colour(outcome: &str) -> &'static str {
    match outcome {
        "success" => "#2e7d32",
        "fail" | "crash" => "#c62828",
        "terminate" => "#ef6c00",
        "inaction" => "#9e9e9e",
        _ => "#1565c0",
    }
}

const LABEL: f64 = 220.0;
const WIDTH: f64 = 900.0;
const ROW: f64 = 22.0;

/// The chart: a row per task (the snapshot's order, then tasks only the log knows).
pub(crate) fn svg(
    snap: &Snapshot,
    bars: &[Bar],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> String {
    let mut rows: Vec<&str> = snap.tasks.iter().map(|t| t.fixed.name.as_str()).collect();
    for b in bars {
        if !rows.contains(&b.task.as_str()) {
            rows.push(&b.task);
        }
    }
    let span = (until - since).as_seconds_f64().max(1.0);
    let x =
        |t: DateTime<Utc>| LABEL + ((t - since).as_seconds_f64() / span).clamp(0.0, 1.0) * WIDTH;
    let height = ROW * rows.len() as f64 + 30.0;
    let mut out = format!(
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">",
        LABEL + WIDTH + 10.0
    );
    for i in 0..=4 {
        let t = since + (until - since) * i / 4;
        let xi = x(t);
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            "<line x1=\"{xi:.1}\" y1=\"0\" x2=\"{xi:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{xi:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"#666\">{}</text>",
            height - 18.0,
            height - 4.0,
            escape(&show(t))
        );
    }
    for (i, name) in rows.iter().enumerate() {
        let y = ROW * i as f64;
        let _ = write!(
            out,
            "<text class=\"row\" x=\"4\" y=\"{:.1}\">{}</text>",
            y + 15.0,
            escape(name)
        );
        for b in bars.iter().filter(|b| b.task == *name) {
            let x0 = x(b.start);
            let x1 = x(b.end.unwrap_or(until)).max(x0 + 2.0);
            let title = format!(
                "{}: {} from {} to {}{}{}",
                b.task,
                b.outcome,
                show(b.start),
                b.end.map_or("now (running)".to_string(), show),
                if b.message.is_empty() { "" } else { " — " },
                b.message
            );
            let _ = write!(
                out,
                "<rect class=\"bar {}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\">\
                 <title>{}</title></rect>",
                escape(b.outcome),
                y + 4.0,
                x1 - x0,
                ROW - 8.0,
                colour(b.outcome),
                escape(&title)
            );
        }
    }
    out.push_str("</svg>");
    out
}
