//! What a task's records say to a phrase: which actions `has …`, `after task …` and the
//! periods count, and counting them. Shared by the truth rules (`task`) and the
//! explanations (`explain`), below both.

use std::time::Duration;

use crate::ast::{AfterOutcome, HasCount, HasWindow, TaskState};
use crate::history::Action;

use super::period::locate;
use super::Context;

/// The actions that end an occurrence of `daily` & co. and block `every`.
pub(super) const FINISH: &[Action] = &[
    Action::Success,
    Action::Fail,
    Action::Inaction,
    Action::Terminate,
];

/// The actions `has S` counts.
pub(super) fn state_actions(state: TaskState) -> &'static [Action] {
    match state {
        TaskState::Succeeded => &[Action::Success],
        TaskState::Failed => &[Action::Fail],
        TaskState::Finished => &[Action::Success, Action::Fail, Action::Terminate],
        TaskState::Terminated => &[Action::Terminate],
        TaskState::Inacted => &[Action::Inaction],
        TaskState::Started => &[Action::Run],
        TaskState::Crashed => &[Action::Crash],
    }
}

/// The upstream records `after task … <outcome>` waits for.
pub(super) fn outcome_actions(outcome: AfterOutcome) -> &'static [Action] {
    match outcome {
        AfterOutcome::Succeeded => &[Action::Success],
        AfterOutcome::Failed => &[Action::Fail],
        AfterOutcome::Finished => &[Action::Success, Action::Fail],
    }
}

/// A duration in microseconds, saturating (a written duration of a million weeks still
/// compares correctly: it reaches before every record).
pub(super) fn duration_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// `has S … N times`: the number of records of `task` in the window of `has.when` at now
/// (the same window `has S [when]` looks in).
pub(super) fn record_count(ctx: &Context<'_>, task: &str, has: &HasCount) -> u64 {
    let history = ctx.history();
    let actions = state_actions(has.state);
    let now = ctx.now;
    match &has.when {
        HasWindow::Ever => history.count_in(task, actions, i64::MIN, i64::MAX),
        HasWindow::Period(period) => locate(period, ctx.zone, ctx.wall, now)
            .window(now)
            .map_or(0, |(from, to)| history.count_in(task, actions, from, to)),
        HasWindow::Past(duration) => {
            let from = now.saturating_sub(duration_micros(*duration));
            history.count_in(task, actions, from, now)
        }
    }
}
