//! The hooks a session runs: when tasks are added and executed, and at the scheduler's
//! start-up, cycles and shutdown.

use std::sync::Arc;

use super::SessionBuilder;
use crate::hooks::{AfterExecute, AfterInit, AfterScheduler, SchedulerInfo, TaskInfo};

impl SessionBuilder {
    /// A `task_init` hook: `f` runs when a task is added; its returned closure after
    /// registration.
    pub fn on_task_init<F>(mut self, f: F) -> Self
    where
        F: Fn(&TaskInfo) -> Option<AfterInit> + Send + Sync + 'static,
    {
        self.hooks.task_init.push(Arc::new(f));
        self
    }

    /// A `task_execute` hook: runs before parameters are resolved; its returned closure
    /// gets the action and error. `Err` is a pre-run failure.
    pub fn on_task_execute<F>(mut self, f: F) -> Self
    where
        F: Fn(&TaskInfo) -> Result<Option<AfterExecute>, String> + Send + Sync + 'static,
    {
        self.hooks.task_execute.push(Arc::new(f));
        self
    }

    /// A scheduler `startup` hook (pre at start-up step 5, post at step 7).
    pub fn on_startup<F>(mut self, f: F) -> Self
    where
        F: Fn(&SchedulerInfo) -> Result<Option<AfterScheduler>, String> + Send + Sync + 'static,
    {
        self.hooks.startup.push(Arc::new(f));
        self
    }

    /// A scheduler `cycle` hook (start and end of each cycle).
    pub fn on_cycle<F>(mut self, f: F) -> Self
    where
        F: Fn(&SchedulerInfo) -> Result<Option<AfterScheduler>, String> + Send + Sync + 'static,
    {
        self.hooks.cycle.push(Arc::new(f));
        self
    }

    /// A scheduler `shutdown` hook (pre at shutdown step 2, post at step 7).
    pub fn on_shutdown<F>(mut self, f: F) -> Self
    where
        F: Fn(&SchedulerInfo) -> Result<Option<AfterScheduler>, String> + Send + Sync + 'static,
    {
        self.hooks.shutdown.push(Arc::new(f));
        self
    }
}
