//! Between cycles: sleep until the earliest instant any condition can change, a run
//! ends or a request arrives — never spin (docs/runtime.md, "How the loop waits").

use std::sync::atomic::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use redengine_conditions::{Condition, NextChange};

use super::resolver::CondResolver;
use super::{never, Scheduler};
use crate::ignite::Prepared;

/// Folds one condition's next change into the earliest instant so far; false means
/// "re-check next cycle". The flag says the cycle acts when the condition is true
/// (`shut_cond`, a running task's `end_cond`): see [`Scheduler::next_deadline`].
type Fold<'a> =
    dyn Fn(&mut Option<DateTime<Utc>>, &Condition, Option<&Prepared>, bool) -> bool + 'a;

/// perfspeed: the loop's timed waits end within 1 µs of their deadline. By default the
/// kernel may end a wait up to 50 µs late (the thread's timer slack) to batch wake-ups; the
/// loop sleeps until a task is due, so that slack would be the task's delay. Set at the
/// loop's first sleep, once per thread; [`restore_timers`] gives the thread its own slack
/// back when the loop ends, so the program's other waits on the thread are not changed.
#[derive(Clone, Copy)]
enum Slack {
    /// Not looked at yet on this thread.
    Unknown,
    /// Already 1 µs or less, or it cannot be changed: left alone.
    Kept,
    /// Set to 1 µs; the thread's own, to restore.
    Changed(std::ffi::c_ulong),
}

thread_local! {
    static SLACK: std::cell::Cell<Slack> = const { std::cell::Cell::new(Slack::Unknown) };
}

/// The calling thread's timed waits from now on end within 1 µs of their deadline.
fn precise_timers() {
    #[cfg(target_os = "linux")]
    SLACK.with(|slack| {
        if let Slack::Unknown = slack.get() {
            use nix::sys::prctl;
            let own = prctl::get_timerslack()
                .ok()
                .and_then(|ns| std::ffi::c_ulong::try_from(ns).ok())
                .filter(|ns| *ns > 1_000 && prctl::set_timerslack(1_000).is_ok());
            slack.set(own.map_or(Slack::Kept, Slack::Changed));
        }
    });
}

/// The loop ended: the thread gets its own timer slack back.
pub(super) fn restore_timers() {
    SLACK.with(|slack| {
        if let Slack::Changed(ns) = slack.replace(Slack::Unknown) {
            #[cfg(target_os = "linux")]
            let _ = nix::sys::prctl::set_timerslack(ns);
            #[cfg(not(target_os = "linux"))]
            let _ = ns;
        }
    });
}

/// Lowers `best` to `at` if `at` is earlier.
fn earliest(best: &mut Option<DateTime<Utc>>, at: DateTime<Utc>) {
    *best = Some(best.map_or(at, |b| b.min(at)));
}

impl Scheduler<'_> {
    /// Blocks until the next cycle is due: after `cycle_sleep` if set, else at the next
    /// possible change.
    /// At most `cap` (cluster: a leader's heartbeat is due).
    pub(super) fn wait_at_most(&mut self, cap: Option<std::time::Duration>) {
        let cap = cap.and_then(|c| TimeDelta::from_std(c).ok());
        self.alarm.set_in_flight(!self.running.is_empty());
        // perfspeed: a busy loop goes round again without reading the clock.
        let cycle_sleep = self.s.config.cycle_sleep;
        if cycle_sleep.is_none() && (self.dirty || !self.forced.is_empty()) {
            return;
        }
        let now = self.now();
        if let Some(pause) = cycle_sleep {
            let until = TimeDelta::from_std(pause)
                .ok()
                .and_then(|p| now.checked_add_signed(p));
            self.s.clock.sleep(until, &self.alarm);
            return;
        }
        if self.dirty || !self.forced.is_empty() {
            return;
        }
        let Some(deadline) = self.next_deadline(now) else {
            return;
        };
        let deadline = match (deadline, cap.and_then(|c| now.checked_add_signed(c))) {
            (Some(d), Some(c)) => Some(d.min(c)),
            (d, c) => d.or(c),
        };
        if self.alarm.rang() {
            return;
        }
        let floor = now + TimeDelta::microseconds(1);
        if deadline.is_some() {
            precise_timers();
        }
        self.s
            .clock
            .sleep(deadline.map(|d| d.max(floor)), &self.alarm);
    }

    /// `None`: re-check at once. `Some(None)`: only an event can change anything.
    /// `Some(Some(t))`: nothing changes before `t`.
    fn next_deadline(&self, now: DateTime<Utc>) -> Option<Option<DateTime<Utc>>> {
        let mut best: Option<DateTime<Utc>> = None;
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let base = self.context(now, self.s.zone, &resolver);
        let launching = !self.s.control.on_hold.load(Ordering::SeqCst);
        let poll = TimeDelta::from_std(self.s.config.custom_poll)
            .ok()
            .and_then(|p| now.checked_add_signed(p));
        // Folds one condition's next change into `best`; false means "re-check next cycle".
        // A custom condition can change at any moment without telling anyone, so it is
        // polled every `custom_poll` instead of spinning; only conditions that depend on
        // the cycle count itself ask for the next cycle at once.
        //
        // `acts`: the cycle acts when this condition is true (`shut_cond`, a running task's
        // `end_cond`). The cycle checked it at an earlier reading, and it may have turned
        // true since: from `now` its next change can be far off (midnight, for `time of
        // day after 17:00`), so one true now asks for the next cycle at once instead of
        // waiting for that change. An evaluation error is the cycle's to report.
        let changes = |best: &mut Option<DateTime<Utc>>,
                       cond: &Condition,
                       owner: Option<&Prepared>,
                       acts: bool| {
            if never(cond) {
                return true;
            }
            // zones: a task's conditions change on its own zone's wall clock.
            let ctx = match owner {
                Some(o) if o.zone != self.s.zone => {
                    self.context(now, o.zone, &resolver).with_owner(&o.name)
                }
                Some(o) => base.with_owner(&o.name),
                None => base,
            };
            if acts && cond.evaluate(&ctx).unwrap_or(false) {
                return false;
            }
            match cond.next_change(&ctx) {
                NextChange::At(at) => {
                    earliest(best, at);
                    true
                }
                NextChange::OnEvent => true,
                NextChange::NextCycle => match poll {
                    Some(at) if !cond.custom_names().is_empty() => {
                        earliest(best, at);
                        true
                    }
                    _ => false,
                },
            }
        };
        if self.agenda.current() {
            // Only the runs in flight, the pending tasks and the earliest deadline of the
            // quiet ones: a quiet task's next change is the deadline it was queued with.
            let mut running = self.running.tasks();
            running.sort_unstable();
            for i in running {
                let task = &self.tasks[i];
                for run in self.running.of(i) {
                    if !run.flag.is_set() {
                        if let Some(limit) = task.timeout.and_then(|t| TimeDelta::from_std(t).ok())
                        {
                            let tick = limit + TimeDelta::microseconds(1);
                            if let Some(at) = run.start.checked_add_signed(tick) {
                                earliest(&mut best, at);
                            }
                        }
                        if !changes(&mut best, &task.end, Some(task), true) {
                            return None;
                        }
                    }
                }
            }
            let eligible = |i: usize| {
                let task = &self.tasks[i];
                let instances = usize::try_from(task.max_instances).unwrap_or(usize::MAX);
                self.running.count(i) < instances
                    && !task.flags.on_startup
                    && !task.flags.on_shutdown
                    && !task.flags.disabled
            };
            for i in self.agenda.pending() {
                let task = &self.tasks[i];
                if let Some(retry) = self.retries.next(&task.name) {
                    if launching && !task.retired && retry.due > now {
                        earliest(&mut best, retry.due);
                    }
                } else if launching
                    && eligible(i)
                    && !changes(&mut best, &task.start, Some(task), false)
                {
                    return None;
                }
            }
            if launching {
                let quiet = self.agenda.deadlines().find(|&(_, i)| {
                    self.retries.next(&self.tasks[i].name).is_none() && eligible(i)
                });
                if let Some((at, _)) = quiet {
                    earliest(&mut best, at);
                }
            }
            for &i in self.agenda.held() {
                if let Some(until) = self.tasks[i].hold_until.filter(|until| *until > now) {
                    earliest(&mut best, until);
                }
            }
            return self.last_deadlines(best, &changes);
        }
        for (i, task) in self.tasks.iter().enumerate() {
            for run in self.running.of(i) {
                if !run.flag.is_set() {
                    if let Some(limit) = task.timeout.and_then(|t| TimeDelta::from_std(t).ok()) {
                        let tick = limit + TimeDelta::microseconds(1);
                        if let Some(at) = run.start.checked_add_signed(tick) {
                            earliest(&mut best, at);
                        }
                    }
                    if !changes(&mut best, &task.end, Some(task), true) {
                        return None;
                    }
                }
            }
            // retries: a waiting retry is due at its time, whatever the start condition
            // says; a task at its `max_instances` launches nothing.
            let instances = usize::try_from(task.max_instances).unwrap_or(usize::MAX);
            if let Some(retry) = self.retries.next(&task.name) {
                // One already due and still waiting after the cycle is held by a limit
                // (instances, process slots): a run's end wakes the loop.
                if launching && !task.retired && retry.due > now {
                    earliest(&mut best, retry.due);
                }
            } else if self.running.count(i) < instances
                && launching
                && !task.flags.on_startup
                && !task.flags.on_shutdown
                && !task.flags.disabled
                && !changes(&mut best, &task.start, Some(task), false)
            {
                return None;
            }
            // zones: a start condition held by the `skip` misfire policy is asked again
            // when its hold ends.
            if let Some(until) = task.hold_until.filter(|until| *until > now) {
                earliest(&mut best, until);
            }
        }
        self.last_deadlines(best, &changes)
    }

    /// `shut_cond` and the next task-file poll, folded into `best`.
    fn last_deadlines(
        &self,
        mut best: Option<DateTime<Utc>>,
        changes: &Fold<'_>,
    ) -> Option<Option<DateTime<Utc>>> {
        if !changes(&mut best, &self.shut, None, true) {
            return None;
        }
        if let Some(at) = self.next_file_poll() {
            earliest(&mut best, at);
        }
        Some(best)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use nix::sys::prctl::get_timerslack;

    use super::{precise_timers, restore_timers};

    #[test]
    fn the_loop_sleeps_precisely_and_gives_the_thread_its_slack_back() {
        // A fresh thread has the default slack (50 µs), whatever the test harness did.
        std::thread::spawn(|| {
            let own = get_timerslack().unwrap();
            precise_timers();
            assert_eq!(get_timerslack().unwrap(), own.min(1_000));
            precise_timers();
            restore_timers();
            assert_eq!(get_timerslack().unwrap(), own);
        })
        .join()
        .unwrap();
    }
}
