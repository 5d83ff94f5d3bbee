//! Reloading task files while the scheduler runs: poll, re-ignite, swap the changed tasks.
//!
//! The scheduler addresses tasks by index (running runs, forced launches, finished-run
//! events from threads), so tasks are never moved or dropped while it runs: a removed or
//! replaced task is *retired* (never launched again; a run in progress is still reaped and
//! logged under its name) and a new or changed one is appended.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::Scheduler;
use crate::ignite::{Mode, Prepared};

/// What the scheduler knows of its task files between polls.
pub(super) struct Reload {
    /// Name → fingerprint of the loaded tasks the scheduler runs now.
    live: HashMap<String, u64>,
    /// When to look at the files again (`None`: at the next turn of the loop).
    next_poll: Option<DateTime<Utc>>,
}

impl Reload {
    pub(super) fn new(live: HashMap<String, u64>) -> Self {
        Reload {
            live,
            next_poll: None,
        }
    }
}

impl Reload {
    /// The task-file tasks running now that `files` (a new plan's) no longer has, sorted:
    /// a change asked through a `SessionHandle` that would drop one is refused.
    pub(super) fn lost(&self, files: &HashMap<String, u64>) -> Vec<String> {
        let mut lost: Vec<String> = self
            .live
            .keys()
            .filter(|name| !files.contains_key(*name))
            .cloned()
            .collect();
        lost.sort();
        lost
    }
}

impl Scheduler<'_> {
    /// When the loop must wake to look at the task files.
    pub(super) fn next_file_poll(&self) -> Option<DateTime<Utc>> {
        self.reload.as_ref().and_then(|r| r.next_poll)
    }

    /// Looks for changed task files if the poll interval has passed (once per turn of the
    /// loop, before `shut_cond`); applies the changes to the running scheduler.
    pub(super) fn poll_task_files(&mut self) {
        // perfspeed: no clock reading per turn of the loop without task files.
        if self.reload.is_none() || self.s.loader.is_none() {
            return;
        }
        let now = self.now();
        let (Some(reload), Some(files)) = (self.reload.as_mut(), self.s.loader.as_mut()) else {
            return;
        };
        if reload.next_poll.is_some_and(|at| now < at) {
            return;
        }
        let every = TimeDelta::from_std(files.poll_interval()).unwrap_or(TimeDelta::MAX);
        reload.next_poll = now.checked_add_signed(every);
        if !files.scan() {
            return;
        }
        let plan = match crate::ignite::ignite(self.s, Mode::Reload) {
            Ok(plan) => plan,
            Err(e) => {
                ::log::error!(
                    target: "redengine::scheduler",
                    "task files changed, but the session no longer passes ignite; keeping the \
                     tasks loaded before: {e}"
                );
                return;
            }
        };
        let before = match self.reload.as_mut() {
            Some(reload) => std::mem::replace(&mut reload.live, plan.files.clone()),
            None => return,
        };
        let after = plan.files;
        let (mut added, mut replaced, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        for (name, fingerprint) in &before {
            if after.get(name) != Some(fingerprint) {
                self.retire(name);
                if !after.contains_key(name) {
                    removed.push(name.clone());
                }
            }
        }
        for task in plan.tasks {
            let Some(fingerprint) = after.get(task.name.as_str()) else {
                continue;
            };
            match before.get(task.name.as_str()) {
                Some(old) if old == fingerprint => continue,
                Some(_) => replaced.push(task.name.to_string()),
                None => added.push(task.name.to_string()),
            }
            self.append(task);
        }
        if added.len() + replaced.len() + removed.len() > 0 {
            ::log::info!(
                target: "redengine::scheduler",
                "task files reloaded: added [{}], replaced [{}], removed [{}]",
                added.join(", "),
                replaced.join(", "),
                removed.join(", ")
            );
            self.dirty = true;
        }
    }

    /// Adds `task` after every task the scheduler has (tasks are never moved: see the
    /// module's doc) and runs its task_init hooks now (pre, then post); returns its index.
    /// Shared by reloads and changes asked through a `SessionHandle`.
    pub(super) fn append(&mut self, task: Prepared) -> usize {
        if !self.s.hooks.task_init.is_empty() {
            let info = task.info().task_info();
            for hook in &self.s.hooks.task_init {
                if let Some(post) = hook(&info) {
                    post(&info);
                }
            }
        }
        self.tasks.push(task);
        self.tasks.len() - 1
    }

    /// Retires the live task `name`: never launched again, its running run still reaped.
    /// Shared by reloads and changes asked through a `SessionHandle`.
    pub(super) fn retire(&mut self, name: &str) {
        let Some(i) = self.tasks.iter().position(|t| t.name == name && !t.retired) else {
            return;
        };
        let task = &mut self.tasks[i];
        task.retired = true;
        task.flags.disabled = true;
        task.flags.force_run = false;
        self.forced.remove(&i);
    }
}
