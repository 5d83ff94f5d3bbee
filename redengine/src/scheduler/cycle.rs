//! The cycle (docs/runtime.md, "The cycle"): `shut_cond`, then each task at its turn —
//! reap, launch if runnable, else enforce timeout / force_termination / end_cond.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use chrono::TimeDelta;
use redengine_conditions::settings::describe_duration;

use super::{never, Scheduler};
use crate::error::{Error, ErrorKind, Result};
use crate::execution::Execution;
use crate::handle::Control;
use crate::hooks::{scheduler_post, scheduler_pre};
use crate::termination::TerminationReason;

impl Scheduler<'_> {
    /// Cycles until a stop request or `shut_cond`.
    pub(super) fn cycles_loop(&mut self) -> Result<()> {
        let result = self.cycle_turns();
        // perfspeed: the loop's precise sleeps end with it.
        super::wait::restore_timers();
        result
    }

    /// The loop of [`Scheduler::cycles_loop`].
    fn cycle_turns(&mut self) -> Result<()> {
        let mut first = true;
        loop {
            if self.stop_requested() {
                return Ok(());
            }
            // A reload or a task change marks the loop dirty: the agenda starts over.
            let dirty = std::mem::replace(&mut self.dirty, false);
            self.poll_task_files();
            // Task changes asked through a handle: effective from this cycle on.
            self.take_changes(std::mem::take(&mut first));
            if self.dirty {
                self.agenda.invalidate();
            }
            self.dirty |= dirty;
            // `run_tasks` runs its one cycle whatever `shut_cond` says: the caller asked
            // for those tasks now.
            if self.only.is_none() && self.check(&self.shut, None, "shut_cond")? {
                return Ok(());
            }
            // cluster: a leader that lost its lock stops before launching anything.
            let beat = self.s.store.heartbeat()?;
            self.run_cycle()?;
            self.publish_status();
            if self.only.is_some() {
                return Ok(());
            }
            // The first cycle's launches are made: what was put off until now starts
            // (the signal thread), even if the loop goes round again without blocking.
            self.alarm.run_deferred();
            self.wait_at_most(beat);
        }
    }

    /// A shutdown or restart was requested.
    pub(super) fn stop_requested(&self) -> bool {
        let c = &self.s.control;
        c.shutdown.load(Ordering::SeqCst) || c.restart.load(Ordering::SeqCst)
    }

    /// Moves handle requests (force_run, force_termination) onto task indices.
    fn take_requests(&mut self) {
        if !self.s.control.take_requested() {
            return;
        }
        for (set, target) in [
            (&self.s.control.force_run, &mut self.forced),
            (&self.s.control.force_termination, &mut self.to_terminate),
        ] {
            for name in Control::take_set(set) {
                match self.tasks.iter().position(|t| t.name == name && !t.retired) {
                    Some(i) => {
                        target.insert(i);
                    }
                    None => ::log::warn!(
                        target: "redengine::scheduler",
                        "ignored a request for unknown task '{name}'"
                    ),
                }
            }
        }
    }

    fn run_cycle(&mut self) -> Result<()> {
        self.dirty = false;
        // perfspeed: without cycle hooks nobody reads the info (a clock reading and a
        // handle per cycle).
        let posts = if self.s.hooks.cycle.is_empty() {
            Vec::new()
        } else {
            scheduler_pre(&self.s.hooks.cycle, &self.info())
                .map_err(|e| Error::new(ErrorKind::Hook(format!("cycle hook: {e}"))))?
        };
        self.take_requests();
        if self.agenda.enabled() {
            self.agenda.refresh(&self.tasks);
            // Besides the pending tasks: runs to enforce and handle requests (perfspeed:
            // mostly none, and then no set is made, searched or dropped).
            let others = (!(self.running.is_empty()
                && self.forced.is_empty()
                && self.to_terminate.is_empty()))
            .then(|| {
                let mut others = BTreeSet::new();
                others.extend(self.running.tasks());
                others.extend(self.forced.iter().copied());
                others.extend(self.to_terminate.iter().copied());
                others
            });
            // Records reaped before the first turn are seen by every task, as in a cycle
            // that visits them all.
            self.reap()?;
            // perfspeed: the first turn comes right after that reap, with nothing sent
            // in between from this thread: it does not look again.
            let mut reaped = true;
            let mut from = 0;
            loop {
                // Time moves during a cycle (a `main` run takes its time): a deadline
                // that comes before a task's turn makes it evaluated at that turn.
                // Retention dropped records mid-cycle: the rest of it visits everything.
                self.agenda.refresh(&self.tasks);
                // perfspeed: the clock is read only when a deadline could ripen.
                if self.agenda.deadlines().next().is_some() {
                    let now = self.now();
                    self.agenda.ripen(now);
                }
                let other = others.as_ref().and_then(|o| o.range(from..).next());
                let next = match (self.agenda.next_pending(from), other) {
                    (Some(a), Some(&b)) => a.min(b),
                    (Some(a), None) => a,
                    (None, Some(&b)) => b,
                    (None, None) => break,
                };
                from = next + 1;
                if !self.turn(next, std::mem::take(&mut reaped))? {
                    return Ok(());
                }
            }
        } else {
            for i in 0..self.tasks.len() {
                if !self.turn(i, false)? {
                    return Ok(());
                }
            }
        }
        if !posts.is_empty() {
            scheduler_post(posts, &self.info())
                .map_err(|e| Error::new(ErrorKind::Hook(format!("cycle hook: {e}"))))?;
        }
        self.cycles += 1;
        Ok(())
    }

    /// Task `i`'s turn: reap (unless the caller just did), launch if runnable, else
    /// enforce its runs; false when a stop was requested by the launch.
    fn turn(&mut self, i: usize, reaped: bool) -> Result<bool> {
        if !reaped {
            self.reap()?;
        }
        let launching = !self.s.control.on_hold.load(Ordering::SeqCst) && !self.stop_requested();
        let task = &self.tasks[i];
        if launching && !task.flags.on_startup && !task.flags.on_shutdown && self.runnable(i)? {
            // perfspeed: no hashing while nothing is forced (every launch passes here).
            if !self.forced.is_empty() {
                self.forced.remove(&i);
            }
            self.launch(i)?;
            if self.stop_requested() {
                return Ok(false);
            }
        } else if self.running.contains_key(&i) {
            self.enforce(i)?;
        }
        Ok(true)
    }

    /// Launch guards first, then force_run, then disabled/start_cond (docs/runtime.md,
    /// "Launch guards"). A process task that finds every slot taken (or other due tasks
    /// ahead of it in line) waits in line if it is due.
    fn runnable(&mut self, i: usize) -> Result<bool> {
        // retries: up to `max_instances` runs of a task at once (default 1).
        let instances = usize::try_from(self.tasks[i].max_instances).unwrap_or(usize::MAX);
        if self.running.count(i) >= instances || self.tasks[i].retired {
            return Ok(false);
        }
        if self.tasks[i].execution == Execution::Process {
            let alive = self
                .running
                .iter()
                .filter(|(k, _)| self.tasks[*k].execution == Execution::Process)
                .count();
            let free = self.s.config.process_limit().saturating_sub(alive);
            let priority = self.tasks[i].priority;
            if !self.slots.may_launch(i, priority, free) {
                if !self.slots.waiting(i) && self.due(i)? {
                    self.slots.join(i, priority);
                }
                return Ok(false);
            }
        }
        let due = self.due(i)?;
        self.slots.leave(i);
        Ok(due)
    }

    /// Whether task `i` should launch now, guards aside: `run_tasks`' selection, a forced
    /// launch, else not disabled and its start condition true.
    fn due(&mut self, i: usize) -> Result<bool> {
        if let Some((only, obey)) = &self.only {
            if !only.contains(&i) {
                return Ok(false);
            }
            if !*obey {
                return Ok(true);
            }
        }
        // retries: a waiting retry launches at its time, and only then.
        if let Some(due) = self.retry_gate(i) {
            return Ok(due || self.hasten_retry(i));
        }
        if self.forced.contains(&i) {
            return Ok(true);
        }
        let task = &self.tasks[i];
        if task.flags.disabled || never(&task.start) {
            return Ok(false);
        }
        self.check_start(i)
    }

    /// Timeout, then force_termination, then end_cond, for each running run of task `i`
    /// at its turn (a manual termination stops them all).
    pub(super) fn enforce(&mut self, i: usize) -> Result<()> {
        let manual = self.to_terminate.remove(&i);
        for k in 0..self.running.count(i) {
            self.enforce_run(i, k, manual)?;
        }
        Ok(())
    }

    /// [`Scheduler::enforce`] for the `k`-th run of task `i`.
    fn enforce_run(&mut self, i: usize, k: usize, manual: bool) -> Result<()> {
        let now = self.now();
        let Some(run) = self.running.of(i).get(k) else {
            return Ok(());
        };
        let task = &self.tasks[i];
        let timed_out = task
            .timeout
            .and_then(|t| TimeDelta::from_std(t).ok())
            .is_some_and(|t| now - run.start > t);
        if timed_out {
            if !run.flag.is_set() {
                // Said at once, on the task's own target: a thread run cannot be stopped
                // from outside, so this may be the only sign until it returns.
                let limit = task.timeout.map(describe_duration).unwrap_or_default();
                ::log::warn!(
                    target: crate::log::TASK_TARGET,
                    task_name = task.name.as_str(), action = "timeout";
                    "task '{}' ran past its timeout of {limit}: asked to stop{}",
                    task.name,
                    match task.execution {
                        Execution::Process => " (its process group is terminated)",
                        Execution::Async => " (its future is dropped at its next await)",
                        _ => "; a thread keeps running until its body checks its \
                              TerminationFlag and returns",
                    }
                );
            }
            run.flag.set(TerminationReason::Timeout);
        } else if manual {
            run.flag.set(TerminationReason::Manual);
        } else if !never(&task.end) && !run.flag.is_set() {
            let flag = run.flag.clone();
            if self.check(&task.end, Some(task), "end_cond")? {
                flag.set(TerminationReason::EndCond);
            }
        }
        Ok(())
    }
}
