//! A stand-in printer of conditions for explanations and error messages, used until the
//! parser's canonical `Display` is merged; it follows the same canonical spelling.

use std::time::Duration;

use crate::ast::{Anchor, Comparison, Condition, HasWindow, Period, Scope, Window};

use super::period::{DAY, HOUR, MINUTE, SECOND};

/// The canonical text of a condition.
pub(super) fn text(cond: &Condition) -> String {
    match cond {
        Condition::True => "true".to_owned(),
        Condition::False => "false".to_owned(),
        Condition::Not(inner) => format!("~{}", operand(inner)),
        Condition::All(items) => join(items, " & "),
        Condition::Any(items) => join(items, " | "),
        Condition::Periodic(p) => format!("{}{}", p.scope.frequency_word(), window(p)),
        Condition::Every(d) => format!("every {}", duration(*d)),
        Condition::Cron(c) => format!("cron {}", c.text),
        Condition::After(a) => {
            let names: Vec<String> = a.tasks.iter().map(|t| quote(t)).collect();
            let head = match (a.any, names.len()) {
                (true, _) => "after any tasks",
                (false, 1) => "after task",
                (false, _) => "after tasks",
            };
            format!("{head} {} {}", names.join(", "), a.outcome.as_str())
        }
        Condition::Has(h) => {
            let task = h.task.as_deref().map(|t| format!("task {} ", quote(t)));
            let when = match &h.when {
                HasWindow::Ever => String::new(),
                HasWindow::Period(p) => format!(" {}{}", p.scope.has_period_words(), window(p)),
                HasWindow::Past(d) => format!(" in past {}", duration(*d)),
            };
            format!("{}has {}{when}", task.unwrap_or_default(), h.state.as_str())
        }
        Condition::IsRunning(t) => format!("task {} is running", quote(t)),
        Condition::TimeOf(p) => format!("time of {}{}", p.scope.unit_word(), window(p)),
        Condition::SchedulerCycles { comparison, count } => match comparison {
            Comparison::MoreThan => format!("scheduler has more than {count} cycles"),
            Comparison::LessThan => format!("scheduler has less than {count} cycles"),
            Comparison::Exactly => format!("scheduler has {count} cycles"),
        },
        Condition::SchedulerStartedWithin(d) => format!("scheduler started {} ago", duration(*d)),
        Condition::SchedulerRunOver(d) => format!("scheduler has run over {}", duration(*d)),
        Condition::Env(v) => format!("env {}", quote(v)),
        Condition::ParamExists(k) => format!("param {} exists", quote(k)),
        Condition::ParamIs { key, value } => format!("param {} is {}", quote(key), quote(value)),
        Condition::Custom(name) => name.clone(),
    }
}

fn operand(cond: &Condition) -> String {
    match cond {
        Condition::All(_) | Condition::Any(_) => format!("({})", text(cond)),
        _ => text(cond),
    }
}

fn join(items: &[Condition], sep: &str) -> String {
    let parts: Vec<String> = items.iter().map(operand).collect();
    parts.join(sep)
}

fn quote(name: &str) -> String {
    format!("'{}'", name.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (n, unit) = match secs {
        s if s > 0 && s % 604_800 == 0 => (s / 604_800, "week"),
        s if s > 0 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s > 0 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s > 0 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn window(p: &Period) -> String {
    let a = |x: &Anchor| anchor(p.scope, x);
    match &p.window {
        Window::Whole => String::new(),
        Window::Between(x, y) => format!(" between {} and {}", a(x), a(y)),
        Window::After(x) => format!(" after {}", a(x)),
        Window::Before(x) => format!(" before {}", a(x)),
        Window::Starting(x) => format!(" starting {}", a(x)),
        Window::On(x) => format!(" on {}", a(x)),
    }
}

fn anchor(scope: Scope, anchor: &Anchor) -> String {
    match anchor {
        Anchor::Offset(us) => {
            let us = i64::try_from(*us).unwrap_or(i64::MAX);
            match scope {
                Scope::Minute | Scope::Second => format!("{:02}{}", us / SECOND, fraction(us)),
                Scope::Hour => format!(
                    "{:02}:{:02}{}",
                    us / MINUTE,
                    us % MINUTE / SECOND,
                    fraction(us)
                ),
                _ => clock(us),
            }
        }
        Anchor::Weekday { day, time } => {
            let name = format!("{day:?}");
            let full = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ]
            .into_iter()
            .find(|n| n.starts_with(&name))
            .unwrap_or("Monday");
            with_time(full.to_owned(), *time)
        }
        Anchor::MonthDay { day, time } => {
            let suffix = match day {
                1 | 21 | 31 => "st",
                2 | 22 => "nd",
                3 | 23 => "rd",
                _ => "th",
            };
            with_time(format!("{day}{suffix}"), *time)
        }
    }
}

fn with_time(head: String, time: Option<u64>) -> String {
    match time {
        Some(t) => format!("{head} {}", clock(i64::try_from(t).unwrap_or(DAY))),
        None => head,
    }
}

fn clock(us: i64) -> String {
    let seconds = us % MINUTE / SECOND;
    let mut out = format!("{:02}:{:02}", us / HOUR, us % HOUR / MINUTE);
    if seconds != 0 || us % SECOND != 0 {
        out.push_str(&format!(":{seconds:02}{}", fraction(us)));
    }
    out
}

fn fraction(us: i64) -> String {
    match us % SECOND {
        0 => String::new(),
        f => format!(".{}", format!("{f:06}").trim_end_matches('0')),
    }
}
