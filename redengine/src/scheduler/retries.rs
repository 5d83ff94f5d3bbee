//! Retries waiting for their time (docs/runtime.md, "Retries"): made when a run's
//! finish is written, launched by the cycle when due, woken for by the wait, and derived
//! again from the log at start-up, so they survive a restart.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};

use super::Scheduler;
use crate::log::{Action, RecordHead, TaskRecord};
use crate::retry::retryable;

/// The start-up's per-task map, hashed with FNV-1a: task names are short and chosen by
/// the program, and SipHash made reading a long log about a tenth slower.
type ByName<V> = crate::ignite::FastMap<Box<str>, V>;

/// A retry waiting for its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    /// The attempt it launches (2 for the first retry).
    pub(crate) attempt: u32,
    /// When it is due.
    pub(crate) due: DateTime<Utc>,
}

/// The retries waiting, per task name, earliest first. By name rather than index: a task
/// replaced while its retry waits (a task-file reload, a task managed through the
/// handle) is retired and added again under the same name, and the retry goes with it.
#[derive(Default)]
pub(super) struct Retries {
    by_task: HashMap<String, Vec<Pending>>,
}

impl Retries {
    pub(super) fn add(&mut self, task: &str, pending: Pending) {
        let list = self.by_task.entry(task.to_string()).or_default();
        let at = list.partition_point(|p| p.due <= pending.due);
        list.insert(at, pending);
    }

    /// The earliest retry of `task`. Asked at every task's turn: with no retry waiting
    /// (the usual case) it hashes nothing.
    pub(super) fn next(&self, task: &str) -> Option<Pending> {
        if self.by_task.is_empty() {
            return None;
        }
        self.by_task.get(task).and_then(|l| l.first().copied())
    }

    /// Takes the earliest retry of `task` if it is due at `now`. Asked at every launch:
    /// with no retry waiting (the usual case) that is all it costs where it is asked.
    #[inline]
    pub(super) fn take_due(&mut self, task: &str, now: DateTime<Utc>) -> Option<Pending> {
        if self.by_task.is_empty() {
            return None;
        }
        self.take_due_of(task, now)
    }

    /// [`Retries::take_due`] with retries waiting.
    #[inline(never)]
    fn take_due_of(&mut self, task: &str, now: DateTime<Utc>) -> Option<Pending> {
        let list = self.by_task.get_mut(task)?;
        if list.first()?.due > now {
            return None;
        }
        let taken = list.remove(0);
        if list.is_empty() {
            self.by_task.remove(task);
        }
        Some(taken)
    }

    /// Makes the earliest retry of `task` due at `now` at the latest.
    fn hasten(&mut self, task: &str, now: DateTime<Utc>) {
        if let Some(first) = self.by_task.get_mut(task).and_then(|l| l.first_mut()) {
            first.due = first.due.min(now);
        }
    }
}

/// Every task's [`Trail`], in the order the log first names them.
#[derive(Default)]
pub(crate) struct Trails {
    list: Vec<(Box<str>, Trail)>,
    index: ByName<usize>,
    /// The task of the previous record: a run's finish mostly follows its `run` record,
    /// so it is looked at first.
    last: usize,
}

impl Trails {
    /// Follows one record, in log order.
    pub(crate) fn follow(&mut self, head: &RecordHead<'_>) {
        let at = match self.list.get(self.last) {
            Some((name, _)) if **name == *head.task_name => self.last,
            _ => match self.index.get(head.task_name) {
                Some(at) => *at,
                None => {
                    self.index.insert(head.task_name.into(), self.list.len());
                    self.list.push((head.task_name.into(), Trail::default()));
                    self.list.len() - 1
                }
            },
        };
        self.last = at;
        self.list[at].1.follow(head);
    }

    /// The trail of `task`.
    pub(crate) fn get(&self, task: &str) -> Option<&Trail> {
        self.index.get(task).map(|at| &self.list[*at].1)
    }
}

/// What the log says about one task's runs, read at start-up (and by `list`/`check`):
/// runs without a finish, and finishes still waiting for their retry.
#[derive(Default)]
pub(crate) struct Trail {
    /// `run` records without a finish yet: (start, attempt).
    open: Vec<(Option<DateTime<FixedOffset>>, u32)>,
    /// Finishes that will be retried: (attempt due next, due, the finish's action and
    /// instant).
    waiting: Vec<(u32, DateTime<FixedOffset>, Action, DateTime<FixedOffset>)>,
}

impl Trail {
    /// The latest finish still waiting for its retry: (the attempt due next, when, the
    /// finish's action and instant).
    pub(crate) fn waiting(
        &self,
    ) -> Option<(u32, DateTime<FixedOffset>, Action, DateTime<FixedOffset>)> {
        self.waiting.last().copied()
    }

    /// Follows one record of this task, in log order.
    pub(crate) fn follow(&mut self, head: &RecordHead<'_>) {
        if head.action == Action::Run {
            if head.attempt > 1 {
                // The retry this run is.
                if let Some(at) = self.waiting.iter().position(|w| w.0 == head.attempt) {
                    self.waiting.remove(at);
                }
            }
            self.open
                .push((head.start.or(Some(head.created)), head.attempt));
            return;
        }
        // A finish ends the run it names by its start; failing that, the oldest open one.
        let at = self
            .open
            .iter()
            .position(|(start, _)| head.start.is_some() && *start == head.start)
            .or((!self.open.is_empty()).then_some(0));
        if let Some(at) = at {
            self.open.remove(at);
        }
        if let Some(due) = head.retry_at {
            self.waiting
                .push((head.attempt + 1, due, head.action, head.created));
        }
    }
}

impl Scheduler<'_> {
    /// Whether a waiting retry decides task `i`'s launch: `Some(due)` while one waits
    /// (the task does not launch from its start condition meanwhile), `None` otherwise.
    pub(super) fn retry_gate(&self, i: usize) -> Option<bool> {
        let next = self.retries.next(&self.tasks[i].name)?;
        Some(next.due <= self.now())
    }

    /// A `force_run` of a task whose retry waits launches that retry now: true if so.
    pub(super) fn hasten_retry(&mut self, i: usize) -> bool {
        if !self.forced.contains(&i) {
            return false;
        }
        let now = self.now();
        self.retries.hasten(&self.tasks[i].name, now);
        true
    }

    /// The attempt a launch of task `i` now is: a due retry's, else 1.
    pub(super) fn attempt_for_launch(&mut self, i: usize, now: DateTime<Utc>) -> u32 {
        self.retries
            .take_due(&self.tasks[i].name, now)
            .map_or(1, |p| p.attempt)
    }

    /// Marks a finish of attempt `attempt` of task `i` with its attempt and, when it will
    /// be retried, its retry, which then waits.
    #[inline]
    pub(super) fn mark_attempt(
        &mut self,
        i: usize,
        attempt: u32,
        record: &mut TaskRecord,
        ended: DateTime<Utc>,
    ) {
        let task = &self.tasks[i];
        // `on_startup`/`on_shutdown` tasks run once, outside cycles: never retried.
        let once = task.flags.on_startup || task.flags.on_shutdown;
        // perfspeed: the first attempt of a run that will not be retried (every success)
        // has nothing to mark: what `set_attempt(1, _, None)` would do; that test is made
        // where it is asked.
        if attempt <= 1 && (once || !retryable(record.action, &record.message)) {
            record.attempt = 1;
            return;
        }
        self.mark_retried(i, attempt, record, ended, once);
    }

    /// [`Scheduler::mark_attempt`] for a retry, or a finish that may be retried.
    #[inline(never)]
    fn mark_retried(
        &mut self,
        i: usize,
        attempt: u32,
        record: &mut TaskRecord,
        ended: DateTime<Utc>,
        once: bool,
    ) {
        let task = &self.tasks[i];
        let policy = *task.retry;
        let due =
            if !once && record.action != Action::Run && retryable(record.action, &record.message) {
                policy
                    .next_at(attempt, &task.name, ended)
                    .map(|d| d.trunc_subsecs(6))
            } else {
                None
            };
        if let Some(due) = due {
            self.retries.add(
                &task.name,
                Pending {
                    attempt: attempt + 1,
                    due,
                },
            );
            // audit: the cycle visits the task at its turn until the retry launches.
            self.agenda.wake(i);
        }
        let due = due.map(|d| self.offset(d));
        record.set_attempt(attempt, policy.attempts(), due);
    }

    /// Start-up: closes the runs the log leaves open with `crash` (retried like any
    /// crash), and brings back the retries the log says are waiting. A retry due while
    /// the scheduler was down is due now, so it runs once, in the first cycle. A waiting
    /// retry the current settings no longer allow (the task is gone, or has fewer
    /// retries) does not run: its failure becomes the final one conditions see.
    pub(super) fn restore_runs(
        &mut self,
        trails: Trails,
        now: DateTime<Utc>,
    ) -> crate::error::Result<()> {
        for (name, trail) in trails.list {
            let index = self
                .tasks
                .iter()
                .position(|t| *t.name == *name && !t.retired);
            for (start, attempt) in trail.open {
                let start = start.map_or(now, |s| s.with_timezone(&Utc));
                let mut crash = TaskRecord::crash(&name, self.offset(start), self.offset(now));
                match index {
                    Some(i) => self.mark_attempt(i, attempt, &mut crash, now),
                    None => crash.set_attempt(attempt, attempt, None),
                }
                self.write(crash)?;
            }
            for (attempt, due, action, created) in trail.waiting {
                match index {
                    Some(i) if self.tasks[i].retry.attempts() >= attempt => {
                        self.retries.add(
                            &name,
                            Pending {
                                attempt,
                                due: due.with_timezone(&Utc),
                            },
                        );
                        // audit: the cycle visits the task until the retry launches.
                        self.agenda.wake(i);
                    }
                    _ => {
                        ::log::info!(
                            target: "redengine::scheduler",
                            "task '{name}': the retry (attempt {attempt}) the log holds is no \
                             longer allowed by its settings: the failure before it is final"
                        );
                        self.history
                            .push(&name, action, created.with_timezone(&Utc));
                    }
                }
            }
        }
        Ok(())
    }
}
