//! Start-up (docs/runtime.md, "Start-up"): read the log, restore status, close
//! unfinished runs with `crash`, startup hooks and `on_startup` tasks.

use chrono::{DateTime, Utc};
use redengine_conditions::Condition;

use super::retries::Trails;
use super::Scheduler;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{scheduler_post, scheduler_pre};
use crate::ignite::Prepared;
use crate::log::Retention;

impl Scheduler<'_> {
    /// Start-up steps after ignite.
    pub(super) fn startup(&mut self) -> Result<()> {
        // Only who, what and when of each record: the text of a long log is never held.
        // First-seen order for the crash records.
        // retries: each task's trail (open runs, waiting retries); the history gets
        // what conditions see.
        let mut trails = Trails::default();
        let mut latest: Option<DateTime<Utc>> = None;
        let history = &mut self.history;
        let count = self.s.store.load_heads(&mut |r| {
            let created = r.created.with_timezone(&Utc);
            latest = Some(latest.map_or(created, |l| l.max(created)));
            if r.counts_for_conditions() {
                history.insert(r.task_name, r.action, created);
            }
            trails.follow(&r);
        })?;
        self.restore_returns()?;
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
        self.restore_runs(trails, now)?;
        self.apply_retention()?;
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

    // --- store: return values restored at start-up ---

    /// Gives each task the value of its last successful run kept by the store (SQLite),
    /// so `Return("task")` answers after a restart as it did before. A value this process
    /// already holds (a `recall` restart) is the same one and is kept. A store that keeps
    /// no values ([`LogStore::keeps_values`](crate::LogStore::keeps_values)) is not asked.
    fn restore_returns(&mut self) -> Result<()> {
        // perf (start-up): a store that keeps no values (the CSV log, the default) has
        // none to give back: the tasks are not looked at (each one's return type is a
        // call through its body), with 1,000 tasks at every launch.
        if !self.s.store.keeps_values() {
            return Ok(());
        }
        // Only tasks whose values can be decoded, and that do not hold one already.
        let wanted: Vec<&str> = self
            .tasks
            .iter()
            .filter(|t| {
                t.returns().codec().is_some() && !self.s.returns.contains_key(t.name.as_str())
            })
            .map(|t| t.name.as_str())
            .collect();
        for (task, json) in self.s.store.load_values(&wanted)? {
            let Some(prepared) = self.tasks.iter().find(|t| t.name == task) else {
                continue;
            };
            if let Some(value) = crate::returns::restore_value(&task, &prepared.returns(), &json) {
                self.s.returns.insert(task, value);
            }
        }
        Ok(())
    }

    // --- store: retention ---

    /// With a `log_retention`: drops the records older than it from the history and the
    /// store (the latest of each task and action stays, see `Retention`). Run at start-up
    /// and every 1,000 records written.
    pub(super) fn apply_retention(&mut self) -> Result<()> {
        let Some(retention) = self.s.config.log_retention else {
            return Ok(());
        };
        let cutoff = match retention {
            Retention::Age(age) => chrono::Duration::from_std(age)
                .ok()
                .and_then(|age| self.now().checked_sub_signed(age)),
            Retention::Records(n) => self
                .history
                .nth_newest(usize::try_from(n).unwrap_or(usize::MAX)),
        };
        let Some(cutoff) = cutoff else {
            return Ok(());
        };
        self.history.prune_before(cutoff);
        let gone = self.s.store.prune(cutoff)?;
        if gone > 0 {
            ::log::debug!(
                target: "redengine::scheduler",
                "retention: {gone} record{} before {cutoff} left the {}",
                if gone == 1 { "" } else { "s" },
                self.s.store.describe()
            );
        }
        Ok(())
    }

    /// Launches `on_startup`/`on_shutdown` tasks in check order: forced when their
    /// `start_cond` is the default `false` and they are not disabled, else by condition.
    pub(super) fn special_runs(&mut self, pick: impl Fn(&Prepared) -> bool) -> Result<()> {
        for i in 0..self.tasks.len() {
            let task = &self.tasks[i];
            if !pick(task) || self.running.contains_key(&i) {
                continue;
            }
            let go = if matches!(*task.start, Condition::False) {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use crate::log::{LogError, LogStore, MemoryLog, TaskRecord};
    use crate::{Execution, ManualClock, Session, Task};

    /// A memory log that says whether it keeps values and counts the `load_values` calls.
    struct Counted {
        log: MemoryLog,
        keeps: bool,
        asked: Arc<AtomicUsize>,
    }

    impl LogStore for Counted {
        fn load(&mut self) -> Result<Vec<TaskRecord>, LogError> {
            self.log.load()
        }

        fn append(&mut self, record: &TaskRecord) -> Result<(), LogError> {
            self.log.append(record)
        }

        fn sync(&mut self) -> Result<(), LogError> {
            self.log.sync()
        }

        fn describe(&self) -> String {
            self.log.describe()
        }

        fn keeps_values(&self) -> bool {
            self.keeps
        }

        fn load_values(&mut self, tasks: &[&str]) -> Result<Vec<(String, String)>, LogError> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            self.log.load_values(tasks)
        }
    }

    /// How many times start-up asked a store that keeps values (or not) for them.
    fn asked(keeps: bool) -> usize {
        let asked = Arc::new(AtomicUsize::new(0));
        let store = Counted {
            log: MemoryLog::new(),
            keeps,
            asked: Arc::clone(&asked),
        };
        let mut session = Session::builder()
            .clock(ManualClock::new(
                Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap(),
            ))
            .log_store(store)
            .task_execution(Execution::Main)
            .task(Task::builder("a").run_serde(|_| 7_u32))
            .on_cycle(|info| {
                info.handle.shutdown();
                Ok(None)
            })
            .build()
            .unwrap();
        session.run().unwrap();
        asked.load(Ordering::SeqCst)
    }

    #[test]
    fn only_a_store_that_keeps_values_is_asked_for_them() {
        assert_eq!(asked(true), 1);
        assert_eq!(asked(false), 0);
    }
}
