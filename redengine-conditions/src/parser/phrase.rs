//! One phrase: parsed by the phrase grammar (`grammar.rs`), then turned into a
//! [`Condition`] with every value (anchor, duration, cron field, name) checked.

use super::diagnose;
use super::grammar;
use super::rule::Rule;
use super::tree::Pair;
use crate::anchor::anchor;
use crate::anchor_text::Side;
use crate::ast::{AfterOutcome, AfterTasks, Comparison, Condition, Period, Scope, Window};
use crate::cron::cron;
use crate::duration::duration_at;
use crate::error::{ParseError, ParseErrorKind};

mod has;

/// Parses the phrase `whole[start..end]` (already trimmed). Errors carry spans in `whole`.
pub(super) fn phrase(whole: &str, start: usize, end: usize) -> Result<Condition, Vec<ParseError>> {
    let text = &whole[start..end];
    let tokens = match grammar::parse(text) {
        Ok(tokens) => tokens,
        Err(e) => return Err(vec![diagnose::failure(whole, start, text, &e)]),
    };
    let mut b = Builder {
        whole,
        start,
        errors: Vec::new(),
    };
    // The first child of `phrase`: the form that matched.
    let body = Pair::new(text, &tokens, 1)
        .map(|pair| b.body(pair))
        .unwrap_or(Condition::False);
    if b.errors.is_empty() {
        Ok(body)
    } else {
        Err(b.errors)
    }
}

struct Builder<'w> {
    whole: &'w str,
    start: usize,
    errors: Vec<ParseError>,
}

fn find<'i>(pair: &Pair<'i>, rule: Rule) -> Option<Pair<'i>> {
    pair.children().find(|p| p.as_rule() == rule)
}

fn has_child(pair: &Pair<'_>, rule: Rule) -> bool {
    find(pair, rule).is_some()
}

fn scope_of(pair: &Pair<'_>) -> Scope {
    match pair.as_str() {
        "minutely" | "minute" => Scope::Minute,
        "hourly" | "hour" => Scope::Hour,
        "weekly" | "week" => Scope::Week,
        "monthly" | "month" => Scope::Month,
        "secondly" => Scope::Second,
        _ => Scope::Day,
    }
}

impl Builder<'_> {
    fn body(&mut self, pair: Pair<'_>) -> Condition {
        match pair.as_rule() {
            Rule::constant => {
                if has_child(&pair, Rule::kw_true) {
                    Condition::True
                } else {
                    Condition::False
                }
            }
            Rule::periodic => self.periodic(&pair),
            Rule::every => Condition::Every(self.duration(&pair, "every")),
            Rule::cron => self.cron(&pair),
            Rule::after => self.after(&pair),
            Rule::has => self.has(&pair),
            Rule::is_running => Condition::IsRunning(self.first_name(&pair)),
            Rule::time_of => {
                let scope = find(&pair, Rule::time_unit).map_or(Scope::Day, |u| scope_of(&u));
                let window = find(&pair, Rule::time_window)
                    .map_or(Window::Whole, |w| self.window(&w, scope));
                Condition::TimeOf(Period { scope, window })
            }
            Rule::scheduler => self.scheduler(&pair),
            Rule::env => Condition::Env(self.first_name(&pair)),
            Rule::param => {
                let mut names = pair.children().filter(|p| p.as_rule() == Rule::name);
                let key = names
                    .next()
                    .map(|n| self.name(&n, "parameter"))
                    .unwrap_or_default();
                match names.next() {
                    Some(v) => Condition::ParamIs {
                        key,
                        value: self.name(&v, "parameter value"),
                    },
                    None => Condition::ParamExists(key),
                }
            }
            _ => match super::custom::custom(self.whole, self.start, pair.as_str()) {
                Ok(name) => Condition::Custom(name),
                Err(e) => {
                    self.errors.push(e);
                    Condition::False
                }
            },
        }
    }

    fn periodic(&mut self, pair: &Pair<'_>) -> Condition {
        if has_child(pair, Rule::kw_secondly) {
            return Condition::Periodic(Period {
                scope: Scope::Second,
                window: Window::Whole,
            });
        }
        let scope = find(pair, Rule::frequency).map_or(Scope::Day, |f| scope_of(&f));
        let window = find(pair, Rule::window).map_or(Window::Whole, |w| self.window(&w, scope));
        Condition::Periodic(Period { scope, window })
    }

    pub(super) fn window(&mut self, pair: &Pair<'_>, scope: Scope) -> Window {
        let Some(form) = pair.children().next() else {
            return Window::Whole;
        };
        let mut anchors = form.children().filter(|p| p.as_rule() == Rule::anchor);
        let anchors = [anchors.next(), anchors.next()];
        let mut read = |i: usize, side: Side| {
            let a = anchors.get(i).copied().flatten()?;
            match anchor(
                self.whole,
                self.start + a.start(),
                a.end() - a.start(),
                scope,
                side,
            ) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.errors.push(e);
                    None
                }
            }
        };
        let result = match form.as_rule() {
            Rule::w_between => {
                let (a, b) = (read(0, Side::Start), read(1, Side::End));
                a.zip(b).map(|(a, b)| Window::Between(a, b))
            }
            Rule::w_after => read(0, Side::Start).map(Window::After),
            Rule::w_before => read(0, Side::End).map(Window::Before),
            Rule::w_starting => read(0, Side::Start).map(Window::Starting),
            _ => read(0, Side::Start).map(Window::On),
        };
        result.unwrap_or(Window::Whole)
    }

    pub(super) fn duration(&mut self, pair: &Pair<'_>, context: &str) -> std::time::Duration {
        let Some(d) = find(pair, Rule::duration) else {
            return std::time::Duration::ZERO;
        };
        match duration_at(
            self.whole,
            self.start + d.start(),
            d.end() - d.start(),
            context,
        ) {
            Ok(d) => d,
            Err(e) => {
                self.errors.push(e);
                std::time::Duration::ZERO
            }
        }
    }

    fn cron(&mut self, pair: &Pair<'_>) -> Condition {
        let Some(fields) = find(pair, Rule::cron_fields) else {
            return Condition::False;
        };
        match cron(
            self.whole,
            self.start + fields.start(),
            fields.end() - fields.start(),
        ) {
            Ok(c) => Condition::Cron(c),
            Err(e) => {
                self.errors.push(e);
                Condition::False
            }
        }
    }

    /// Unescapes a quoted name (`\'` → `'`, `\\` → `\`, other backslashes kept) and
    /// rejects the empty name.
    pub(super) fn name(&mut self, pair: &Pair<'_>, what: &str) -> String {
        let raw = pair.as_str();
        let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
        if inner.is_empty() {
            self.errors.push(
                ParseError::new(
                    self.whole,
                    self.start + pair.start()..self.start + pair.end(),
                    ParseErrorKind::Quote,
                    format!("empty {what} name"),
                )
                .with_help(format!("write the {what} name between the quotes")),
            );
        }
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(e @ ('\'' | '\\')) => out.push(e),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn first_name(&mut self, pair: &Pair<'_>) -> String {
        let what = match pair.as_rule() {
            Rule::env => "`env` value",
            _ => "task",
        };
        find(pair, Rule::name)
            .map(|n| self.name(&n, what))
            .unwrap_or_default()
    }

    fn after(&mut self, pair: &Pair<'_>) -> Condition {
        let outcome = match find(pair, Rule::outcome)
            .map(|o| o.as_str().to_owned())
            .as_deref()
        {
            Some("failed") => AfterOutcome::Failed,
            Some("finished") => AfterOutcome::Finished,
            _ => AfterOutcome::Succeeded,
        };
        let mut tasks = Vec::new();
        let mut any = false;
        for form in pair.children() {
            let rule = form.as_rule();
            if !matches!(rule, Rule::after_task | Rule::after_tasks | Rule::after_any) {
                continue;
            }
            any = rule == Rule::after_any;
            for name in form.descendants().filter(|p| p.as_rule() == Rule::name) {
                tasks.push(self.name(&name, "task"));
            }
        }
        // One task: "all of them" and "any of them" are the same condition.
        if tasks.len() == 1 {
            any = false;
        }
        Condition::After(AfterTasks {
            tasks,
            any,
            outcome,
        })
    }

    /// The `integer` below `form`, or an error when it does not fit in a `u64`.
    pub(super) fn integer(&mut self, form: &Pair<'_>) -> u64 {
        let Some(n) = find(form, Rule::integer) else {
            return 0;
        };
        n.as_str().parse::<u64>().unwrap_or_else(|_| {
            self.errors.push(
                ParseError::new(
                    self.whole,
                    self.start + n.start()..self.start + n.end(),
                    ParseErrorKind::Number,
                    format!("`{}` is too large", n.as_str()),
                )
                .with_help(format!("write a number up to {}", u64::MAX)),
            );
            0
        })
    }

    fn scheduler(&mut self, pair: &Pair<'_>) -> Condition {
        let Some(form) = pair.children().find(|p| {
            matches!(
                p.as_rule(),
                Rule::sched_started
                    | Rule::sched_run_over
                    | Rule::sched_more
                    | Rule::sched_less
                    | Rule::sched_exact
            )
        }) else {
            return Condition::False;
        };
        let count = |this: &mut Self| this.integer(&form);
        match form.as_rule() {
            Rule::sched_started => {
                Condition::SchedulerStartedWithin(self.duration(&form, "scheduler started"))
            }
            Rule::sched_run_over => {
                Condition::SchedulerRunOver(self.duration(&form, "scheduler has run over"))
            }
            Rule::sched_more => Condition::SchedulerCycles {
                comparison: Comparison::MoreThan,
                count: count(self),
            },
            Rule::sched_less => Condition::SchedulerCycles {
                comparison: Comparison::LessThan,
                count: count(self),
            },
            _ => Condition::SchedulerCycles {
                comparison: Comparison::Exactly,
                count: count(self),
            },
        }
    }
}
