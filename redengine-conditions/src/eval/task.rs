//! The truth rules of every leaf phrase.

use std::time::Duration;

use crate::ast::{AfterTasks, Comparison, Condition, HasWindow};
use crate::history::Action;

use super::period::locate;
use super::records::{duration_micros, outcome_actions, record_count, state_actions, FINISH};
use super::{cron, explain, Context, EvalError, ParamValue};

/// The owner of a task-bound phrase, or the error naming the phrase.
pub(super) fn owner<'a>(cond: &Condition, ctx: &Context<'a>) -> Result<&'a str, EvalError> {
    ctx.owner().ok_or_else(|| EvalError::NoOwner {
        phrase: explain::text(cond),
    })
}

/// The task a `has …` phrase talks about: the named one (`task`), else the owner.
pub(super) fn has_task<'c>(
    cond: &Condition,
    task: &'c Option<String>,
    ctx: &Context<'c>,
) -> Result<&'c str, EvalError> {
    match task {
        Some(task) => Ok(task),
        None => owner(cond, ctx),
    }
}

/// `count` compared with the threshold `n`.
pub(super) fn compare(comparison: Comparison, count: u64, n: u64) -> bool {
    match comparison {
        Comparison::MoreThan => count > n,
        Comparison::LessThan => count < n,
        Comparison::Exactly => count == n,
    }
}

/// The scheduler state, or the error naming the phrase.
fn scheduler(cond: &Condition, ctx: &Context<'_>) -> Result<super::SchedulerState, EvalError> {
    ctx.scheduler().ok_or_else(|| EvalError::NoScheduler {
        phrase: explain::text(cond),
    })
}

/// `after task 'u'` for one upstream: its last counted finish is strictly after the
/// owner's last start (or the owner never started).
pub(super) fn after_one(
    ctx: &Context<'_>,
    after: &AfterTasks,
    upstream: &str,
    own: Option<i64>,
) -> bool {
    ctx.history()
        .last_micros(upstream, outcome_actions(after.outcome))
        .is_some_and(|dep| own.is_none_or(|own| dep > own))
}

/// The value of a phrase (composite nodes are delegated back to `evaluate`).
pub(super) fn leaf(cond: &Condition, ctx: &Context<'_>) -> Result<bool, EvalError> {
    let history = ctx.history();
    let now = ctx.now;
    Ok(match cond {
        Condition::Periodic(period) => {
            let owner = owner(cond, ctx)?;
            let located = locate(period, ctx.zone, ctx.wall, now);
            located.inside
                && located
                    .window(now)
                    .is_none_or(|(from, to)| !history.any_in(owner, FINISH, from, to))
        }
        Condition::Every(duration) => {
            let owner = owner(cond, ctx)?;
            let from = now.saturating_sub(duration_micros(*duration));
            !history.any_in(owner, FINISH, from, now)
        }
        Condition::Cron(schedule) => {
            let owner = owner(cond, ctx)?;
            cron::executable(schedule, ctx, owner)
        }
        Condition::After(after) => {
            let owner = owner(cond, ctx)?;
            let own = history.last_micros(owner, &[Action::Run]);
            let mut upstream = after.tasks.iter();
            if after.any {
                upstream.any(|task| after_one(ctx, after, task, own))
            } else {
                upstream.all(|task| after_one(ctx, after, task, own))
            }
        }
        Condition::Has(has) => {
            let task = has_task(cond, &has.task, ctx)?;
            let actions = state_actions(has.state);
            match &has.when {
                HasWindow::Ever => history.last_micros(task, actions).is_some(),
                HasWindow::Period(period) => locate(period, ctx.zone, ctx.wall, now)
                    .window(now)
                    .is_some_and(|(from, to)| history.any_in(task, actions, from, to)),
                HasWindow::Past(duration) => {
                    let from = now.saturating_sub(duration_micros(*duration));
                    history.any_in(task, actions, from, now)
                }
            }
        }
        Condition::HasCount(has) => {
            let task = has_task(cond, &has.task, ctx)?;
            compare(has.comparison, record_count(ctx, task, has), has.count)
        }
        Condition::IsRunning(task) => history.is_running(task),
        Condition::TimeOf(period) => locate(period, ctx.zone, ctx.wall, now).inside,
        Condition::SchedulerCycles { comparison, count } => {
            compare(*comparison, scheduler(cond, ctx)?.cycles, *count)
        }
        Condition::SchedulerStartedWithin(duration) => {
            started_within(scheduler(cond, ctx)?, now, *duration)
        }
        Condition::SchedulerRunOver(duration) => {
            !started_within(scheduler(cond, ctx)?, now, *duration)
        }
        Condition::Env(value) => {
            ctx.resolver().param("env") == Some(ParamValue::Str(value.as_str()))
        }
        Condition::ParamExists(key) => ctx.resolver().param(key).is_some(),
        Condition::ParamIs { key, value } => {
            ctx.resolver().param(key) == Some(ParamValue::Str(value.as_str()))
        }
        Condition::Custom(name) => ctx.resolver().custom(name, ctx)?,
        Condition::True
        | Condition::False
        | Condition::Not(_)
        | Condition::All(_)
        | Condition::Any(_) => cond.evaluate(ctx)?,
    })
}

/// `scheduler started D ago`: the start lies in `[now − D, now]`.
pub(super) fn started_within(state: super::SchedulerState, now: i64, duration: Duration) -> bool {
    let started = crate::history::micros(state.started);
    started <= now && started >= now.saturating_sub(duration_micros(duration))
}
