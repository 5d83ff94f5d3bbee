//! Start-up (docs/runtime.md, "Start-up"): read the log, restore status, close
//! unfinished runs with `crash`, startup hooks and `on_startup` tasks.

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
        // Only who, what and when of each record: the text of a long log is never held.
        // First-seen order for the crash records.
        let mut names: Vec<Box<str>> = Vec::new();
        let mut latest: Option<DateTime<Utc>> = None;
        let history = &mut self.history;
        let count = self.s.store.load_heads(&mut |r| {
            let created = r.created.with_timezone(&Utc);
            latest = Some(latest.map_or(created, |l| l.max(created)));
            if history.insert(r.task_name, r.action, created) {
                names.push(r.task_name.into());
            }
        })?;
        ::log::info!(
            target: "redengine::scheduler",
            "starting: {} task{}, {} record{} read from the {}",
            self.tasks.len(),
            if self.tasks.len() == 1 { "" } else { "s" },
            count,
            if count == 1 { "" } else { "s" },
            self.s.store.describe()
        );
        let clock = self.s.clock.now();
        if let Some(latest) = latest {
            if latest > clock {
                ::log::warn!(
                    target: "redengine::scheduler",
                    "the log holds records dated after the clock's time ({latest} > {clock}): the \
                     clock went back, or the log came from another machine; the scheduler holds \
                     its time at {latest} until the clock reaches it, so those runs count as \
                     finished"
                );
                self.held.set(true);
            }
            self.saw(latest);
        }
        let now = self.now();
        // zones: the misfire policies see the log as the downtime left it, before the
        // crash records below.
        if let Some(latest) = latest {
            self.misfires(latest, now);
        }
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
                self.check(&task.start, Some(task), "start_cond")?
            };
            if go {
                self.launch(i)?;
            }
        }
        Ok(())
    }
}
