//! `run-task NAME...`: run the named tasks once, now, through the scheduler
//! ([`Session::run_tasks`]: ignite, start-up, one forced launch each, graceful shutdown),
//! so parameters, hooks and the log behave exactly as in `run`.
//!
//! The outcome is read from the records the scheduler writes: the store is wrapped in a
//! recorder for the call, which sees every appended record without reading the log back.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use super::failure::Failure;
use super::failure::{did_you_mean, UsageError};
use super::time::show;
use crate::log::{Action, LogError, LogStore, MemoryLog, RecordHead, TaskRecord};
use crate::session::Session;

/// A store that passes everything to the session's store and keeps what was appended.
struct Recorder {
    inner: Box<dyn LogStore>,
    seen: Arc<Mutex<Vec<TaskRecord>>>,
}

impl Recorder {
    fn seen(&self, record: &TaskRecord) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record.clone());
    }
}

// audit: every method the store answers itself is passed on, so the log behaves as in
// `run`: a store that keeps returned values (SQLite, PostgreSQL, memory) keeps those of
// these runs, and start-up gives `Return` bindings the values kept before.
impl LogStore for Recorder {
    fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
        self.inner.load()
    }

    fn load_heads(&mut self, visit: &mut dyn FnMut(RecordHead<'_>)) -> Result<u64, LogError> {
        self.inner.load_heads(visit)
    }

    fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
        self.inner.append(record)?;
        self.seen(record);
        Ok(())
    }

    fn append_value(&mut self, record: &TaskRecord, value: Option<&str>) -> Result<(), LogError> {
        self.inner.append_value(record, value)?;
        self.seen(record);
        Ok(())
    }

    fn keeps_values(&self) -> bool {
        self.inner.keeps_values()
    }

    fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
        self.inner.load_values(tasks)
    }

    fn append_all(&mut self, records: &[TaskRecord]) -> Result<(), LogError> {
        self.inner.append_all(records)?;
        records.iter().for_each(|r| self.seen(r));
        Ok(())
    }

    fn heartbeat(&mut self) -> Result<Option<std::time::Duration>, LogError> {
        self.inner.heartbeat()
    }

    fn sync(&mut self) -> Result<(), LogError> {
        self.inner.sync()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// Runs `names` once; `Ok((report, all_succeeded))`. Success and inaction count as
/// succeeded; fail, terminate, crash, or no run at all do not.
pub(super) fn run(session: &mut Session, names: &[String]) -> Result<(String, bool), Failure> {
    check_names(session, names)?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let inner = std::mem::replace(&mut session.store, Box::new(MemoryLog::new()));
    session.store = Box::new(Recorder {
        inner,
        seen: Arc::clone(&seen),
    });
    // The recorder stays in place afterwards: it forwards everything, and the process
    // ends after this command.
    session
        .run_tasks(names.iter().map(String::as_str), false)
        .map_err(|e| Failure::Runtime(e.to_string()))?;

    let records = std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner));
    let zone = session.zone;
    let mut out = String::new();
    let mut all_ok = true;
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let mut done: Vec<&str> = Vec::new();
    for name in names {
        if done.contains(&name.as_str()) {
            continue;
        }
        done.push(name);
        let started = records
            .iter()
            .rposition(|r| r.task_name == *name && r.action == Action::Run);
        let finish = started.and_then(|i| {
            records[i + 1..]
                .iter()
                .find(|r| r.task_name == *name && r.action != Action::Run)
        });
        let line = match finish {
            None => {
                all_ok = false;
                "did not run (see the scheduler's log messages)".to_string()
            }
            Some(record) => {
                if !matches!(record.action, Action::Success | Action::Inaction) {
                    all_ok = false;
                }
                let mut line = format!(
                    "{} at {}",
                    record.action,
                    show(record.created.with_timezone(&chrono::Utc), zone)
                );
                if let Some(runtime) = record.runtime {
                    let _ = write!(line, " after {:.3}s", runtime.as_secs_f64());
                }
                let detail = match record.action {
                    Action::Fail => record.exc_text.lines().next().unwrap_or_default(),
                    Action::Terminate => record.message.as_str(),
                    _ => "",
                };
                if !detail.is_empty() {
                    let _ = write!(line, ": {}", super::names::short_types_in(detail));
                }
                line
            }
        };
        let _ = writeln!(out, "{name:width$}  {line}");
    }
    Ok((out, all_ok))
}

/// Unknown names are a usage error with "did you mean", before anything starts.
fn check_names(session: &Session, names: &[String]) -> Result<(), Failure> {
    let known: Vec<String> = session
        .tasks
        .iter()
        .filter_map(|t| match &t.name {
            Some(name) => Some(name.to_string()),
            None if session.config.use_instance_naming => Some(t.instance.to_string()),
            None => None,
        })
        .collect();
    for name in names {
        if !known.contains(name) {
            return Err(Failure::Usage(UsageError {
                message: format!("`run-task`: unknown task '{name}'"),
                help: did_you_mean(name, known.iter().map(String::as_str))
                    .or_else(|| Some("`list` shows every task".to_string())),
            }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use crate::log::{LogStore, MemoryLog};
    use crate::{Execution, ManualClock, Session, Task};

    /// `run-task` keeps a returned value in a store that keeps values, and its tasks get
    /// the values the store kept before (the recorder had passed on neither).
    #[test]
    fn run_task_keeps_returned_values_and_reads_those_kept_before() {
        let log = MemoryLog::new();
        let session = |seen: std::sync::Arc<std::sync::Mutex<Option<u32>>>| {
            Session::builder()
                .clock(ManualClock::new(
                    Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap(),
                ))
                .log_store(log.clone())
                .task_execution(Execution::Main)
                .task(Task::builder("produce").run_serde(|_| 7_u32))
                .task(
                    Task::builder("consume")
                        .returned_from::<u32>("value", "produce")
                        .run(move |ctx| {
                            *seen.lock().unwrap() = ctx.returned::<u32>("value").unwrap();
                        }),
                )
                .build()
                .unwrap()
        };
        let seen = std::sync::Arc::default();
        let names = |n: &str| vec![n.to_string()];
        super::run(
            &mut session(std::sync::Arc::clone(&seen)),
            &names("produce"),
        )
        .unwrap();
        let kept = log.clone().load_values(&["produce"]).unwrap();
        assert_eq!(kept, [("produce".to_string(), "7".to_string())]);
        // A new session (a new process): the value comes from the store.
        super::run(
            &mut session(std::sync::Arc::clone(&seen)),
            &names("consume"),
        )
        .unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(7));
    }
}
