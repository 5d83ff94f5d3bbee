//! Tasks changed through a [`SessionHandle`](crate::SessionHandle) while the scheduler
//! runs (docs/runtime.md, "Managing tasks while running"): added, removed, disabled,
//! enabled, given a new start condition.
//!
//! Handles leave changes on the [`Desk`](crate::handle::Desk); the loop takes them once per
//! turn, before `shut_cond` and the cycle, so a change is effective at the next cycle. A
//! change is made to the session's own task list and checked by re-igniting the session
//! (the very checks of start-up; refused and undone if they fail), then applied to the
//! running tasks with the mechanism of task-file reloads: an added task is appended, a
//! removed one retired (a run in progress is still reaped; it never launches again).
//! Disabling and a new start condition change the running task in place, so a run in
//! progress keeps its place and the task never overlaps itself.

use super::Scheduler;
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::execution::Execution;
use crate::handle::{Change, Published, Request, SessionHandle};
use crate::ignite::{Mode, Plan};
use crate::session::Session;
use crate::task::Task;

const TARGET: &str = "redengine::scheduler";

// Here rather than with the other handle methods: the handle's module sits below the task
// module (a task's context holds a handle), so it cannot name `Task`.
impl SessionHandle {
    /// Adds `task` to the running scheduler; it can launch from the next cycle on.
    ///
    /// The task is checked as start-up checks every task — its conditions, names it refers
    /// to, parameters and `Return` bindings, execution — and its name must not be taken by
    /// a task of the scheduler. The error lists every problem; nothing changes then. A task
    /// added this way cannot run as `process` (a child builds its session from the
    /// program's `main` and would not have it): give it `execution` `thread` or `main`.
    ///
    /// From another thread while the scheduler runs, this waits for the loop to take the
    /// change (at its next turn; up to 30 s if a `main` run or a hook holds the loop, then
    /// it is withdrawn with an error). Before [`Session::run`](crate::Session::run), or
    /// from the loop's own thread (a hook, a `main` run), it cannot wait: the change is
    /// queued and `Ok` returned; it is applied when `run()` starts — a bad change then
    /// makes `run()` fail as if the task were given to the builder — or at the next cycle,
    /// where a bad change is logged as an error. The change lives in the session: it
    /// survives a `recall` restart and a later `run()`, not a new process (a `replace`
    /// restart, or the `list` and `check` commands, which build the session afresh).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use redengine::{Execution, ManualClock, MemoryLog, Session, Task};
    ///
    /// let log = MemoryLog::new();
    /// let mut session = Session::builder()
    ///     .clock(ManualClock::new(Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap()))
    ///     .log_store(log.clone())
    ///     .task_execution(Execution::Thread)
    ///     .shut_cond("scheduler has run over 1 day")
    ///     .build()?;
    /// let handle = session.handle();
    /// // Before `run()`: queued. From another thread while it runs: answered by the loop.
    /// handle.add_task(Task::builder("report").start_cond("daily after 09:00").run(|_| ()))?;
    /// session.run()?;
    /// let report = &handle.tasks()[0];
    /// assert_eq!((report.name.as_str(), report.start_cond.as_str()), ("report", "daily after 09:00"));
    /// assert_eq!(log.records().len(), 2); // run, success
    /// # Ok::<(), redengine::Error>(())
    /// ```
    pub fn add_task(&self, task: Task) -> Result<()> {
        let name = task.name.as_deref().map(str::to_string);
        self.change(Change::Add(Box::new(task), name))
    }
}

/// Whether `task` goes by `name` once ignite names it.
fn named(task: &Task, name: &str, instance_naming: bool) -> bool {
    match &task.name {
        Some(n) => n == name,
        None => instance_naming && task.instance.to_string() == name,
    }
}

/// The name ignite gives `task`, if it has one.
fn name_of(task: &Task, instance_naming: bool) -> Option<String> {
    task.name
        .as_deref()
        .map(str::to_string)
        .or_else(|| instance_naming.then(|| task.instance.to_string()))
}

/// Ignite for a scheduler starting ([`Mode::Run`]), after the changes queued before
/// `run()` are applied: their problems are reported with ignite's.
pub(super) fn ignite_with_queued(session: &mut Session) -> Result<Plan> {
    let (added, mut queued) = apply_queued(session);
    let plan = crate::ignite::ignite(session, Mode::Run);
    if let Ok(plan) = &plan {
        for task in plan
            .tasks
            .iter()
            .filter(|t| added.iter().any(|a| t.name == *a))
        {
            if task.execution == Execution::Process {
                queued.push(Problem {
                    location: Some(task.location),
                    message: format!("add task '{}': {}", task.name, process_problem(&task.name)),
                });
            }
        }
    }
    match plan {
        Ok(plan) if queued.is_empty() => Ok(plan),
        Ok(_) => Err(Error::new(ErrorKind::Ignite(queued))),
        Err(e) if queued.is_empty() || e.problems().is_empty() => Err(e),
        Err(e) => {
            let mut problems = e.problems().to_vec();
            problems.extend(queued);
            Err(Error::new(ErrorKind::Ignite(problems)))
        }
    }
}

/// Why a task added through a handle cannot run as a process.
fn process_problem(name: &str) -> String {
    format!(
        "task '{name}' would run as a process, but a child process builds its session from \
         the program's `main`, which does not have a task added through a SessionHandle; give \
         it `execution` `thread` or `main` (or define it in `main`)"
    )
}

/// Applies the changes queued before `run()` to the session's task list, before ignite:
/// as if they had been given to the builder. Returns the names of the tasks added and, as
/// problems reported with ignite's, what cannot be applied (an unknown task).
fn apply_queued(session: &mut Session) -> (Vec<String>, Vec<Problem>) {
    let queued = std::mem::take(&mut session.control.desk().pending);
    let mut added = Vec::new();
    let mut problems = Vec::new();
    for Request { change, .. } in queued {
        let naming = session.config.use_instance_naming;
        let mut found = false;
        match &change {
            Change::Add(task, _) => {
                if let Some(task) = task.downcast_ref::<Task>() {
                    added.extend(name_of(task, naming));
                    session.tasks.push(task.clone());
                    found = true;
                }
            }
            Change::Remove(name) => {
                let before = session.tasks.len();
                session.tasks.retain(|t| !named(t, name, naming));
                found = session.tasks.len() < before;
            }
            Change::Disable(name, disabled) => {
                for task in session.tasks.iter_mut().filter(|t| named(t, name, naming)) {
                    task.flags.disabled = *disabled;
                    found = true;
                }
            }
            Change::StartCond(name, text) => {
                for task in session.tasks.iter_mut().filter(|t| named(t, name, naming)) {
                    task.set_start_cond(crate::task::shared_text(text));
                    found = true;
                }
            }
        }
        if found {
            ::log::info!(target: TARGET, "{}: applied before start-up", change.describe());
        } else {
            problems.push(Problem {
                location: None,
                message: format!(
                    "{} (asked through a SessionHandle before run()): the session has no \
                     task of that name defined in code (a task from a task file is changed \
                     in its file)",
                    change.describe()
                ),
            });
        }
    }
    (added, problems)
}

impl Scheduler<'_> {
    /// The loop takes changes from now on; changes asked on this thread are queued.
    pub(super) fn open_desk(&self) {
        let mut desk = self.s.control.desk();
        desk.live = true;
        desk.loop_thread = Some(std::thread::current().id());
    }

    /// The loop takes no more changes: those already asked are applied (the session keeps
    /// them for a restart or the next `run()`); one asked while this closes is refused if
    /// its caller waits, else left for the next `run()`. The last task list stays published.
    pub(super) fn close_desk(&mut self) {
        // The list is published below: the changes taken here need not publish it first.
        self.take_changes(false);
        let mut desk = self.s.control.desk();
        desk.live = false;
        desk.loop_thread = None;
        self.publish_to(&mut desk.tasks);
        let watchers = std::mem::take(&mut desk.watchers);
        let (answered, queued): (Vec<Request>, Vec<Request>) = std::mem::take(&mut desk.pending)
            .into_iter()
            .partition(|r| r.reply.is_some());
        desk.pending = queued;
        let published = if watchers.is_empty() {
            Vec::new()
        } else {
            desk.tasks.states()
        };
        drop(desk);
        for watcher in watchers {
            let _ = watcher.send(published.clone());
        }
        for request in answered {
            if let Some(reply) = request.reply {
                let _ = reply.send(Err(request.change.refused_because(
                    "the scheduler stopped before it took the change".to_string(),
                )));
            }
        }
    }

    /// Takes the changes handles left since the last turn and applies them in order, each
    /// answered (or, with nobody waiting, logged if refused); answers `tasks()` callers.
    /// `publish` also publishes the task list when nothing was asked.
    pub(super) fn take_changes(&mut self, publish: bool) {
        let (requests, watchers) = {
            let mut desk = self.s.control.desk();
            if desk.pending.is_empty() && desk.watchers.is_empty() && !publish {
                return;
            }
            (
                std::mem::take(&mut desk.pending),
                std::mem::take(&mut desk.watchers),
            )
        };
        for Request { change, reply, .. } in requests {
            let result = self.apply(&change);
            match (&result, &reply) {
                (Ok(done), _) => {
                    ::log::info!(target: TARGET, "{done}");
                    self.dirty = true;
                }
                (Err(e), None) => ::log::error!(target: TARGET, "{e}"),
                (Err(_), Some(_)) => {}
            }
            if let Some(reply) = reply {
                let _ = reply.send(result.map(|_| ()));
            }
        }
        let mut desk = self.s.control.desk();
        self.publish_to(&mut desk.tasks);
        let tasks = if watchers.is_empty() {
            Vec::new()
        } else {
            desk.tasks.states()
        };
        drop(desk);
        for watcher in watchers {
            let _ = watcher.send(tasks.clone());
        }
    }

    /// Publishes the task list as it is now (after shutdown: nothing runs any more).
    pub(super) fn publish(&self) {
        self.publish_to(&mut self.s.control.desk().tasks);
    }

    /// Refills `list` with the live tasks and their state, in check order.
    fn publish_to(&self, list: &mut Published) {
        list.clear();
        // One pass for the room the list needs (tasks and their names' bytes).
        let (n, bytes) = self
            .tasks
            .iter()
            .filter(|t| !t.retired)
            .fold((0, 0), |(n, bytes), t| (n + 1, bytes + t.name.len()));
        list.reserve(n, bytes);
        // A fresh log (the first turn of a new program) has no record to look up, and
        // before any launch nothing runs.
        let records = !self.history.is_empty();
        let runs = !self.running.is_empty();
        for (i, t) in self.tasks.iter().enumerate().filter(|(_, t)| !t.retired) {
            list.push(
                &t.name,
                &t.start,
                t.flags.disabled,
                runs && self.running.contains_key(&i),
                records.then(|| self.history.last_record(&t.name)).flatten(),
            );
        }
    }

    /// Applies one change; `Ok` is what to log.
    fn apply(&mut self, change: &Change) -> Result<String> {
        let naming = self.s.config.use_instance_naming;
        match change {
            Change::Add(task, _) => {
                let Some(task) = task.downcast_ref::<Task>() else {
                    return Err(change.refused_because("not a task".to_string()));
                };
                let name = name_of(task, naming);
                if let Some(i) = name.as_deref().and_then(|n| self.live(n)) {
                    return Err(change.refused(vec![Problem {
                        location: Some(task.setup.location),
                        message: format!(
                            "task name '{}' is taken by the task defined at {}; remove that \
                             task first, or choose another name",
                            self.tasks[i].name, self.tasks[i].location
                        ),
                    }]));
                }
                let (mut plan, before) = self.recheck(change, |tasks| tasks.push(task.clone()))?;
                // Without a name ignite has refused the task above.
                let name = name.unwrap_or_default();
                let Some(at) = plan.tasks.iter().position(|t| t.name == name) else {
                    return Err(self.undo(change, before, "ignite left the task out".into()));
                };
                let prepared = plan.tasks.swap_remove(at);
                if prepared.execution == Execution::Process {
                    return Err(self.undo(change, before, process_problem(&name)));
                }
                let text = prepared.start.to_string();
                let execution = prepared.execution;
                let force = prepared.flags.force_run;
                let i = self.append(prepared);
                if force {
                    self.forced.insert(i);
                }
                Ok(format!(
                    "task '{name}' added through a SessionHandle (start_cond `{text}`, \
                     execution `{execution}`)"
                ))
            }
            Change::Remove(name) => {
                let i = self.live_or_refuse(change, name)?;
                self.own_or_refuse(change, name)?;
                self.recheck(change, |tasks| tasks.retain(|t| !named(t, name, naming)))?;
                self.retire(name);
                self.slots.leave(i);
                let running = if self.running.contains_key(&i) {
                    "; its run in progress finishes"
                } else {
                    ""
                };
                Ok(format!(
                    "task '{name}' removed through a SessionHandle: it never launches again \
                     (its log records stay){running}"
                ))
            }
            Change::Disable(name, disabled) => {
                let i = self.live_or_refuse(change, name)?;
                self.tasks[i].flags.disabled = *disabled;
                if *disabled {
                    self.slots.leave(i);
                }
                // Kept by the session too, for a restart or the next run().
                for task in self.s.tasks.iter_mut().filter(|t| named(t, name, naming)) {
                    task.flags.disabled = *disabled;
                }
                Ok(format!(
                    "task '{name}' {} through a SessionHandle",
                    if *disabled { "disabled" } else { "enabled" }
                ))
            }
            Change::StartCond(name, text) => {
                let i = self.live_or_refuse(change, name)?;
                self.own_or_refuse(change, name)?;
                let (mut plan, before) = self.recheck(change, |tasks| {
                    for task in tasks.iter_mut().filter(|t| named(t, name, naming)) {
                        task.set_start_cond(crate::task::shared_text(text));
                    }
                })?;
                let Some(at) = plan.tasks.iter().position(|t| t.name == *name) else {
                    return Err(self.undo(change, before, "ignite left the task out".into()));
                };
                let new = plan.tasks.swap_remove(at);
                let old = self.tasks[i].set_start(std::sync::Arc::clone(&new.start));
                self.slots.leave(i);
                Ok(format!(
                    "start_cond of task '{name}' changed through a SessionHandle from `{old}` \
                     to `{}`",
                    self.tasks[i].start
                ))
            }
        }
    }

    /// The index of the live (not retired) task `name`.
    fn live(&self, name: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.name == name && !t.retired)
    }

    /// [`Self::live`], or the change refused with "did you mean".
    fn live_or_refuse(&self, change: &Change, name: &str) -> Result<usize> {
        self.live(name).ok_or_else(|| {
            let names = self.tasks.iter().filter(|t| !t.retired);
            let hint = redengine_conditions::suggest(name, names.map(|t| t.name.as_str()))
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            change.refused_because(format!("the scheduler has no task '{name}'{hint}"))
        })
    }

    /// Refuses to change a task the session does not hold itself (one from a task file:
    /// the file says what it is, and a reload would undo the change).
    fn own_or_refuse(&self, change: &Change, name: &str) -> Result<()> {
        let naming = self.s.config.use_instance_naming;
        if self.s.tasks.iter().any(|t| named(t, name, naming)) {
            return Ok(());
        }
        let from_file = self.s.loader.iter().flat_map(|f| f.tasks());
        if from_file
            .into_iter()
            .any(|t| t.name.as_deref() == Some(name))
        {
            return Err(change.refused_because(format!(
                "task '{name}' comes from a task file, which says what it is: edit the file \
                 instead (the scheduler reloads it)"
            )));
        }
        Err(change.refused_because(format!(
            "task '{name}' got its name from `task_pre_exist = rename`: the session has no \
             task of that name to change; give the task a name of its own"
        )))
    }

    /// Edits the session's task list with `edit` and re-ignites the session; if that finds
    /// a problem, the edit is undone and the change refused with every problem. `Ok` has
    /// the list from before the edit, for [`Self::undo`].
    fn recheck(
        &mut self,
        change: &Change,
        edit: impl FnOnce(&mut Vec<Task>),
    ) -> Result<(Plan, Vec<Task>)> {
        let before = self.s.tasks.clone();
        edit(&mut self.s.tasks);
        let plan = crate::ignite::ignite(self.s, Mode::Manage);
        let lost = match (&plan, &self.reload) {
            (Ok(plan), Some(reload)) => reload.lost(&plan.files),
            _ => Vec::new(),
        };
        match plan {
            Ok(plan) if lost.is_empty() => Ok((plan, before)),
            Ok(_) => {
                self.s.tasks = before;
                Err(change.refused_because(format!(
                    "the task-file task{} [{}] would no longer pass ignite (a condition or \
                     `Return` binding names the task)",
                    if lost.len() == 1 { "" } else { "s" },
                    lost.join(", ")
                )))
            }
            Err(e) => {
                self.s.tasks = before;
                let mut problems = e.problems().to_vec();
                if problems.is_empty() {
                    problems.push(Problem {
                        location: None,
                        message: e.to_string(),
                    });
                }
                Err(change.refused(problems))
            }
        }
    }

    /// Puts back the session's task list from before [`Self::recheck`]'s edit and refuses
    /// the change for `why`.
    fn undo(&mut self, change: &Change, before: Vec<Task>, why: String) -> Error {
        self.s.tasks = before;
        change.refused_because(why)
    }
}
