//! The scheduling loop (RUNTIME.md §4.2): shut_cond, then each task at its turn — reap,
//! launch if runnable, else enforce timeout / force_termination / end_cond — then wait
//! for the earliest instant anything can change, a finished run or a control request.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use redengine_conditions::{Condition, Context, History, NextChange};

use crate::clock::Wakeup;
use crate::context::{TerminationFlag, TerminationReason};
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::execution::{Execution, JobResult};
use crate::handle::{Control, SessionHandle};
use crate::hooks::{scheduler_post, scheduler_pre, SchedulerInfo};
use crate::ignite::Prepared;
use crate::session::Session;

/// What wakes the loop.
#[derive(Debug)]
pub(crate) enum Event {
    /// A thread (or process) run ended.
    Finished {
        task: usize,
        run: u64,
        result: JobResult,
    },
    /// A control request (shutdown, force_run, parameter change …).
    Wake,
}

/// A run handed to an asynchronous executor and not reaped yet.
pub(crate) struct Running {
    pub(crate) run: u64,
    pub(crate) start: DateTime<Utc>,
    pub(crate) flag: TerminationFlag,
}

/// The scheduler's state for one `run()`.
pub(crate) struct Scheduler<'s> {
    pub(crate) s: &'s mut Session,
    pub(crate) tasks: Vec<Prepared>,
    pub(crate) shut: Condition,
    pub(crate) history: History,
    pub(crate) running: HashMap<usize, Running>,
    pub(crate) cycles: u64,
    pub(crate) started: DateTime<Utc>,
    pub(crate) wake: Wakeup,
    /// A record was written since the last wait: re-check at once.
    pub(crate) dirty: bool,
    /// Tasks asked to launch at their next turn (config flag or handle).
    pub(crate) forced: HashSet<usize>,
    /// Tasks asked to terminate at their next turn.
    pub(crate) to_terminate: HashSet<usize>,
    /// `run_tasks`: only these may launch; `true` = obey their start_cond.
    pub(crate) only: Option<(HashSet<usize>, bool)>,
}

/// `run()` and `run_tasks()`: ignite, start-up, loop, shutdown, restart.
pub(crate) fn run(session: &mut Session, only: Option<(Vec<String>, bool)>) -> Result<()> {
    loop {
        let plan = crate::loader::ignite(session)?;
        let only = match &only {
            None => None,
            Some((names, obey)) => Some((select(&plan.tasks, names)?, *obey)),
        };
        let wake = Wakeup::new(session.events.clone());
        let now = session.clock.now();
        let mut forced = HashSet::new();
        for (i, t) in plan.tasks.iter().enumerate() {
            if t.flags.force_run {
                forced.insert(i);
            }
        }
        let mut sched = Scheduler {
            s: &mut *session,
            tasks: plan.tasks,
            shut: plan.shut,
            history: History::new(),
            running: HashMap::new(),
            cycles: 0,
            started: now,
            wake,
            dirty: true,
            forced,
            to_terminate: HashSet::new(),
            only,
        };
        let guard = crate::signals::install(&sched.s.control);
        let result = sched.lifetime();
        drop(guard);
        let control = &session.control;
        control.signals.store(0, Ordering::SeqCst);
        let restart = control.restart.swap(false, Ordering::SeqCst);
        control.shutdown.store(false, Ordering::SeqCst);
        if result.is_err() || !restart {
            return result;
        }
        session.returns.clear();
        if session.config.restarting == crate::config::Restarting::Replace {
            return crate::entry::exec_self();
        }
    }
}

/// The indices of the `run_tasks` names; unknown names are an error with "did you mean".
fn select(tasks: &[Prepared], names: &[String]) -> Result<HashSet<usize>> {
    let mut picked = HashSet::new();
    let mut problems = Vec::new();
    for name in names {
        match tasks.iter().position(|t| t.name == *name) {
            Some(i) => {
                picked.insert(i);
            }
            None => {
                let hint =
                    redengine_conditions::suggest(name, tasks.iter().map(|t| t.name.as_str()))
                        .map(|s| format!("; did you mean '{s}'?"))
                        .unwrap_or_default();
                problems.push(Problem {
                    location: None,
                    message: format!("run_tasks: unknown task '{name}'{hint}"),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(picked)
    } else {
        Err(Error::new(ErrorKind::Ignite(problems)))
    }
}

/// Lowers `best` to `at` if `at` is earlier.
fn earliest(best: &mut Option<DateTime<Utc>>, at: DateTime<Utc>) {
    *best = Some(best.map_or(at, |b| b.min(at)));
}

/// Whether a condition can only ever be false (skip evaluation and next-change work).
fn never(cond: &Condition) -> bool {
    matches!(cond, Condition::False)
}

impl Scheduler<'_> {
    /// Start-up, the loop, then shutdown (instant after a fatal error).
    fn lifetime(&mut self) -> Result<()> {
        let result = self.startup().and_then(|()| self.cycles_loop());
        let shut = self.shutdown(result.is_err());
        result.and(shut)
    }

    fn cycles_loop(&mut self) -> Result<()> {
        loop {
            if self.stop_requested() {
                return Ok(());
            }
            crate::loader::poll(self);
            // `run_tasks` (RUNTIME.md §4.7) runs its one cycle whatever `shut_cond` says:
            // the caller asked for those tasks now.
            if self.only.is_none() && self.check(&self.shut, None, "shut_cond")? {
                return Ok(());
            }
            self.run_cycle()?;
            if self.only.is_some() {
                return Ok(());
            }
            self.wait();
        }
    }

    pub(crate) fn stop_requested(&self) -> bool {
        let c = &self.s.control;
        c.shutdown.load(Ordering::SeqCst) || c.restart.load(Ordering::SeqCst)
    }

    pub(crate) fn info(&self) -> SchedulerInfo {
        SchedulerInfo {
            cycles: self.cycles,
            started: self.started,
            now: self.s.clock.now(),
            handle: SessionHandle {
                control: self.s.control.clone(),
            },
        }
    }

    /// Moves handle requests (force_run, force_termination) onto task indices.
    fn take_requests(&mut self) {
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
        let posts = scheduler_pre(&self.s.hooks.cycle, &self.info())
            .map_err(|e| Error::new(ErrorKind::Hook(format!("cycle hook: {e}"))))?;
        self.take_requests();
        for i in 0..self.tasks.len() {
            self.reap()?;
            let launching =
                !self.s.control.on_hold.load(Ordering::SeqCst) && !self.stop_requested();
            let task = &self.tasks[i];
            if launching && !task.flags.on_startup && !task.flags.on_shutdown && self.runnable(i)? {
                self.forced.remove(&i);
                self.launch(i)?;
                if self.stop_requested() {
                    return Ok(());
                }
            } else if self.running.contains_key(&i) {
                self.enforce(i)?;
            }
        }
        scheduler_post(posts, &self.info())
            .map_err(|e| Error::new(ErrorKind::Hook(format!("cycle hook: {e}"))))?;
        self.cycles += 1;
        Ok(())
    }

    /// Launch guards first, then force_run, then disabled/start_cond (RUNTIME.md §4.3).
    pub(crate) fn runnable(&mut self, i: usize) -> Result<bool> {
        if self.running.contains_key(&i) || self.tasks[i].retired {
            return Ok(false);
        }
        if self.tasks[i].execution == Execution::Process {
            let alive = self
                .running
                .keys()
                .filter(|k| self.tasks[**k].execution == Execution::Process)
                .count();
            if alive >= self.s.config.max_process_count {
                return Ok(false);
            }
        }
        if let Some((only, obey)) = &self.only {
            if !only.contains(&i) {
                return Ok(false);
            }
            if !*obey {
                return Ok(true);
            }
        }
        if self.forced.contains(&i) {
            return Ok(true);
        }
        let task = &self.tasks[i];
        if task.flags.disabled || never(&task.start) {
            return Ok(false);
        }
        self.check(&task.start, Some(&task.name), "start_cond")
    }

    /// Timeout, then force_termination, then end_cond, for a running run at its turn.
    pub(crate) fn enforce(&mut self, i: usize) -> Result<()> {
        let now = self.s.clock.now();
        let Some(run) = self.running.get(&i) else {
            return Ok(());
        };
        let task = &self.tasks[i];
        let timed_out = task
            .timeout
            .and_then(|t| TimeDelta::from_std(t).ok())
            .is_some_and(|t| now - run.start > t);
        if timed_out {
            run.flag.set(TerminationReason::Timeout);
        } else if self.to_terminate.remove(&i) {
            run.flag.set(TerminationReason::Manual);
        } else if !never(&task.end) && !run.flag.is_set() {
            let flag = run.flag.clone();
            if self.check(&task.end, Some(&task.name), "end_cond")? {
                flag.set(TerminationReason::EndCond);
            }
        }
        Ok(())
    }

    /// Blocks until the next cycle is due (RUNTIME.md §3 `cycle_sleep`, issue 3 "no spin").
    fn wait(&mut self) {
        let in_flight = !self.running.is_empty();
        let now = self.s.clock.now();
        if let Some(pause) = self.s.config.cycle_sleep {
            let until = TimeDelta::from_std(pause)
                .ok()
                .and_then(|p| now.checked_add_signed(p));
            self.s.clock.wait(until, in_flight, &self.wake);
            return;
        }
        if self.dirty || !self.forced.is_empty() {
            return;
        }
        let Some(deadline) = self.next_deadline(now) else {
            return;
        };
        if self.wake.poll() {
            return;
        }
        let floor = now + TimeDelta::microseconds(1);
        self.s
            .clock
            .wait(deadline.map(|d| d.max(floor)), in_flight, &self.wake);
    }

    /// `None`: re-check at once. `Some(None)`: only an event can change anything.
    /// `Some(Some(t))`: nothing changes before `t`.
    fn next_deadline(&self, now: DateTime<Utc>) -> Option<Option<DateTime<Utc>>> {
        let mut best: Option<DateTime<Utc>> = None;
        let params = self.s.control.params();
        let resolver = crate::lifecycle::CondResolver::new(&params, &self.s.conditions);
        let base = self.context(now, &resolver);
        let launching = !self.s.control.on_hold.load(Ordering::SeqCst);
        let poll = TimeDelta::from_std(self.s.config.custom_poll)
            .ok()
            .and_then(|p| now.checked_add_signed(p));
        // Folds one condition's next change into `best`; false means "re-check next cycle".
        // A custom condition can change at any moment without telling anyone, so it is
        // polled every `custom_poll` instead of spinning; only conditions that depend on
        // the cycle count itself ask for the next cycle at once.
        let changes = |best: &mut Option<DateTime<Utc>>, cond: &Condition, owner: Option<&str>| {
            if never(cond) {
                return true;
            }
            let ctx = match owner {
                Some(o) => base.with_owner(o),
                None => base,
            };
            match cond.next_change(&ctx) {
                NextChange::At(at) => {
                    earliest(best, at);
                    true
                }
                NextChange::OnEvent => true,
                NextChange::NextCycle => match poll {
                    Some(at) if !cond.custom_names().is_empty() => {
                        earliest(best, at);
                        true
                    }
                    _ => false,
                },
            }
        };
        for (i, task) in self.tasks.iter().enumerate() {
            if let Some(run) = self.running.get(&i) {
                if !run.flag.is_set() {
                    if let Some(limit) = task.timeout.and_then(|t| TimeDelta::from_std(t).ok()) {
                        let tick = limit + TimeDelta::microseconds(1);
                        if let Some(at) = run.start.checked_add_signed(tick) {
                            earliest(&mut best, at);
                        }
                    }
                    if !changes(&mut best, &task.end, Some(&task.name)) {
                        return None;
                    }
                }
            } else if launching
                && !task.flags.on_startup
                && !task.flags.on_shutdown
                && !task.flags.disabled
                && !changes(&mut best, &task.start, Some(&task.name))
            {
                return None;
            }
        }
        if !changes(&mut best, &self.shut, None) {
            return None;
        }
        if let Some(at) = self.s.loader.as_ref().and_then(|l| l.next_poll) {
            earliest(&mut best, at);
        }
        Some(best)
    }

    /// A condition context at `now` (no owner).
    pub(crate) fn context<'a>(
        &'a self,
        now: DateTime<Utc>,
        resolver: &'a crate::lifecycle::CondResolver<'a>,
    ) -> Context<'a> {
        Context::new(now, self.s.zone, &self.history)
            .with_scheduler(redengine_conditions::SchedulerState {
                cycles: self.cycles,
                started: self.started,
            })
            .with_resolver(resolver)
    }
}
