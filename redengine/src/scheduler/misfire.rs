//! Catch-up after downtime (docs/runtime.md, "Catch-up after downtime"): at start-up,
//! what each task's schedule did while the scheduler was down, and what its misfire
//! policy makes of it.
//!
//! The downtime runs from the latest record of the log (the last instant the log shows
//! the scheduler alive) to start-up. Nothing was written meanwhile, so a start condition's
//! answer across the downtime depends on the clock alone: the scheduler replays it with
//! `next_change`, from one instant at which the value may change to the next, as a
//! scheduler that had stayed up would have seen it (without launching anything).

use chrono::{DateTime, Utc};
use redengine_conditions::{Action, Context, History, NextChange};

use super::resolver::CondResolver;
use super::{never, Scheduler};
use crate::ignite::Prepared;
use crate::misfire::Misfire;

/// At most this many instants are replayed per task: a `secondly` schedule across a long
/// downtime changes at every second, and start-up must not spend minutes on it.
const MAX_STEPS: usize = 100_000;

/// A start condition's value over the downtime.
struct Replay {
    /// True at the last instant the scheduler was alive.
    at_alive: bool,
    /// True at start-up.
    at_startup: bool,
    /// The first instant of the downtime at which it was true (if it was).
    first_true: Option<DateTime<Utc>>,
    /// The first instant of the downtime at which it was false (if it was).
    first_false: Option<DateTime<Utc>>,
}

impl Scheduler<'_> {
    /// Applies every task's misfire policy for the downtime from `alive` to `now`.
    pub(super) fn misfires(&mut self, alive: DateTime<Utc>, now: DateTime<Utc>) {
        if alive >= now || self.only.is_some() {
            return;
        }
        for i in 0..self.tasks.len() {
            let task = &self.tasks[i];
            let f = task.flags;
            if f.disabled || f.on_startup || f.on_shutdown || never(&task.start) {
                continue;
            }
            let Some(replay) = self.replay(task, alive, now) else {
                continue;
            };
            let span = format!("while the scheduler was down ({alive} to {now})");
            let (name, cond) = (task.name.as_str(), &task.start);
            match (task.misfire, replay.at_startup, replay.first_true) {
                (Misfire::RunOnce, false, Some(at)) => {
                    ::log::info!(
                        target: "redengine::scheduler",
                        "task '{name}': start_cond `{cond}` was true at {at} {span}; \
                         misfire = run_once: it runs once now"
                    );
                    self.forced.insert(i);
                }
                (_, false, Some(at)) => {
                    ::log::info!(
                        target: "redengine::scheduler",
                        "task '{name}': skipped: start_cond `{cond}` was true at {at} {span} \
                         and is false now; misfire = {}: a missed occurrence that has closed \
                         does not run (misfire = run_once would run it once)",
                        task.misfire
                    );
                }
                (Misfire::Skip, true, _) if !replay.at_alive || replay.first_false.is_some() => {
                    let turned = replay.first_true.unwrap_or(now);
                    let until = self.hold(task, now);
                    let next = match until {
                        Some(u) => format!("its start_cond is next asked at {u}"),
                        // Only custom conditions or events can move it: nothing to wait for.
                        None => "it cannot tell when that occurrence ends, so it runs".into(),
                    };
                    ::log::info!(
                        target: "redengine::scheduler",
                        "task '{name}': skipped: start_cond `{cond}` turned true at {turned} \
                         {span}; misfire = skip: it does not run for that occurrence; {next}"
                    );
                    self.tasks[i].hold_until = until;
                }
                _ => {}
            }
        }
    }

    /// The start condition of `task` across the downtime; `None` when it cannot be
    /// replayed (it changes at every cycle, or its check fails).
    fn replay(&self, task: &Prepared, alive: DateTime<Utc>, now: DateTime<Utc>) -> Option<Replay> {
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let at = |t: DateTime<Utc>| self.context(t, task.zone, &resolver).with_owner(&task.name);
        let value = |ctx: &Context<'_>| task.start.evaluate(ctx).ok();
        let mut replay = Replay {
            at_alive: value(&at(alive))?,
            at_startup: value(&at(now))?,
            first_true: None,
            first_false: None,
        };
        let mut t = alive;
        for _ in 0..MAX_STEPS {
            let next = match task.start.next_change(&at(t)) {
                NextChange::At(next) if next > t && next < now => next,
                NextChange::NextCycle if t == alive => return None,
                _ => return Some(replay),
            };
            t = next;
            match value(&at(t))? {
                true => replay.first_true = replay.first_true.or(Some(t)),
                false => replay.first_false = replay.first_false.or(Some(t)),
            }
            if replay.first_true.is_some() && replay.first_false.is_some() {
                return Some(replay);
            }
        }
        ::log::warn!(
            target: "redengine::scheduler",
            "task '{}': start_cond `{}` changes more than {MAX_STEPS} times in the downtime; \
             only the first {MAX_STEPS} changes were looked at for its misfire policy",
            task.name,
            task.start
        );
        Some(replay)
    }

    /// When a `skip`ped task may launch again: the next change of its start condition as
    /// if it had started and succeeded at `now`. `None` when only an event can change it.
    fn hold(&self, task: &Prepared, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut history: History = self.history.clone();
        history.insert(&task.name, Action::Run, now);
        history.insert(&task.name, Action::Success, now);
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let ctx = Context::new(now, task.zone, &history)
            .with_resolver(&resolver)
            .with_owner(&task.name);
        match task.start.next_change(&ctx) {
            NextChange::At(at) => Some(at),
            NextChange::NextCycle | NextChange::OnEvent => None,
        }
    }
}
