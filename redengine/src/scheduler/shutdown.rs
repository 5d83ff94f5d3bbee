//! Shutdown (docs/runtime.md, "Shutdown"): stop launching, `on_shutdown` tasks, then wait
//! for running runs (graceful) or terminate them (instant), flush the log.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::runs::Running;
use super::Scheduler;
use crate::error::Result;
use crate::execution::Execution;
use crate::hooks::{scheduler_post, scheduler_pre};
use crate::log::TaskRecord;
use crate::termination::TerminationReason;

/// How long an instant shutdown gives flagged threads (real time) before abandoning them.
const INSTANT_GRACE: Duration = Duration::from_millis(100);

/// How long an instant shutdown waits for terminated process children to be reaped:
/// past the SIGKILL that follows SIGTERM, so no child outlives the scheduler.
#[cfg(unix)]
const PROCESS_GRACE: Duration =
    Duration::from_secs(crate::executor::process::KILL_GRACE.as_secs() + 2);
#[cfg(not(unix))]
const PROCESS_GRACE: Duration = INSTANT_GRACE;

impl Scheduler<'_> {
    /// The shutdown sequence . `fatal`: terminate every run at once.
    pub(super) fn shutdown(&mut self, fatal: bool) -> Result<()> {
        self.s.control.shutdown.store(true, Ordering::SeqCst);
        ::log::info!(
            target: "redengine::scheduler",
            "shutting down after {} cycle{}{}",
            self.cycles,
            if self.cycles == 1 { "" } else { "s" },
            if fatal { " (fatal error: terminating every run)" } else { "" }
        );
        let posts = match scheduler_pre(&self.s.hooks.shutdown, &self.info()) {
            Ok(posts) => posts,
            Err(e) => {
                ::log::error!(target: "redengine::scheduler", "shutdown hook failed: {e}");
                Vec::new()
            }
        };
        let mut result = Ok(());
        if !fatal && self.only.is_none() {
            result = self.special_runs(|t| t.flags.on_shutdown);
        }
        let instant = fatal || result.is_err() || self.s.config.instant_shutdown;
        let drained = if instant {
            self.instant_stop()
        } else {
            self.graceful_stop()
        };
        result = result.and(drained);
        if let Err(e) = self.s.store.sync() {
            result = result.and(Err(e.into()));
        }
        if let Err(e) = scheduler_post(posts, &self.info()) {
            ::log::error!(target: "redengine::scheduler", "shutdown hook failed: {e}");
        }
        result
    }

    /// Keeps reaping and enforcing timeouts/end conditions until no run is alive;
    /// `permanent` runs are asked to stop (reason `shutdown`).
    fn graceful_stop(&mut self) -> Result<()> {
        loop {
            self.reap()?;
            if self.running.is_empty() {
                return Ok(());
            }
            if self.s.control.signals.load(Ordering::SeqCst) >= 2 {
                return self.instant_stop();
            }
            let alive: Vec<usize> = self.running.tasks();
            let mut deadline: Option<DateTime<Utc>> = None;
            for i in alive {
                if self.tasks[i].flags.permanent {
                    for r in self.running.of(i) {
                        r.flag.set(TerminationReason::Shutdown);
                    }
                }
                self.enforce(i)?;
                let Some(limit) = self.tasks[i].timeout else {
                    continue;
                };
                for r in self.running.of(i) {
                    if !r.flag.is_set() {
                        let at = chrono::TimeDelta::from_std(limit).ok().and_then(|l| {
                            r.start
                                .checked_add_signed(l + chrono::TimeDelta::microseconds(1))
                        });
                        deadline = match (deadline, at) {
                            (Some(d), Some(a)) => Some(d.min(a)),
                            (d, a) => d.or(a),
                        };
                    }
                }
            }
            self.alarm.set_in_flight(true);
            self.s.clock.sleep(deadline, &self.alarm);
        }
    }

    /// Flags every run with `shutdown`, gives them a moment, then writes `terminate`
    /// (reason `shutdown`) for those still alive: a thread cannot be killed, and the
    /// process exit ends it.
    fn instant_stop(&mut self) -> Result<()> {
        for (_, r) in self.running.iter() {
            r.flag.set(TerminationReason::Shutdown);
        }
        // Killed children are waited for (SIGKILL follows SIGTERM after the kill grace),
        // so none outlives the scheduler; threads get a moment, then are abandoned.
        let processes = self
            .running
            .iter()
            .any(|(i, _)| self.tasks[i].execution == Execution::Process);
        let grace = if processes {
            PROCESS_GRACE
        } else {
            INSTANT_GRACE
        };
        let until = std::time::Instant::now() + grace;
        while !self.running.is_empty() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() || !self.alarm.wait(Some(left)) {
                break;
            }
            self.reap()?;
        }
        let now = self.now();
        let abandoned: Vec<(usize, Running)> = self.running.drain();
        for (i, r) in abandoned {
            let name = self.tasks[i].name.clone();
            let record =
                TaskRecord::terminate(&name, "shutdown", self.offset(r.start), self.offset(now));
            // Not retried (a shutdown is on purpose), but the attempt is said.
            let record = record.with_attempt(r.attempt, self.tasks[i].retry.attempts(), None);
            self.write(record)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use crate::{Clock, Execution, ManualClock, Session, Task, Zone};

    /// A shutdown requested by a cycle hook is seen at once: the scheduler does not wait
    /// for the next deadline first (the hook's wake-up used to be drained by `reap`).
    #[test]
    fn shutdown_from_a_cycle_hook_does_not_wait_for_the_next_deadline() {
        let start = Utc.with_ymd_and_hms(2024, 1, 3, 12, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let mut session = Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_memory()
            .task(
                Task::builder("later")
                    .start_cond("daily between 20:00 and 21:00")
                    .execution(Execution::Main)
                    .run(|_| ()),
            )
            .on_cycle(|info| {
                info.handle.shutdown();
                Ok(None)
            })
            .build()
            .unwrap();
        session.run().unwrap();
        // Waiting for the deadline would have moved virtual time to 20:00.
        assert_eq!(clock.now(), start);
    }
}
