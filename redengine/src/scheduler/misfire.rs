//! Catch-up after downtime (docs/runtime.md, "Catch-up after downtime"): at start-up,
//! what each task's schedule did while the scheduler was down, and what its misfire
//! policy makes of it.
//!
//! The downtime runs from the latest record of the log (the last instant the log shows
//! the scheduler alive) to start-up. Nothing was written meanwhile, so a start condition's
//! answer across the downtime depends on the clock alone: the scheduler replays it with
//! `next_change`, from one instant at which the value may change to the next, as a
//! scheduler that had stayed up would have seen it (without launching anything).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redengine_conditions::{Action, Context, NextChange, Zone};

use super::resolver::CondResolver;
use super::{never, Scheduler};
use crate::ignite::Prepared;
use crate::misfire::Misfire;

/// At most this many instants are replayed per task: a `secondly` schedule across a long
/// downtime changes at every second, and start-up must not spend minutes on it.
const MAX_STEPS: usize = 100_000;

/// What a start condition did during the downtime that a policy acts on.
enum Missed {
    /// False at start-up, true at this instant of the downtime: a closed occurrence.
    Closed(DateTime<Utc>),
    /// True at start-up, and it turned true (from false) at this instant of the downtime:
    /// an occurrence still open. Only looked for under `skip`.
    Open(DateTime<Utc>),
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
            let Some(missed) = self.missed(task, alive, now) else {
                continue;
            };
            let zone = task.zone;
            // Owned, so that `hold` below may borrow the scheduler mutably (a misfire is
            // rare: one copy of a name and a condition handle per skipped task).
            let (name, cond) = (task.name.clone(), Arc::clone(&task.start));
            let misfire = task.misfire;
            let shown = |t: DateTime<Utc>| wall_clock(t, zone);
            let span = format!(
                "while the scheduler was down ({} to {})",
                shown(alive),
                shown(now)
            );
            match (misfire, missed) {
                (Misfire::RunOnce, Missed::Closed(at)) => {
                    ::log::info!(
                        target: "redengine::scheduler",
                        "task '{name}': start_cond `{cond}` was true at {} {span}; \
                         misfire = run_once: it runs once now",
                        shown(at)
                    );
                    self.forced.insert(i);
                }
                (_, Missed::Closed(at)) => {
                    ::log::info!(
                        target: "redengine::scheduler",
                        "task '{name}': skipped: start_cond `{cond}` was true at {} {span} \
                         and is false now; misfire = {}: a missed occurrence that has closed \
                         does not run (misfire = run_once would run it once)",
                        shown(at),
                        misfire
                    );
                }
                (_, Missed::Open(turned)) => {
                    let until = self.hold(i, now);
                    let next = match until {
                        Some(u) => format!("its start_cond is next asked at {}", shown(u)),
                        // Only custom conditions or events can move it: nothing to wait for.
                        None => "it cannot tell when that occurrence ends, so it runs".into(),
                    };
                    ::log::info!(
                        target: "redengine::scheduler",
                        "task '{name}': skipped: start_cond `{cond}` turned true at {} \
                         {span}; misfire = skip: it does not run for that occurrence; {next}",
                        shown(turned)
                    );
                    self.tasks[i].hold_until = until.into();
                }
            }
        }
    }

    /// What `task`'s start condition did during the downtime that its policy acts on;
    /// `None` when nothing (or when it cannot be replayed: it changes at every cycle, or
    /// its check fails). Only as much of the downtime is replayed as the answer needs: a
    /// task whose condition is true at start-up is looked at only under `skip`.
    fn missed(&self, task: &Prepared, alive: DateTime<Utc>, now: DateTime<Utc>) -> Option<Missed> {
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let at = |t: DateTime<Utc>| self.context(t, task.zone, &resolver).with_owner(&task.name);
        let value = |t: DateTime<Utc>| task.start.evaluate(&at(t)).ok();
        let open = value(now)?;
        if open && task.misfire != Misfire::Skip {
            // Runs now as any cycle would run it, whatever happened while down.
            return None;
        }
        let mut before = value(alive)?;
        let mut t = alive;
        for _ in 0..MAX_STEPS {
            let next = match task.start.next_change(&at(t)) {
                NextChange::At(next) if next > t && next < now => next,
                NextChange::NextCycle if t == alive => return None,
                // No more change before start-up: if it is true now and was false at the
                // last step, it turned true at start-up itself, which is no misfire.
                _ => return None,
            };
            t = next;
            let v = value(t)?;
            match (open, before, v) {
                (false, _, true) => return Some(Missed::Closed(t)),
                (true, false, true) => return Some(Missed::Open(t)),
                _ => before = v,
            }
        }
        ::log::warn!(
            target: "redengine::scheduler",
            "task '{}': start_cond `{}` changes more than {MAX_STEPS} times in the downtime; \
             only the first {MAX_STEPS} changes were looked at for its misfire policy",
            task.name,
            task.start
        );
        None
    }

    /// When a `skip`ped task may launch again: the next change of its start condition as
    /// if it had started and succeeded at `now`. `None` when only an event can change it.
    /// The what-if copies only this task's records (it used to copy the whole history,
    /// once per skipped task: seconds at start-up on a long log with many such tasks).
    fn hold(&mut self, i: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let task = &self.tasks[i];
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let ran = [(Action::Run, now), (Action::Success, now)];
        self.history.with_records(&task.name, &ran, |history| {
            let ctx = Context::new(now, task.zone, history)
                .with_resolver(&resolver)
                .with_owner(&task.name);
            match task.start.next_change(&ctx) {
                NextChange::At(at) => Some(at),
                NextChange::NextCycle | NextChange::OnEvent => None,
            }
        })
    }
}

/// `2024-01-01 10:00:00 Europe/Helsinki (UTC+02:00)`: an instant as the task's own zone
/// reads it, the zone its conditions are written in. Zones with clock changes carry the
/// offset, which tells the two readings of a repeated hour apart.
fn wall_clock(t: DateTime<Utc>, zone: Zone) -> String {
    let local = zone.to_local(t).format("%Y-%m-%d %H:%M:%S");
    match zone {
        Zone::Utc | Zone::Fixed(_) => format!("{local} {zone}"),
        _ => format!("{local} {zone} (UTC{})", zone.offset_at(t)),
    }
}
