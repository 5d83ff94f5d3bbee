//! Ending runs: the records of finished runs, written as the loop reaps them
//! (docs/runtime.md, "Task lifecycle and the log").

use chrono::{DateTime, FixedOffset, Utc};
use redengine_conditions::settings::describe_duration;

use super::Scheduler;
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::log::{emit, status_len, Action, TaskRecord};
use crate::outcome::{JobResult, Outcome};
use crate::termination::{TerminationFlag, TerminationReason};

impl Scheduler<'_> {
    /// The instant in the session's zone, with its offset, for log records.
    pub(super) fn offset(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        self.s.zone.with_offset(at)
    }

    /// Appends a record to the store, emits it on the log facade, updates the history.
    pub(super) fn write(&mut self, record: TaskRecord) -> Result<()> {
        self.write_value(&record, None, None)
    }

    /// The recycled record of a run of task `i` (see [`Spares`]), written with the JSON of
    /// the value a `success` returned (for stores that keep it across restarts), then kept
    /// for the next record of its kind to reuse.
    pub(super) fn write_recycled(
        &mut self,
        i: usize,
        record: Box<TaskRecord>,
        value: Option<String>,
    ) -> Result<()> {
        let written = self.write_value(&record, value, Some(i));
        self.spare.keep(record, i);
        written
    }

    /// [`write`](Self::write) with the JSON of the value a `success` returned; `task` is the
    /// record's task index when the caller knows it.
    fn write_value(
        &mut self,
        record: &TaskRecord,
        value: Option<String>,
        task: Option<usize>,
    ) -> Result<()> {
        self.s.store.append_value(record, value.as_deref())?;
        emit(record);
        // retries: a retry's `run` and a failure that will be retried are not for
        // conditions (the attempts are one run to them).
        if record.counts_for_conditions() {
            self.history.push(
                &record.task_name,
                record.action,
                record.created.with_timezone(&Utc),
            );
        }
        self.dirty = true;
        // perfcycle: the tasks reading this task's records are evaluated again.
        match task {
            Some(i) => self.agenda.touch_task(i, &record.task_name),
            None => self.agenda.touch(&record.task_name),
        }
        // perfspeed: only a configured retention drops records (without one, every
        // 1,000th record made the next cycle evaluate every task).
        if self.s.config.log_retention.is_some() && self.history.len() % 1000 == 0 {
            // perfcycle: retention may drop records any condition reads.
            self.agenda.invalidate();
            self.apply_retention()?;
        }
        Ok(())
    }

    /// Writes a run's finish record (attempt `attempt`; a retry waits if it is retried)
    /// and keeps its return value.
    pub(super) fn finish(
        &mut self,
        i: usize,
        start: DateTime<Utc>,
        flag: &TerminationFlag,
        attempt: u32,
        result: JobResult,
    ) -> Result<()> {
        let (s, e) = (self.offset(start), self.offset(result.end.max(start)));
        // perfspeed: the flag's lock once per finish.
        let reason = flag.reason();
        // Rebuilt in the text buffers of the finish written before.
        let (mut record, plain) = self.spare.finish(i);
        // Borrowed, not cloned: a run's finish allocates only its record.
        let name = &self.tasks[i].name;
        let mut prerun_error = None;
        let mut value_json = None;
        match result.outcome {
            Outcome::Success(value) => {
                if let Some(v) = value {
                    if self.s.store.keeps_values() {
                        value_json = crate::returns::value_json(name, &self.tasks[i].returns(), &v);
                    }
                    self.s.returns.insert(name.to_string(), v);
                }
                record.refill_finished(name, Action::Success, s, e, "", plain);
            }
            Outcome::Fail(text) => {
                record.refill_finished(name, Action::Fail, s, e, &text, plain);
                if result.prerun {
                    prerun_error = Some(text);
                }
            }
            Outcome::Inaction => {
                record.refill_finished(name, Action::Inaction, s, e, "", plain);
            }
            // cluster: the executor lost the run (a worker's lease expired).
            Outcome::Crash(text) => {
                *record = TaskRecord {
                    exc_text: text,
                    ..TaskRecord::crash(name, s, e)
                };
            }
            Outcome::Terminated => {
                let reason = reason.map_or("task", TerminationReason::as_str);
                *record = TaskRecord::terminate(name, reason, s, e);
            }
        }
        let overran = reason == Some(TerminationReason::Timeout);
        if overran && record.action != Action::Terminate {
            // The run ignored its timeout and ended on its own: the record says so.
            let limit = self.tasks[i].timeout.map(describe_duration);
            record.message.push_str(&format!(
                " (ran past its timeout of {}: it did not stop when asked)",
                limit.unwrap_or_default()
            ));
        }
        self.mark_attempt(i, attempt, &mut record, result.end.max(start));
        self.write_recycled(i, record, value_json)?;
        match prerun_error {
            Some(text) if !self.s.config.silence_task_prerun => {
                Err(Error::new(ErrorKind::PreRun(format!(
                    "task '{}' failed before its body ran: {text}",
                    self.tasks[i].name
                ))))
            }
            _ => Ok(()),
        }
    }

    /// Writes the records of asynchronous runs that ended.
    ///
    /// A control request (`Wake`) drained here arrived during the cycle, e.g. a shutdown
    /// from a cycle hook or a `main` body: it marks the loop dirty so the next sleep ends
    /// at once and the request is seen, instead of being swallowed until the next deadline.
    ///
    /// perfspeed: asked before every turn, and nearly always nothing waits: that test is
    /// made where it is asked.
    #[inline]
    pub(super) fn reap(&mut self) -> Result<()> {
        if !self.alarm.pending() {
            return Ok(());
        }
        self.reap_events()
    }

    /// [`Scheduler::reap`] when an event waits.
    #[inline(never)]
    fn reap_events(&mut self) -> Result<()> {
        for event in self.alarm.drain() {
            match event {
                Event::Finished { task, run, result } => {
                    if let Some(r) = self.running.remove(task, run) {
                        self.finish(task, r.start, &r.flag, r.attempt, result)?;
                    }
                }
                Event::Wake => self.dirty = true,
            }
        }
        Ok(())
    }
}

/// The records the scheduler recycles (see [`TaskRecord::refill_run`]): the last `run`
/// record and the last finish it wrote, each with the task it was written for and whether
/// its message is exactly its status line. A run then allocates no record text, and a task
/// run over and over finds its own records, whose name and status line stay as they are.
#[derive(Default)]
pub(super) struct Spares {
    run: Option<Spare>,
    finish: Option<Spare>,
}

/// A kept record, the index of the task it was written for, and whether it is plain.
type Spare = (Box<TaskRecord>, usize, bool);

impl Spares {
    /// The `run` record to refill for task `i`, and whether it is plain and of task `i`
    /// (what [`TaskRecord::refill_run`] calls plain).
    pub(super) fn run(&mut self, i: usize) -> (Box<TaskRecord>, bool) {
        take(&mut self.run, i)
    }

    /// The finish record to refill for task `i`, and whether it is plain and of task `i`.
    pub(super) fn finish(&mut self, i: usize) -> (Box<TaskRecord>, bool) {
        take(&mut self.finish, i)
    }

    /// Keeps a record written for task `i` for the next of its kind.
    #[inline]
    fn keep(&mut self, record: Box<TaskRecord>, i: usize) {
        // Every record kept here was built by a `refill_*` (its status line, then at most
        // an attempt or timeout suffix appended) or replaced by a `terminate` or `crash`
        // record. So one of the refilled actions whose message has the status line's
        // length holds exactly that line.
        let line = status_len(&record.task_name, record.action);
        let refilled = matches!(
            record.action,
            Action::Run | Action::Success | Action::Fail | Action::Inaction
        );
        let plain = refilled && record.message.len() == line;
        let slot = match record.action {
            Action::Run => &mut self.run,
            _ => &mut self.finish,
        };
        *slot = Some((record, i, plain));
    }
}

/// The record kept in `slot` (or a new one) for task `i`: plain when it is plain and was
/// written for task `i`. perfspeed: a task's index names it for the scheduler's lifetime
/// (a reload appends tasks, never moves them), so the names are not compared.
fn take(slot: &mut Option<Spare>, i: usize) -> (Box<TaskRecord>, bool) {
    match slot.take() {
        Some((record, task, plain)) => (record, plain && task == i),
        None => (Box::new(TaskRecord::blank()), false),
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    /// A kept record is plain only for the task it was written for, and only while its
    /// message is its status line.
    #[test]
    fn a_spare_is_plain_for_its_own_task_only() {
        let at = DateTime::parse_from_rfc3339("2024-01-03T08:00:00+01:00").unwrap();
        let mut spares = Spares::default();
        assert!(!spares.run(0).1, "a new record");
        spares.keep(Box::new(TaskRecord::run("a", at)), 0);
        let (record, plain) = spares.run(1);
        assert!(!plain, "written for another task");
        spares.keep(record, 0);
        let (mut record, plain) = spares.run(0);
        assert!(plain);
        record.set_attempt(2, 3, None);
        spares.keep(record, 0);
        assert!(!spares.run(0).1, "an attempt suffix was appended");
        let finish = TaskRecord::finish("a", Action::Success, at, at, "");
        spares.keep(Box::new(finish), 0);
        assert!(spares.finish(0).1);
        assert!(!spares.finish(0).1, "taken");
    }
}
