//! Hooks (docs/runtime.md, "Hooks"): a function called at a "pre" point that may return a
//! continuation called at the matching "post" point. Hooks run in registration order.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::execution::Execution;
use crate::handle::SessionHandle;
use crate::location::Location;
use crate::log::Action;
use crate::task::name::TaskName;

/// What task hooks see about a task.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// The task's name.
    pub name: String,
    /// How it runs.
    pub execution: Execution,
    /// Its priority.
    pub priority: i32,
    /// Where it was defined.
    pub location: Location,
}

// perf (runs): a run carries its task's name shared with the task, not a copy of it; a
// `TaskInfo` (whose `name` is a `String`) is made only when a hook is there to see it.
/// A run's task as the executors carry it; [`RunInfo::task_info`] is what hooks see.
#[derive(Debug, Clone)]
pub(crate) struct RunInfo {
    pub(crate) name: TaskName,
    pub(crate) execution: Execution,
    pub(crate) priority: i32,
    pub(crate) location: Location,
}

impl RunInfo {
    /// The task as task hooks see it.
    pub(crate) fn task_info(&self) -> TaskInfo {
        TaskInfo {
            name: self.name.to_string(),
            execution: self.execution,
            priority: self.priority,
            location: self.location,
        }
    }
}

/// What scheduler hooks see.
#[derive(Debug, Clone)]
pub struct SchedulerInfo {
    /// Completed cycles.
    pub cycles: u64,
    /// When the scheduler started.
    pub started: DateTime<Utc>,
    /// The current instant.
    pub now: DateTime<Utc>,
    /// Control over the running session (shutdown, force_run, …).
    pub handle: SessionHandle,
}

/// The post part of a `task_init` hook.
pub type AfterInit = Box<dyn FnOnce(&TaskInfo) + Send>;
/// A `task_init` hook: called when a task is added (before validation).
pub type TaskInitHook = Arc<dyn Fn(&TaskInfo) -> Option<AfterInit> + Send + Sync>;

/// The post part of a `task_execute` hook: gets the logged action and the error text, if any.
/// An `Err` is logged and does not change the outcome.
pub type AfterExecute =
    Box<dyn FnOnce(&TaskInfo, Action, Option<&str>) -> Result<(), String> + Send>;
/// A `task_execute` hook: called in the executing context before parameters are resolved.
/// An `Err` is a pre-run failure.
pub type TaskExecuteHook =
    Arc<dyn Fn(&TaskInfo) -> Result<Option<AfterExecute>, String> + Send + Sync>;

/// The post part of a scheduler hook.
pub type AfterScheduler = Box<dyn FnOnce(&SchedulerInfo) -> Result<(), String> + Send>;
/// A `startup`, `cycle` or `shutdown` hook. An `Err` is fatal (logged during shutdown).
pub type SchedulerHook =
    Arc<dyn Fn(&SchedulerInfo) -> Result<Option<AfterScheduler>, String> + Send + Sync>;

/// Every registered hook.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) task_init: Vec<TaskInitHook>,
    pub(crate) task_execute: Vec<TaskExecuteHook>,
    pub(crate) startup: Vec<SchedulerHook>,
    pub(crate) cycle: Vec<SchedulerHook>,
    pub(crate) shutdown: Vec<SchedulerHook>,
}

/// Runs the pre parts of scheduler hooks; the continuations are returned for the post point.
pub(crate) fn scheduler_pre(
    hooks: &[SchedulerHook],
    info: &SchedulerInfo,
) -> Result<Vec<AfterScheduler>, String> {
    let mut posts = Vec::new();
    for hook in hooks {
        if let Some(post) = hook(info)? {
            posts.push(post);
        }
    }
    Ok(posts)
}

/// Runs the post parts; the first error is returned after all ran.
pub(crate) fn scheduler_post(
    posts: Vec<AfterScheduler>,
    info: &SchedulerInfo,
) -> Result<(), String> {
    let mut first = Ok(());
    for post in posts {
        if let Err(e) = post(info) {
            if first.is_ok() {
                first = Err(e);
            }
        }
    }
    first
}
