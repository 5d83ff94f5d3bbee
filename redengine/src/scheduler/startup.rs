//! Start-up (docs/runtime.md, "Start-up"): read the log, restore status, close
//! unfinished runs with `crash`, startup hooks and `on_startup` tasks.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use redengine_conditions::Condition;

use super::Scheduler;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{scheduler_post, scheduler_pre};
use crate::ignite::Prepared;
use crate::log::{Action, TaskRecord};

impl Scheduler<'_> {
    /// Start-up steps after ignite.
    pub(super) fn startup(&mut self) -> Result<()> {
        let records = self.s.store.load()?;
        ::log::info!(
            target: "redengine::scheduler",
            "starting: {} task{}, {} record{} read from the {}",
            self.tasks.len(),
            if self.tasks.len() == 1 { "" } else { "s" },
            records.len(),
            if records.len() == 1 { "" } else { "s" },
            self.s.store.describe()
        );
        // First-seen order for the crash records; the set keeps reading the log O(records).
        let mut names: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for r in &records {
            if seen.insert(&r.task_name) {
                names.push(&r.task_name);
            }
            self.history
                .push(&r.task_name, r.action, r.created.with_timezone(&Utc));
        }
        let now = self.s.clock.now();
        let unfinished: Vec<(String, DateTime<Utc>)> = names
            .iter()
            .filter_map(|n| match self.history.last_record(n) {
                Some((Action::Run, at)) => Some((n.to_string(), at)),
                _ => None,
            })
            .collect();
        for (name, at) in unfinished {
            self.write(TaskRecord::crash(&name, self.offset(at), self.offset(now)))?;
        }
        self.cycles = 0;
        self.started = now;
        let posts = scheduler_pre(&self.s.hooks.startup, &self.info())
            .map_err(|e| Error::new(ErrorKind::Hook(format!("startup hook: {e}"))))?;
        if self.only.is_none() {
            self.special_runs(|t| t.flags.on_startup)?;
        }
        scheduler_post(posts, &self.info())
            .map_err(|e| Error::new(ErrorKind::Hook(format!("startup hook: {e}"))))
    }

    /// Launches `on_startup`/`on_shutdown` tasks in check order: forced when their
    /// `start_cond` is the default `false` and they are not disabled, else by condition.
    pub(super) fn special_runs(&mut self, pick: impl Fn(&Prepared) -> bool) -> Result<()> {
        for i in 0..self.tasks.len() {
            let task = &self.tasks[i];
            if !pick(task) || self.running.contains_key(&i) {
                continue;
            }
            let go = if matches!(task.start, Condition::False) {
                !task.flags.disabled
            } else {
                self.check(&task.start, Some(&task.name), "start_cond")?
            };
            if go {
                self.launch(i)?;
            }
        }
        Ok(())
    }
}
