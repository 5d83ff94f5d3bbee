//! The canonical spelling of a condition. `parse(&c.to_string()) == Ok(c)` for every tree
//! the parser produces, so tools can store, compare and print conditions safely.

use std::fmt::{self, Write as _};

use crate::anchor_text::{DAY_NAMES, MINUTE, SECOND};
use crate::ast::{
    AfterOutcome, Anchor, Comparison, Condition, HasWindow, Period, Scope, TaskState, Window,
};
use crate::duration::format_duration;

/// Writes a time of day canonically: `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f`.
fn format_clock(us: u64) -> String {
    let (h, m) = (us / (60 * MINUTE), us / MINUTE % 60);
    let (s, frac) = (us / SECOND % 60, us % SECOND);
    if s == 0 && frac == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}{}", fraction(frac))
    }
}

fn fraction(frac: u64) -> String {
    if frac == 0 {
        String::new()
    } else {
        format!(".{frac:06}").trim_end_matches('0').to_owned()
    }
}

/// Writes an anchor canonically for its scope, so that it reads back to the same value.
pub(crate) fn format_anchor(anchor: &Anchor, scope: Scope) -> String {
    match (*anchor, scope) {
        (Anchor::Offset(us), Scope::Second | Scope::Minute) => {
            format!("{:02}{}", us / SECOND, fraction(us % SECOND))
        }
        (Anchor::Offset(us), Scope::Hour) => {
            format!(
                "{:02}:{:02}{}",
                us / MINUTE,
                us / SECOND % 60,
                fraction(us % SECOND)
            )
        }
        (Anchor::Offset(us), _) => format_clock(us),
        (Anchor::Weekday { day, time }, _) => {
            let name = DAY_NAMES[day.num_days_from_monday() as usize];
            match time {
                Some(t) => format!("{name} {}", format_clock(t)),
                None => name.to_owned(),
            }
        }
        (Anchor::MonthDay { day, time }, _) => {
            let suffix = match (day % 10, day % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            match time {
                Some(t) => format!("{day}{suffix} {}", format_clock(t)),
                None => format!("{day}{suffix}"),
            }
        }
    }
}

/// Writes `name` in single quotes, escaping `'` and `\`. A backslash is always
/// escaped so that `\x` cannot be misread on the way back.
fn quoted(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in name.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

fn window(f: &mut fmt::Formatter<'_>, w: &Window, scope: Scope) -> fmt::Result {
    let a = |x| format_anchor(x, scope);
    match w {
        Window::Whole => Ok(()),
        Window::Between(x, y) => write!(f, " between {} and {}", a(x), a(y)),
        Window::After(x) => write!(f, " after {}", a(x)),
        Window::Before(x) => write!(f, " before {}", a(x)),
        Window::Starting(x) => write!(f, " starting {}", a(x)),
        Window::On(x) => write!(f, " on {}", a(x)),
    }
}

fn period(f: &mut fmt::Formatter<'_>, p: &Period, words: &str) -> fmt::Result {
    f.write_str(words)?;
    window(f, &p.window, p.scope)
}

/// Writes `has S [count] [when]`.
fn has_tail(
    f: &mut fmt::Formatter<'_>,
    state: TaskState,
    when: &HasWindow,
    count: Option<(Comparison, u64)>,
) -> fmt::Result {
    write!(f, "has {}", state.as_str())?;
    if let Some((comparison, n)) = count {
        let word = match comparison {
            Comparison::MoreThan => "more than",
            Comparison::LessThan => "less than",
            Comparison::Exactly => "exactly",
        };
        let noun = if n == 1 { "time" } else { "times" };
        write!(f, " {word} {n} {noun}")?;
    }
    match when {
        HasWindow::Ever => Ok(()),
        HasWindow::Period(p) => {
            f.write_char(' ')?;
            period(f, p, p.scope.has_period_words())
        }
        HasWindow::Past(d) => write!(f, " in past {}", format_duration(*d)),
    }
}

/// Writes an operand of `&`/`|`/`~`, adding parentheses where precedence needs them.
fn operand(f: &mut fmt::Formatter<'_>, c: &Condition, parent_is_not: bool) -> fmt::Result {
    let needs = match c {
        Condition::Any(_) => true,
        Condition::All(_) => parent_is_not,
        _ => false,
    };
    if needs {
        write!(f, "({c})")
    } else {
        write!(f, "{c}")
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::True => f.write_str("true"),
            Condition::False => f.write_str("false"),
            Condition::Not(inner) => {
                f.write_char('~')?;
                operand(f, inner, true)
            }
            Condition::All(items) | Condition::Any(items) => {
                let (sep, is_all) = match self {
                    Condition::All(_) => (" & ", true),
                    _ => (" | ", false),
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    if is_all {
                        operand(f, item, false)?;
                    } else if let Condition::Any(_) = item {
                        write!(f, "({item})")?;
                    } else {
                        write!(f, "{item}")?;
                    }
                }
                Ok(())
            }
            Condition::Periodic(p) => period(f, p, p.scope.frequency_word()),
            Condition::Every(d) => write!(f, "every {}", format_duration(*d)),
            Condition::Cron(c) => write!(f, "cron {}", c.text),
            Condition::After(after) => {
                f.write_str(match (after.any, after.tasks.len()) {
                    (true, _) => "after any tasks ",
                    (false, 1) => "after task ",
                    _ => "after tasks ",
                })?;
                for (i, task) in after.tasks.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    quoted(f, task)?;
                }
                if after.outcome != AfterOutcome::Succeeded {
                    write!(f, " {}", after.outcome.as_str())?;
                }
                Ok(())
            }
            Condition::Has(has) => {
                if let Some(task) = &has.task {
                    f.write_str("task ")?;
                    quoted(f, task)?;
                    f.write_char(' ')?;
                }
                has_tail(f, has.state, &has.when, None)
            }
            Condition::HasCount(has) => {
                if let Some(task) = &has.task {
                    f.write_str("task ")?;
                    quoted(f, task)?;
                    f.write_char(' ')?;
                }
                has_tail(f, has.state, &has.when, Some((has.comparison, has.count)))
            }
            Condition::IsRunning(task) => {
                f.write_str("task ")?;
                quoted(f, task)?;
                f.write_str(" is running")
            }
            Condition::TimeOf(p) => period(f, p, &format!("time of {}", p.scope.unit_word())),
            Condition::SchedulerCycles { comparison, count } => match comparison {
                Comparison::MoreThan => write!(f, "scheduler has more than {count} cycles"),
                Comparison::LessThan => write!(f, "scheduler has less than {count} cycles"),
                Comparison::Exactly => write!(f, "scheduler has {count} cycles"),
            },
            Condition::SchedulerStartedWithin(d) => {
                write!(f, "scheduler started {} ago", format_duration(*d))
            }
            Condition::SchedulerRunOver(d) => {
                write!(f, "scheduler has run over {}", format_duration(*d))
            }
            Condition::Env(v) => {
                f.write_str("env ")?;
                quoted(f, v)
            }
            Condition::ParamExists(k) => {
                f.write_str("param ")?;
                quoted(f, k)?;
                f.write_str(" exists")
            }
            Condition::ParamIs { key, value } => {
                f.write_str("param ")?;
                quoted(f, key)?;
                f.write_str(" is ")?;
                quoted(f, value)
            }
            Condition::Custom(name) => f.write_str(name),
        }
    }
}
