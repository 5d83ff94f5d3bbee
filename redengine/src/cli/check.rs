//! `check [TASK...]`: the verdict and the explanation tree of each task's start condition
//! at one instant, as text or (`--json`) one JSON document.

use std::fmt::Write as _;

use redengine_conditions::Action;
use serde_json::{json, Value as Json};

use super::failure::Failure;
use super::failure::{did_you_mean, UsageError};
use super::snapshot::{kind, Snapshot};
use crate::ignite::Prepared;
use crate::scheduler::resolver::CondResolver;
use crate::session::Session;

/// The report, and whether it is clean (no task-file problem was found).
pub(super) fn check(
    session: &mut Session,
    names: &[String],
    at: Option<&str>,
    json: bool,
) -> Result<(String, bool), Failure> {
    let snap = Snapshot::take(session, at)?;
    let known: Vec<&str> = snap.plan.tasks.iter().map(|t| t.name.as_str()).collect();
    for name in names {
        if !known.contains(&name.as_str()) {
            return Err(Failure::Usage(UsageError {
                message: format!("`check`: unknown task '{name}'"),
                help: did_you_mean(name, known.iter().copied())
                    .or_else(|| Some("`list` shows every task".to_string())),
            }));
        }
    }
    let params = session.control.params();
    let resolver = CondResolver::new(&params, &session.conditions);
    let mut out = format!("{}\n", snap.header());
    let mut tasks = Vec::new();
    let picked = snap
        .plan
        .tasks
        .iter()
        .filter(|t| names.is_empty() || names.iter().any(|n| t.name == *n));
    for task in picked {
        let ctx = snap.context(snap.at, task, &resolver);
        let explanation = task.start.explain(&ctx);
        let (starts, verdict) = verdict(task, &snap, &explanation.value);
        let tree = explanation.to_string();
        if json {
            tasks.push(json!({
                "name": task.name,
                "would_start": starts,
                "verdict": verdict,
                "kind": kind(task),
                "last": snap.last_json(&task.name),
                "start_cond": task.start.to_string(),
                "value": explanation.value.as_ref().ok(),
                "error": explanation.value.as_ref().err(),
                "explanation": tree.lines().collect::<Vec<_>>(),
                // zones
                "zone": snap.zone_of(task),
            }));
            continue;
        }
        let _ = writeln!(out, "\n{}: {verdict}", task.name);
        let _ = writeln!(out, "  kind: {}", kind(task));
        let _ = writeln!(out, "  last: {}", snap.last(task));
        // zones: the explanation's times are on this zone's clock.
        if let Some(zone) = snap.own_zone(task) {
            let _ = writeln!(out, "  zone: {zone}");
        }
        let _ = writeln!(out, "  start_cond: {}", task.start);
        for line in tree.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    let clean = snap.problems.is_empty();
    if json {
        let mut doc = snap.json_head();
        doc.insert("tasks".into(), Json::Array(tasks));
        out = Json::Object(doc).to_string();
        out.push('\n');
    }
    Ok((out, clean))
}

/// Would the scheduler launch the task at this instant, and the line saying why (not).
pub(super) fn verdict(
    task: &Prepared,
    snap: &Snapshot,
    value: &Result<bool, String>,
) -> (bool, String) {
    let cond = match value {
        Ok(true) => "its start_cond is true",
        Ok(false) => "its start_cond is false",
        Err(_) => "its start_cond cannot be evaluated",
    };
    // retries: a waiting retry launches at its time, and the condition waits for it.
    if let Some((attempt, attempts, due)) = snap.retry(task) {
        let when = snap.show(due, task);
        return if due <= snap.at {
            (
                true,
                format!("would start: its retry (attempt {attempt} of {attempts}) was due at {when} ({cond})"),
            )
        } else {
            (
                false,
                format!(
                    "would not start: a retry (attempt {attempt} of {attempts}) waits until \
                     {when}, and the task does not start from its start_cond meanwhile ({cond})"
                ),
            )
        };
    }
    if let Some((Action::Run, since)) = snap.history.last_record(&task.name) {
        let text = format!(
            "would not start: a run started at {} has no finish in the log, and a running \
             task does not start again ({cond})",
            snap.show(since, task)
        );
        return (false, text);
    }
    let f = task.flags;
    if f.on_startup || f.on_shutdown {
        let when = if f.on_startup { "start-up" } else { "shutdown" };
        return (
            false,
            format!("runs only at {when}, never in cycles ({cond})"),
        );
    }
    if f.force_run {
        return (true, format!("would start: force_run is set ({cond})"));
    }
    if f.disabled {
        return (
            false,
            format!("would not start: the task is disabled ({cond})"),
        );
    }
    match value {
        Ok(true) => (true, "would start: its start_cond is true".to_string()),
        Ok(false) => (
            false,
            "would not start: its start_cond is false".to_string(),
        ),
        Err(e) => (
            false,
            format!("would not start: its start_cond cannot be evaluated: {e}"),
        ),
    }
}
