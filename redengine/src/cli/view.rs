//! `list` and `check`: read-only views of the session and its log at one instant.
//!
//! Both ignite the session (so the tasks, names and conditions are exactly what the
//! scheduler would use, in its check order), read the log once, and evaluate in a
//! context built like the scheduler's. Scheduler phrases (`scheduler has more than 2
//! cycles`) are read as if the scheduler had just started at that instant: no scheduler
//! runs here, and "just started" is what `run` would see first.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use redengine_conditions::{Action, Condition, Context, History, SchedulerState, Zone};

use super::args::{did_you_mean, UsageError};
use super::next::next_start;
use super::time::{parse_at, show, zone_name};
use super::Failure;
use crate::ignite::{Mode, Plan, Prepared};
use crate::registry::TaskFlags;
use crate::scheduler::resolver::CondResolver;
use crate::session::Session;

/// The session's tasks and log as seen at one instant.
struct Snapshot {
    plan: Plan,
    history: History,
    at: DateTime<Utc>,
    zone: Zone,
    /// "as of 2024-01-03 08:05:00 UTC, log: CSV log at …".
    header: String,
}

impl Snapshot {
    /// Ignites the session, parses `--at` and reads the log up to that instant. A log
    /// file that does not exist yet is an empty log: a read-only command creates nothing
    /// (`LogStore::peek`).
    fn take(session: &mut Session, at: Option<&str>) -> Result<Snapshot, Failure> {
        // The scheduler's own ignite: task-file problems are logged and those tasks left
        // out, exactly as `run` would.
        if let Some(files) = session.loader.as_mut() {
            files.scan();
        }
        let plan = crate::ignite::ignite(session, Mode::Run)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        let zone = session.zone;
        let now = session.clock.now();
        let at = match at {
            Some(text) => parse_at(text, zone, now).map_err(Failure::Usage)?,
            None => now,
        };
        let mut history = History::new();
        session
            .store
            .peek_heads(&mut |record| {
                let created = record.created.with_timezone(&Utc);
                if created <= at {
                    history.push(record.task_name, record.action, created);
                }
            })
            .map_err(|e| {
                Failure::Runtime(format!(
                    "cannot read the task log ({}): {e}",
                    session.store.describe()
                ))
            })?;
        let header = format!(
            "as of {} {}, {} records from the {}",
            show(at, zone),
            zone_name(zone),
            history.len(),
            session.store.describe()
        );
        Ok(Snapshot {
            plan,
            history,
            at,
            zone,
            header,
        })
    }

    /// The evaluation context for `owner` at `at`.
    fn context<'a>(
        &'a self,
        at: DateTime<Utc>,
        owner: &'a str,
        resolver: &'a CondResolver<'a>,
    ) -> Context<'a> {
        Context::new(at, self.zone, &self.history)
            .with_owner(owner)
            .with_scheduler(SchedulerState {
                cycles: 0,
                started: self.at,
            })
            .with_resolver(resolver)
    }

    /// `success at 2024-01-03 08:00:01`, `run at … (no finish recorded)`, `never run`.
    fn last(&self, task: &str) -> String {
        match self.history.last_record(task) {
            None => "never run".to_string(),
            Some((Action::Run, at)) => {
                format!("run at {} (no finish recorded)", show(at, self.zone))
            }
            Some((action, at)) => format!("{action} at {}", show(at, self.zone)),
        }
    }
}

/// `list`: one row per task, in check order.
pub(super) fn list(session: &mut Session, at: Option<&str>) -> Result<String, Failure> {
    let snap = Snapshot::take(session, at)?;
    let params = session.control.params();
    let resolver = CondResolver::new(&params, &session.conditions);
    let mut rows = vec![[
        "TASK",
        "EXECUTION",
        "KIND",
        "PRIORITY",
        "FLAGS",
        "LAST OUTCOME",
        "NEXT START",
        "START_COND",
        "END_COND",
    ]
    .map(str::to_string)
    .to_vec()];
    for task in &snap.plan.tasks {
        let next = match special(task.flags, &task.start) {
            Some(text) => text.to_string(),
            None => next_start(&task.start, snap.at, |t| {
                snap.context(t, &task.name, &resolver)
            })
            .describe(|t| show(t, snap.zone)),
        };
        rows.push(vec![
            task.name.clone(),
            task.execution.to_string(),
            task.body.kind_name().to_string(),
            task.info.priority.to_string(),
            flags(task.flags),
            snap.last(&task.name),
            next,
            task.start.to_string(),
            task.end.to_string(),
        ]);
    }
    let mut out = format!("{}\n\n", snap.header);
    if snap.plan.tasks.is_empty() {
        out.push_str("no tasks: register some with #[redengine::task] or SessionBuilder::task\n");
    } else {
        out.push_str(&table(&rows));
    }
    Ok(out)
}

/// The next start of a task its condition does not launch, if so.
fn special(flags: TaskFlags, start: &Condition) -> Option<&'static str> {
    if flags.on_startup {
        Some("at start-up")
    } else if flags.on_shutdown {
        Some("at shutdown")
    } else if flags.force_run {
        Some("first cycle (force_run)")
    } else if flags.disabled {
        Some("never (disabled)")
    } else if matches!(start, Condition::False) {
        Some("never (start_cond is false)")
    } else {
        None
    }
}

/// `disabled, on_startup`, or `-`.
fn flags(flags: TaskFlags) -> String {
    let set: Vec<&str> = [
        (flags.disabled, "disabled"),
        (flags.force_run, "force_run"),
        (flags.on_startup, "on_startup"),
        (flags.on_shutdown, "on_shutdown"),
        (flags.permanent, "permanent"),
    ]
    .iter()
    .filter_map(|(on, name)| on.then_some(*name))
    .collect();
    if set.is_empty() {
        "-".to_string()
    } else {
        set.join(", ")
    }
}

/// Left-aligned columns two spaces apart; the last column is not padded.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[c] - cell.chars().count();
                let _ = write!(line, "{cell}{:pad$}  ", "");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `check [TASK...]`: the verdict and the explanation tree of each task's start condition.
pub(super) fn check(
    session: &mut Session,
    names: &[String],
    at: Option<&str>,
) -> Result<String, Failure> {
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
    let mut out = format!("{}\n", snap.header);
    let picked = snap
        .plan
        .tasks
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name));
    for task in picked {
        let ctx = snap.context(snap.at, &task.name, &resolver);
        let explanation = task.start.explain(&ctx);
        let _ = writeln!(
            out,
            "\n{}: {}",
            task.name,
            verdict(task, &snap, &explanation.value)
        );
        let _ = writeln!(out, "  kind: {}", task.body.describe());
        let _ = writeln!(out, "  last: {}", snap.last(&task.name));
        let _ = writeln!(out, "  start_cond: {}", task.start);
        for line in explanation.to_string().lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    if snap.plan.tasks.is_empty() {
        out.push_str("\nno tasks: register some with #[redengine::task] or SessionBuilder::task\n");
    }
    Ok(out)
}

/// One line: would the scheduler launch the task at this instant, and why (not)?
fn verdict(task: &Prepared, snap: &Snapshot, value: &Result<bool, String>) -> String {
    let cond = match value {
        Ok(true) => "its start_cond is true",
        Ok(false) => "its start_cond is false",
        Err(_) => "its start_cond cannot be evaluated",
    };
    if let Some((Action::Run, since)) = snap.history.last_record(&task.name) {
        return format!(
            "would not start: a run started at {} has no finish in the log, and a running \
             task does not start again ({cond})",
            show(since, snap.zone)
        );
    }
    let f = task.flags;
    if f.on_startup || f.on_shutdown {
        let when = if f.on_startup { "start-up" } else { "shutdown" };
        return format!("runs only at {when}, never in cycles ({cond})");
    }
    if f.force_run {
        return format!("would start: force_run is set ({cond})");
    }
    if f.disabled {
        return format!("would not start: the task is disabled ({cond})");
    }
    match value {
        Ok(true) => "would start: its start_cond is true".to_string(),
        Ok(false) => "would not start: its start_cond is false".to_string(),
        Err(e) => format!("would not start: its start_cond cannot be evaluated: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_trims() {
        let rows = vec![
            vec!["A".to_string(), "BB".to_string(), "C".to_string()],
            vec!["long".to_string(), "-".to_string(), "x y".to_string()],
        ];
        assert_eq!(table(&rows), "A     BB  C\nlong  -   x y\n");
    }

    #[test]
    fn flag_names() {
        assert_eq!(flags(TaskFlags::NONE), "-");
        let f = TaskFlags {
            disabled: true,
            permanent: true,
            ..TaskFlags::NONE
        };
        assert_eq!(flags(f), "disabled, permanent");
    }
}
