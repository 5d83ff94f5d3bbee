//! When can a condition's value change next? (`Condition::next_change`)
//!
//! The scheduler sleeps until the earliest such instant over all its conditions, or until
//! a task event arrives, instead of polling on a fixed interval. Every answer
//! is conservative: the value cannot change strictly before it without a new log record
//! or parameter change, and an `At` instant is always strictly after `now`.

use chrono::{DateTime, Utc};

use crate::ast::{Condition, HasWindow};
use crate::history::{instant, micros, Action};

use super::period::{locate, next_occurrence, Located};
use super::records::{duration_micros, state_actions, FINISH};
use super::task::has_task;
use super::{cron, Context};
use crate::ast::Period;

/// The earliest moment a condition's value may change with no new log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextChange {
    /// At this instant (strictly after `now`) the value may change: a window opens or
    /// closes, a cron minute starts, an `every` or `in past` duration expires.
    At(DateTime<Utc>),
    /// Re-check at the next cycle: cycle counts and custom conditions change without
    /// warning (and an evaluation error is retried).
    NextCycle,
    /// Only a new log record or a parameter change can change the value.
    OnEvent,
}

impl NextChange {
    /// The sooner of two answers: `NextCycle` before any instant, any instant before
    /// `OnEvent`.
    pub fn earliest(self, other: NextChange) -> NextChange {
        match (self, other) {
            (NextChange::NextCycle, _) | (_, NextChange::NextCycle) => NextChange::NextCycle,
            (NextChange::At(a), NextChange::At(b)) => NextChange::At(a.min(b)),
            (NextChange::At(a), NextChange::OnEvent) | (NextChange::OnEvent, NextChange::At(a)) => {
                NextChange::At(a)
            }
            (NextChange::OnEvent, NextChange::OnEvent) => NextChange::OnEvent,
        }
    }

    /// The instant, for `At`.
    pub fn instant(self) -> Option<DateTime<Utc>> {
        match self {
            NextChange::At(at) => Some(at),
            _ => None,
        }
    }
}

/// `At(t)` if `t` is after `now` (guards saturated arithmetic), else `NextCycle`.
fn at(t: i64, now: i64) -> NextChange {
    if t > now {
        NextChange::At(instant(t))
    } else {
        NextChange::NextCycle
    }
}

/// `At(t)` for an optional instant, `OnEvent` when there is none.
fn at_or_event(t: Option<i64>, now: i64) -> NextChange {
    t.map_or(NextChange::OnEvent, |t| at(t, now))
}

impl Condition {
    /// The earliest instant strictly after `ctx.now()` at which the value can change with
    /// no new log record (window edges, cron minutes, `every`/`in past` expiry,
    /// `scheduler started D ago` expiry).
    ///
    /// `&`, `|` and `~` combine their operands conservatively: the earliest of them. A
    /// phrase that cannot be evaluated (no owner, no scheduler) answers `NextCycle`, so the
    /// error surfaces at the next evaluation.
    pub fn next_change(&self, ctx: &Context<'_>) -> NextChange {
        let now = ctx.now;
        let history = ctx.history();
        match self {
            Condition::True
            | Condition::False
            | Condition::After(_)
            | Condition::IsRunning(_)
            | Condition::Env(_)
            | Condition::ParamExists(_)
            | Condition::ParamIs { .. } => NextChange::OnEvent,
            Condition::Not(inner) => inner.next_change(ctx),
            Condition::All(items) | Condition::Any(items) => {
                items.iter().fold(NextChange::OnEvent, |soonest, item| {
                    soonest.earliest(item.next_change(ctx))
                })
            }
            Condition::Periodic(period) => match ctx.owner() {
                Some(owner) => periodic(period, ctx, owner),
                None => NextChange::NextCycle,
            },
            Condition::Every(duration) => match ctx.owner() {
                Some(owner) => expiry(ctx, owner, FINISH, duration_micros(*duration)),
                None => NextChange::NextCycle,
            },
            Condition::Cron(schedule) => {
                let Some(owner) = ctx.owner() else {
                    return NextChange::NextCycle;
                };
                if let Some(start) = cron::current_minute(schedule, ctx) {
                    if !history.any_in(owner, &[Action::Run], start, now) {
                        let run = history.first_after(owner, &[Action::Run], now);
                        let end = start.saturating_add(cron::unit(schedule));
                        return at(run.map_or(end, |run| run.min(end)), now);
                    }
                }
                at_or_event(cron::next_fire(schedule, ctx), now)
            }
            Condition::Has(has) => {
                let Ok(task) = has_task(self, &has.task, ctx) else {
                    return NextChange::NextCycle;
                };
                let actions = state_actions(has.state);
                match &has.when {
                    HasWindow::Ever => NextChange::OnEvent,
                    HasWindow::Past(duration) => {
                        expiry(ctx, task, actions, duration_micros(*duration))
                    }
                    HasWindow::Period(period) => has_period(period, ctx, task, actions),
                }
            }
            Condition::HasCount(has) => {
                let Ok(task) = has_task(self, &has.task, ctx) else {
                    return NextChange::NextCycle;
                };
                let actions = state_actions(has.state);
                match &has.when {
                    HasWindow::Ever => NextChange::OnEvent,
                    HasWindow::Past(duration) => {
                        count_expiry(ctx, task, actions, duration_micros(*duration))
                    }
                    HasWindow::Period(period) => has_period(period, ctx, task, actions),
                }
            }
            Condition::TimeOf(period) => {
                let located = locate(period, ctx.zone, ctx.wall, now);
                window_edge(&located, period, ctx)
            }
            Condition::SchedulerCycles { .. } | Condition::Custom(_) => NextChange::NextCycle,
            Condition::SchedulerStartedWithin(duration) | Condition::SchedulerRunOver(duration) => {
                let Some(state) = ctx.scheduler() else {
                    return NextChange::NextCycle;
                };
                let started = micros(state.started);
                if started > now {
                    at(started, now)
                } else {
                    let end = started.saturating_add(duration_micros(*duration));
                    if end >= now {
                        at(end.saturating_add(1), now)
                    } else {
                        NextChange::OnEvent
                    }
                }
            }
        }
    }
}

/// `has S P [W]` and its count: the records in the current occurrence change when the
/// next occurrence starts, or when a record dated after now (a clock set back) inside the
/// current occurrence is reached.
fn has_period(period: &Period, ctx: &Context<'_>, task: &str, actions: &[Action]) -> NextChange {
    let now = ctx.now;
    let located = locate(period, ctx.zone, ctx.wall, now);
    let next = next_start(period, ctx);
    let record = match located.latest {
        Some(occ) if occ.end > now => ctx
            .history()
            .first_after(task, actions, now)
            .filter(|&t| t <= occ.end),
        _ => None,
    };
    at_or_event(min_opt(next, record), now)
}

/// `has S … N times in past D`: the count over `[now − D, now]` drops when its oldest
/// record leaves the window (that record + D + 1 µs) and grows when a record dated after
/// now is reached.
fn count_expiry(ctx: &Context<'_>, task: &str, actions: &[Action], duration: i64) -> NextChange {
    let now = ctx.now;
    let history = ctx.history();
    let from = now.saturating_sub(duration);
    let oldest = history
        .first_after(task, actions, from.saturating_sub(1))
        .filter(|&t| t <= now)
        .map(|t| t.saturating_add(duration).saturating_add(1));
    at_or_event(
        min_opt(oldest, history.first_after(task, actions, now)),
        now,
    )
}

/// The sooner of two optional instants.
fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The start of the next occurrence after now.
fn next_start(period: &Period, ctx: &Context<'_>) -> Option<i64> {
    next_occurrence(period, ctx.zone, ctx.wall, ctx.now).map(|occ| occ.start)
}

/// Membership changes: the end of the current occurrence, else the next start.
fn window_edge(located: &Located, period: &Period, ctx: &Context<'_>) -> NextChange {
    match located.latest {
        Some(occ) if located.inside && occ.end >= ctx.now => at(occ.end.saturating_add(1), ctx.now),
        // In an older occurrence only (a clamped month overlapping the next): rare, poll.
        _ if located.inside => NextChange::NextCycle,
        _ => at_or_event(next_start(period, ctx), ctx.now),
    }
}

/// `daily` & co.: while free, the window end (or a record dated after now); while
/// blocked or outside, the next occurrence start.
fn periodic(period: &Period, ctx: &Context<'_>, owner: &str) -> NextChange {
    let now = ctx.now;
    let located = locate(period, ctx.zone, ctx.wall, now);
    match located.latest {
        Some(occ) if located.inside && occ.end >= now => {
            if ctx.history().any_in(owner, FINISH, occ.start, now) {
                at_or_event(next_start(period, ctx), now)
            } else {
                let record = ctx.history().first_after(owner, FINISH, now);
                at(
                    min_opt(Some(occ.end.saturating_add(1)), record).unwrap_or(now),
                    now,
                )
            }
        }
        _ => window_edge(&located, period, ctx),
    }
}

/// `every D` and `has … in past D`: the window `[now − D, now]` loses its latest record
/// at that record + D + 1 µs; a record dated after now enters it when now reaches it.
fn expiry(ctx: &Context<'_>, task: &str, actions: &[Action], duration: i64) -> NextChange {
    let now = ctx.now;
    let history = ctx.history();
    let from = now.saturating_sub(duration);
    match history.last_at_or_before(task, actions, now) {
        Some(last) if last >= from => at(last.saturating_add(duration).saturating_add(1), now),
        _ => at_or_event(history.first_after(task, actions, now), now),
    }
}
