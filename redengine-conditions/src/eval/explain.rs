//! `Condition::explain`: a tree mirroring the condition, each node with its value and a
//! short human reason ("'wash_teeth' already succeeded at 08:03, inside the current window
//! 08:00–08:15"), so a user can see why a task did or did not start.

use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use crate::ast::{Comparison, Condition, HasCount, HasWindow, Period};
use crate::history::Action;

use super::period::{locate, next_occurrence, DAY, HOUR, MINUTE, SECOND};
use super::records::{duration_micros, outcome_actions, record_count, state_actions, FINISH};
use super::{Context, ParamValue};

/// Why a condition has its value: one node per condition node, children in written order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The (sub)condition, as written in canonical form.
    pub phrase: String,
    /// Its value, or the evaluation error's message.
    pub value: Result<bool, String>,
    /// Why, in a few words.
    pub reason: String,
    /// The operands of `~`, `&` and `|`; empty for phrases.
    pub children: Vec<Explanation>,
}

impl Explanation {
    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let value = match &self.value {
            Ok(true) => "true",
            Ok(false) => "false",
            Err(_) => "error",
        };
        writeln!(
            f,
            "{:indent$}{} = {value}: {}",
            "",
            self.phrase,
            self.reason,
            indent = depth * 2
        )?;
        self.children
            .iter()
            .try_for_each(|child| child.write(f, depth + 1))
    }
}

impl fmt::Display for Explanation {
    /// One line per node, children indented by two spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

/// The canonical text of a condition (the parser's `Display`).
pub(super) fn text(cond: &Condition) -> String {
    cond.to_string()
}

impl Condition {
    /// Explains the value of the condition in `ctx`: the same answer as
    /// [`Condition::evaluate`] (errors become `Err(message)`), with a reason per node.
    ///
    /// Every operand is explained, even those `evaluate` would skip; the reason of `&`
    /// and `|` names the operand that decided.
    pub fn explain(&self, ctx: &Context<'_>) -> Explanation {
        let phrase = text(self);
        let (value, reason, children) = match self {
            Condition::Not(inner) => {
                let child = inner.explain(ctx);
                let value = child.value.clone().map(|v| !v);
                let reason = match &child.value {
                    Ok(v) => format!("`{}` is {v}", child.phrase),
                    Err(_) => format!("`{}` could not be evaluated", child.phrase),
                };
                (value, reason, vec![child])
            }
            Condition::All(items) | Condition::Any(items) => {
                let all = matches!(self, Condition::All(_));
                let children: Vec<Explanation> = items.iter().map(|i| i.explain(ctx)).collect();
                let decisive = children
                    .iter()
                    .find(|child| child.value.as_ref().map_or(true, |&v| v != all));
                let (value, reason) = match decisive {
                    Some(child) => match &child.value {
                        Err(message) => (
                            Err(message.clone()),
                            format!("`{}` could not be evaluated", child.phrase),
                        ),
                        Ok(v) => (Ok(*v), format!("`{}` is {v}", child.phrase)),
                    },
                    None if all => (Ok(true), "every operand is true".to_owned()),
                    None => (Ok(false), "no operand is true".to_owned()),
                };
                (value, reason, children)
            }
            leaf => match leaf.evaluate(ctx) {
                Ok(value) => (Ok(value), reason(leaf, value, ctx), Vec::new()),
                Err(error) => (Err(error.to_string()), error.to_string(), Vec::new()),
            },
        };
        Explanation {
            phrase,
            value,
            reason,
            children,
        }
    }
}

/// The past-tense word of an action in reasons.
fn did(action: Action) -> &'static str {
    match action {
        Action::Run => "started",
        Action::Success => "succeeded",
        Action::Fail => "failed",
        Action::Terminate => "was terminated",
        Action::Inaction => "inacted",
        Action::Crash => "crashed",
    }
}

/// The latest record of `task` among `actions` in `[from, to]`, with its action.
fn latest_in(
    ctx: &Context<'_>,
    task: &str,
    actions: &[Action],
    from: i64,
    to: i64,
) -> Option<(Action, i64)> {
    actions
        .iter()
        .filter_map(|&a| {
            let t = ctx.history().last_at_or_before(task, &[a], to)?;
            (t >= from).then_some((a, t))
        })
        .max_by_key(|&(_, t)| t)
}

/// An instant on the zone's wall clock: the time alone on today's date, else with the date.
fn clock(ctx: &Context<'_>, us: i64) -> String {
    let us_at = us;
    let wall = ctx.zone.wall_of(us);
    let (in_day, day) = (wall.rem_euclid(DAY), wall.div_euclid(DAY));
    let mut out = String::new();
    if day != ctx.wall.div_euclid(DAY) {
        let _ = write!(out, "{} ", super::super::zone::naive(wall).date());
    }
    let (h, m, s, us) = (
        in_day / HOUR,
        in_day % HOUR / MINUTE,
        in_day % MINUTE / SECOND,
        in_day % SECOND,
    );
    let _ = write!(out, "{h:02}:{m:02}");
    if s != 0 || us != 0 {
        let _ = write!(out, ":{s:02}");
    }
    if us != 0 {
        let _ = write!(out, ".{us:06}");
    }
    // A wall time the clock shows twice (the hour repeated when clocks go back) names its
    // offset, so the two readings can be told apart.
    let (earlier, later) = ctx.zone.readings(wall);
    if earlier != later {
        let offset = ctx.zone.offset_at(crate::zone::instant(us_at));
        let _ = write!(out, " (UTC{offset})");
    }
    out
}

/// A duration in words (`2 hours`, `90 seconds`).
fn words(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (n, unit) = match secs {
        s if s % 86_400 == 0 && s > 0 => (s / 86_400, "day"),
        s if s % 3_600 == 0 && s > 0 => (s / 3_600, "hour"),
        s if s % 60 == 0 && s > 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The current occurrence window as text, or why there is none.
fn window_text(ctx: &Context<'_>, period: &Period) -> Option<(String, i64, i64)> {
    let located = locate(period, ctx.zone, ctx.wall, ctx.now);
    let occ = located.latest?;
    // A window over more than one day shows both ends with their dates: a bare start
    // next to a dated end reads as the end's day.
    let day = |us: i64| ctx.zone.wall_of(us).div_euclid(DAY);
    let text = if day(occ.start) == day(occ.end) {
        format!("{}–{}", clock(ctx, occ.start), clock(ctx, occ.end))
    } else {
        format!("{}–{}", dated(ctx, occ.start), dated(ctx, occ.end))
    };
    Some((text, occ.start, occ.end))
}

/// An instant on the zone's wall clock with its date (`2024-01-03 08:00`).
fn dated(ctx: &Context<'_>, us: i64) -> String {
    let text = clock(ctx, us);
    if text.contains('-') {
        text
    } else {
        format!(
            "{} {text}",
            super::super::zone::naive(ctx.zone.wall_of(us)).date()
        )
    }
}

/// The sentence after "outside the period": when the next window opens.
fn outside(ctx: &Context<'_>, period: &Period) -> String {
    match next_occurrence(period, ctx.zone, ctx.wall, ctx.now) {
        Some(occ) => format!(
            "{} is outside the period; the next window opens at {}",
            clock(ctx, ctx.now),
            clock(ctx, occ.start)
        ),
        None => format!("{} is outside the period", clock(ctx, ctx.now)),
    }
}

/// The reason of a phrase's value (it evaluated without error, so owners exist).
fn reason(cond: &Condition, value: bool, ctx: &Context<'_>) -> String {
    let owner = ctx.owner().unwrap_or("the owner");
    let now = ctx.now;
    match cond {
        Condition::True | Condition::False => "constant".to_owned(),
        Condition::Periodic(period) => {
            let located = locate(period, ctx.zone, ctx.wall, now);
            match window_text(ctx, period) {
                Some((window, from, _)) if located.inside => {
                    match latest_in(ctx, owner, FINISH, from, now) {
                        Some((action, t)) => format!(
                            "'{owner}' already {} at {}, inside the current window {window}",
                            did(action),
                            clock(ctx, t)
                        ),
                        None => {
                            format!("'{owner}' has not finished inside the current window {window}")
                        }
                    }
                }
                _ => outside(ctx, period),
            }
        }
        Condition::Every(duration) => {
            let from = now.saturating_sub(duration_micros(*duration));
            match latest_in(ctx, owner, FINISH, from, now) {
                Some((action, t)) => format!(
                    "'{owner}' {} at {}, within the last {}",
                    did(action),
                    clock(ctx, t),
                    words(*duration)
                ),
                None => format!(
                    "'{owner}' has not finished within the last {}",
                    words(*duration)
                ),
            }
        }
        Condition::Cron(schedule) => {
            let unit = if schedule.seconds.is_some() {
                "second"
            } else {
                "minute"
            };
            match super::cron::current_minute(schedule, ctx) {
                None => format!(
                    "{} is not in a {unit} matching `{}`",
                    clock(ctx, now),
                    schedule.text
                ),
                Some(start) => match latest_in(ctx, owner, &[Action::Run], start, now) {
                    Some((_, t)) => format!(
                        "'{owner}' already started at {} in this matching {unit}",
                        clock(ctx, t)
                    ),
                    None => format!(
                        "{} is in a matching {unit} and '{owner}' has not started in it",
                        clock(ctx, now)
                    ),
                },
            }
        }
        Condition::After(after) => {
            let own = ctx.history().last_micros(owner, &[Action::Run]);
            let own_text = own.map_or_else(|| "never".to_owned(), |t| clock(ctx, t));
            let parts: Vec<String> = after
                .tasks
                .iter()
                .map(|task| {
                    let word = after.outcome.as_str();
                    match ctx.history().last_micros(task, outcome_actions(after.outcome)) {
                        None => format!("'{task}' has never {word}"),
                        Some(dep) if own.is_none_or(|own| dep > own) => format!("'{task}' {word} at {}, after '{owner}' last started ({own_text})", clock(ctx, dep)),
                        Some(dep) => format!("'{task}' last {word} at {}, not after '{owner}' last started ({own_text})", clock(ctx, dep)),
                    }
                })
                .collect();
            parts.join("; ")
        }
        Condition::Has(has) => {
            let task = has.task.as_deref().unwrap_or(owner);
            let actions = state_actions(has.state);
            let state = has.state.as_str();
            let (found, scope) = match &has.when {
                HasWindow::Ever => (
                    latest_in(ctx, task, actions, i64::MIN, i64::MAX),
                    "ever".to_owned(),
                ),
                HasWindow::Past(duration) => (
                    latest_in(
                        ctx,
                        task,
                        actions,
                        now.saturating_sub(duration_micros(*duration)),
                        now,
                    ),
                    format!("within the last {}", words(*duration)),
                ),
                HasWindow::Period(period) => match (
                    window_text(ctx, period),
                    locate(period, ctx.zone, ctx.wall, now).window(now),
                ) {
                    (Some((window, _, _)), Some((from, to))) => (
                        latest_in(ctx, task, actions, from, to),
                        format!("inside the window {window}"),
                    ),
                    _ => (None, "(the period has no window yet)".to_owned()),
                },
            };
            match found {
                Some((action, t)) => {
                    format!("'{task}' {} at {}, {scope}", did(action), clock(ctx, t))
                }
                None => format!("'{task}' has not {state} {scope}"),
            }
        }
        Condition::HasCount(has) => count_reason(ctx, has.task.as_deref().unwrap_or(owner), has),
        Condition::IsRunning(task) => match ctx.history().last_record(task) {
            None => format!("'{task}' has never run"),
            Some((Action::Run, t)) => format!(
                "'{task}' started at {} and has not finished",
                clock(ctx, super::super::history::micros(t))
            ),
            Some((action, t)) => format!(
                "'{task}' {} at {}",
                did(action),
                clock(ctx, super::super::history::micros(t))
            ),
        },
        Condition::TimeOf(period) => match window_text(ctx, period) {
            Some((window, _, _)) if value => format!("{} is inside {window}", clock(ctx, now)),
            _ => outside(ctx, period),
        },
        Condition::SchedulerCycles { .. } => {
            let cycles = ctx.scheduler().map_or(0, |s| s.cycles);
            format!(
                "the scheduler has completed {cycles} cycle{}",
                if cycles == 1 { "" } else { "s" }
            )
        }
        Condition::SchedulerStartedWithin(_) | Condition::SchedulerRunOver(_) => {
            match ctx.scheduler() {
                Some(state) => format!(
                    "the scheduler started at {}",
                    clock(ctx, super::super::history::micros(state.started))
                ),
                None => "no scheduler is running".to_owned(),
            }
        }
        Condition::Env(_) => param_reason(ctx, "env"),
        Condition::ParamExists(key) | Condition::ParamIs { key, .. } => param_reason(ctx, key),
        Condition::Custom(name) => format!("the custom condition `{name}` returned {value}"),
        Condition::Not(_) | Condition::All(_) | Condition::Any(_) => String::new(),
    }
}

/// `has S … N times`: the count, where it was taken, and the threshold.
fn count_reason(ctx: &Context<'_>, task: &str, has: &HasCount) -> String {
    let n = record_count(ctx, task, has);
    let scope = match &has.when {
        HasWindow::Ever => "in the whole log".to_owned(),
        HasWindow::Past(duration) => format!("within the last {}", words(*duration)),
        HasWindow::Period(period) => match window_text(ctx, period) {
            Some((window, _, _)) => format!("inside the window {window}"),
            None => "(the period has no window yet)".to_owned(),
        },
    };
    let wanted = match has.comparison {
        Comparison::MoreThan => "more than",
        Comparison::LessThan => "less than",
        Comparison::Exactly => "exactly",
    };
    format!(
        "'{task}' {} {n} time{} {scope}; the condition asks for {wanted} {}",
        has.state.as_str(),
        if n == 1 { "" } else { "s" },
        has.count
    )
}

/// What the session holds under a parameter name.
fn param_reason(ctx: &Context<'_>, key: &str) -> String {
    match ctx.resolver().param(key) {
        None => format!("there is no session parameter `{key}`"),
        Some(ParamValue::Str(value)) => format!("the session parameter `{key}` is '{value}'"),
        Some(ParamValue::Other) => format!("the session parameter `{key}` is not a string"),
        Some(ParamValue::Function) => format!("`{key}` is a `#[param]` function"),
    }
}
