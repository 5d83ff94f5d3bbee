//! The scheduler: the only owner of a run's state (the ignited plan, the history
//! conditions read, the runs in flight, return values) and of every step of the loop.
//!
//! A [`Session`] is what the user built; [`Session::run`] ignites it into a plan and hands
//! it to a [`Scheduler`], which lives for one run of the loop:
//!
//! * [`startup`]: read the log, restore status, close unfinished runs, `on_startup` tasks;
//! * [`cycle`]: `shut_cond`, then each task at its turn — reap, launch or enforce;
//! * [`launch`] and [`reap`]: hand a run to its executor, write its records;
//! * [`wait`]: sleep until the earliest instant anything can change;
//! * [`reload`]: pick up changed task files between cycles;
//! * [`manage`]: apply task changes asked through a `SessionHandle`;
//! * [`shutdown`]: stop launching, wait for (or terminate) runs, flush the log;
//! * [`resolver`]: condition checks, custom conditions and session parameters;
//! * [`restart`]: start over in this process, or re-execute the binary;
//! * [`misfire`]: what each task missed while the scheduler was down.
//!
//! The semantics are described in the repository's docs/runtime.md.

mod agenda;
mod cycle;
mod launch;
mod manage;
mod misfire;
mod publish;
mod reap;
mod reload;
pub(crate) mod resolver;
mod restart;
pub(crate) mod retries;
mod runs;
mod shutdown;
mod slots;
mod startup;
mod wait;

use std::cell::Cell;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use redengine_conditions::{Condition, History};

use crate::error::{Error, ErrorKind, Problem, Result};
use crate::event::Alarm;
use crate::hooks::SchedulerInfo;
use crate::ignite::{Plan, Prepared};
use crate::session::Session;
use crate::termination::TerminationFlag;

/// The scheduler's state for one run of the loop.
pub(crate) struct Scheduler<'s> {
    /// What the user built: configuration, hooks, store, clock, control.
    s: &'s mut Session,
    /// The ignited tasks, in check order; a reload appends (never moves) tasks.
    tasks: Vec<Prepared>,
    shut: Condition,
    history: History,
    // retries: the runs in flight (up to `max_instances` per task) and the retries
    // waiting for their time.
    running: runs::Runs,
    retries: retries::Retries,
    cycles: u64,
    started: DateTime<Utc>,
    alarm: Alarm,
    /// A record was written since the last sleep: re-check at once.
    dirty: bool,
    /// Tasks asked to launch at their next turn (config flag or handle).
    forced: HashSet<usize>,
    /// Tasks asked to terminate at their next turn.
    to_terminate: HashSet<usize>,
    /// `run_tasks`: only these may launch; `true` = obey their start_cond.
    only: Option<(HashSet<usize>, bool)>,
    /// Task files: what is loaded now and when to look again.
    reload: Option<reload::Reload>,
    /// Due process tasks waiting for a free slot, in the order they get one.
    slots: slots::Slots,
    /// The latest instant the scheduler has seen (clock readings and log records).
    seen: Cell<DateTime<Utc>>,
    /// The last `run` and finish records written, kept so the next ones reuse their text
    /// (`reap::Spares`).
    spare: reap::Spares,
    /// The flag of the `main` run before the last (the last one's stays where a signal
    /// finds it until the next run), cleared for the next one when nobody kept it.
    spare_flag: Option<TerminationFlag>,
    /// The clock is behind `seen` and that was reported.
    held: Cell<bool>,
    /// Which tasks a cycle evaluates: those whose deadline came or whose inputs changed.
    agenda: agenda::Agenda,
    // status: the status page's server and what the loop publishes to it.
    #[cfg(feature = "status")]
    status: Option<crate::status::Publisher>,
}

impl Session {
    /// Starts the scheduler and returns when it shuts down: `Ok` for `shut_cond` or
    /// [`SessionHandle::shutdown`](crate::SessionHandle::shutdown), the error for ignite
    /// problems or a fatal shutdown.
    pub fn run(&mut self) -> Result<()> {
        restart::run(self, None)
    }

    /// Ignite and start-up, one cycle in which only `tasks` are eligible (forced, or by
    /// their `start_cond` if `obey_cond`), then a graceful shutdown that waits for them.
    pub fn run_tasks<'a>(
        &mut self,
        tasks: impl IntoIterator<Item = &'a str>,
        obey_cond: bool,
    ) -> Result<()> {
        let names = tasks.into_iter().map(str::to_string).collect();
        restart::run(self, Some((names, obey_cond)))
    }
}

impl<'s> Scheduler<'s> {
    /// Ignites `session` (task files leniently: a bad file never stops the others) and
    /// prepares a scheduler for one run of the loop.
    fn new(session: &'s mut Session, only: Option<&(Vec<String>, bool)>) -> Result<Self> {
        if let Some(files) = session.loader.as_mut() {
            files.scan();
        }
        let Plan { tasks, shut, files } = manage::ignite_with_queued(session)?;
        let only = match only {
            None => None,
            Some((names, obey)) => Some((select(&tasks, names)?, *obey)),
        };
        let forced = (0..tasks.len())
            .filter(|i| tasks[*i].flags.force_run)
            .collect();
        let now = session.clock.now();
        let alarm = Alarm::new(session.control.receiver());
        let reload = session.loader.as_ref().map(|_| reload::Reload::new(files));
        // `force_status_from_logs` and `run_tasks` evaluate every task every cycle.
        let agenda = agenda::Agenda::new(!session.config.force_status_from_logs && only.is_none());
        // status: the status page starts with the scheduler (and stops with it).
        #[cfg(feature = "status")]
        let status = crate::status::Publisher::start(session)?;
        #[cfg(not(feature = "status"))]
        if let Some(addr) = &session.config.status_page {
            return Err(Error::new(ErrorKind::Config {
                key: "status_page".to_string(),
                value: addr.clone(),
                accepted: "nothing in this build: the status page needs redengine's `status` \
                           cargo feature (`features = [\"status\"]`)"
                    .to_string(),
            }));
        }
        Ok(Scheduler {
            s: session,
            tasks,
            shut,
            history: History::new(),
            running: runs::Runs::default(),
            retries: retries::Retries::default(),
            cycles: 0,
            started: now,
            alarm,
            dirty: true,
            forced,
            to_terminate: HashSet::new(),
            only,
            reload,
            slots: slots::Slots::default(),
            seen: Cell::new(now),
            spare: reap::Spares::default(),
            spare_flag: None,
            held: Cell::new(false),
            agenda,
            #[cfg(feature = "status")]
            status,
        })
    }

    /// Start-up, the loop, then shutdown (instant after a fatal error).
    fn lifetime(&mut self) -> Result<()> {
        self.open_desk();
        let result = self.startup().and_then(|()| self.cycles_loop());
        self.close_desk();
        let closed = self.quiet();
        let shut = self.shutdown(result.is_err());
        // perf (memory, shutdown): the list published when the desk closed still holds
        // when shutdown ran nothing and wrote nothing: it is not built a second time.
        if closed.is_none() || self.quiet() != closed {
            self.publish();
        }
        result.and(shut)
    }

    /// With no run in flight, how many records the history has: what the published task
    /// list shows besides the tasks themselves (which change only through the desk, closed
    /// at shutdown) is which tasks run and their last records.
    fn quiet(&self) -> Option<usize> {
        self.running.is_empty().then(|| self.history.len())
    }

    /// The scheduler's time: the clock's, but never earlier than an instant it has already
    /// seen (docs/runtime.md, "Clock steps"). A wall clock stepping back (NTP, a restored
    /// VM) would otherwise make finished runs look like they never happened — their
    /// records would lie in the future — so time holds still until the clock catches up.
    ///
    /// perfspeed: a clock that did not go back (nearly every reading) costs a comparison
    /// where it is read.
    #[inline]
    fn now(&self) -> DateTime<Utc> {
        let t = self.s.clock.now();
        let seen = self.seen.get();
        if t >= seen {
            self.seen.set(t);
            self.held.set(false);
            return t;
        }
        self.hold_time(t, seen)
    }

    /// [`Scheduler::now`] when the clock reads `t`, before `seen`: time holds at `seen`
    /// (said once).
    #[inline(never)]
    fn hold_time(&self, t: DateTime<Utc>, seen: DateTime<Utc>) -> DateTime<Utc> {
        if !self.held.replace(true) {
            ::log::warn!(
                target: "redengine::scheduler",
                "the clock went back from {seen} to {t}: the scheduler holds its time at {seen} \
                 until the clock reaches it again, so finished runs stay finished"
            );
        }
        seen
    }

    /// A log record at `at` was read: time never runs behind it.
    fn saw(&self, at: DateTime<Utc>) {
        if at > self.seen.get() {
            self.seen.set(at);
        }
    }

    /// What scheduler hooks see.
    fn info(&self) -> SchedulerInfo {
        SchedulerInfo {
            cycles: self.cycles,
            started: self.started,
            now: self.now(),
            handle: self.s.handle(),
        }
    }
}

/// The indices of the `run_tasks` names; unknown names are an error with "did you mean".
fn select(tasks: &[Prepared], names: &[String]) -> Result<HashSet<usize>> {
    // perfspeed: one index of the names, not a scan of every task per name (10,000 names
    // cost 50,000,000 comparisons).
    let mut index = std::collections::HashMap::with_capacity(tasks.len());
    for (i, t) in tasks.iter().enumerate() {
        index.entry(t.name.as_str()).or_insert(i);
    }
    let mut picked = HashSet::new();
    let mut problems = Vec::new();
    for name in names {
        match index.get(name.as_str()).copied() {
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

/// Whether a condition can only ever be false (skip evaluation and next-change work).
fn never(cond: &Condition) -> bool {
    matches!(cond, Condition::False)
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Mutex};

    use chrono::{TimeZone, Utc};

    use crate::log::Action;
    use crate::{Execution, ManualClock, Session, SessionBuilder, Task};

    fn builder() -> SessionBuilder {
        Session::builder()
            .clock(ManualClock::new(
                Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap(),
            ))
            .log_memory()
    }

    /// The task list published after `session` ran: (name, running, last action).
    fn published(mut session: Session) -> Vec<(String, bool, Option<Action>)> {
        let handle = session.handle();
        session.run().unwrap();
        let list = handle.tasks().into_iter();
        list.map(|t| (t.name, t.running, t.last.map(|(action, _)| action)))
            .collect()
    }

    #[test]
    fn a_run_at_shutdown_is_in_the_list_published_after_it() {
        let session = builder()
            .task(
                Task::builder("bye")
                    .on_shutdown(true)
                    .execution(Execution::Main)
                    .run(|_| ()),
            )
            .on_cycle(|info| {
                info.handle.shutdown();
                Ok(None)
            })
            .build()
            .unwrap();
        let want = [("bye".to_string(), false, Some(Action::Success))];
        assert_eq!(published(session), want);
    }

    #[test]
    fn a_run_finished_during_shutdown_is_in_the_list_published_after_it() {
        // The run is in flight when the desk closes, and finishes once a shutdown hook
        // lets it: the list published at the close shows it running, the last one not.
        let (go, wait) = mpsc::channel::<()>();
        let (go, wait) = (Mutex::new(go), Mutex::new(wait));
        let was_running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = std::sync::Arc::clone(&was_running);
        let session = builder()
            .task(
                Task::builder("slow")
                    .start_cond("true")
                    .execution(Execution::Thread)
                    .run(move |_| wait.lock().unwrap().recv().unwrap()),
            )
            .on_cycle(|_| {
                // At the end of the cycle, after the launch.
                Ok(Some(Box::new(|info: &crate::hooks::SchedulerInfo| {
                    info.handle.shutdown();
                    Ok(())
                })))
            })
            .on_shutdown(move |info| {
                let running = info.handle.tasks().iter().any(|t| t.running);
                seen.store(running, std::sync::atomic::Ordering::SeqCst);
                go.lock().unwrap().send(()).unwrap();
                Ok(None)
            })
            .build()
            .unwrap();
        let want = [("slow".to_string(), false, Some(Action::Success))];
        assert_eq!(published(session), want);
        assert!(was_running.load(std::sync::atomic::Ordering::SeqCst));
    }
}
