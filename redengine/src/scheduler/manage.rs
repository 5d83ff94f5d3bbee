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

mod desk;
mod queued;

use super::Scheduler;
use crate::error::{Error, Problem, Result};
use crate::execution::Execution;
use crate::handle::{Change, SessionHandle};
use crate::ignite::{Mode, Plan};
use crate::task::Task;

pub(super) use queued::ignite_with_queued;

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

/// Why a task added through a handle cannot run as a process.
fn process_problem(name: &str) -> String {
    format!(
        "task '{name}' would run as a process, but a child process builds its session from \
         the program's `main`, which does not have a task added through a SessionHandle; give \
         it `execution` `thread` or `main` (or define it in `main`)"
    )
}

impl Scheduler<'_> {
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
