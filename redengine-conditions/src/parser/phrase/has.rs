//! `[task 'n' ]has S [count] [when]`: the state, the optional count (`more than 3 times`)
//! and the window, with the number agreement of the count checked here.

use super::{find, scope_of, Builder};
use crate::ast::{
    Comparison, Condition, HasCount, HasState, HasWindow, Period, Scope, TaskState, Window,
};
use crate::error::{ParseError, ParseErrorKind};
use crate::parser::rule::Rule;
use crate::parser::tree::Pair;

impl Builder<'_> {
    /// `has S [when]` becomes [`Condition::Has`]; with a count, [`Condition::HasCount`].
    pub(super) fn has(&mut self, pair: &Pair<'_>) -> Condition {
        let task = find(pair, Rule::name).map(|n| self.name(&n, "task"));
        let state = match find(pair, Rule::state)
            .map(|s| s.as_str().to_owned())
            .as_deref()
        {
            Some("failed") => TaskState::Failed,
            Some("finished") => TaskState::Finished,
            Some("terminated") => TaskState::Terminated,
            Some("inacted") => TaskState::Inacted,
            Some("started") => TaskState::Started,
            Some("crashed") => TaskState::Crashed,
            _ => TaskState::Succeeded,
        };
        let when = match find(pair, Rule::has_when) {
            None => HasWindow::Ever,
            Some(when) => match find(&when, Rule::has_past) {
                Some(past) => HasWindow::Past(self.duration(&past, "has succeeded in past")),
                None => {
                    let scope = find(&when, Rule::has_period)
                        .and_then(|p| find(&p, Rule::this_unit).map(|u| scope_of(&u)))
                        .unwrap_or(Scope::Day);
                    let window =
                        find(&when, Rule::window).map_or(Window::Whole, |w| self.window(&w, scope));
                    HasWindow::Period(Period { scope, window })
                }
            },
        };
        match find(pair, Rule::has_count) {
            Some(count) => {
                let (comparison, count) = self.has_count(&count);
                Condition::HasCount(HasCount {
                    task,
                    state,
                    comparison,
                    count,
                    when,
                })
            }
            None => Condition::Has(HasState { task, state, when }),
        }
    }

    /// `more than N times`, `less than N times`, `exactly N times`: the comparison and
    /// `N`, checking that the noun agrees with the number (`1 time`, `3 times`).
    fn has_count(&mut self, pair: &Pair<'_>) -> (Comparison, u64) {
        let Some(form) = pair.children().find(|p| {
            matches!(
                p.as_rule(),
                Rule::count_more | Rule::count_less | Rule::count_exact
            )
        }) else {
            return (Comparison::Exactly, 0);
        };
        let comparison = match form.as_rule() {
            Rule::count_more => Comparison::MoreThan,
            Rule::count_less => Comparison::LessThan,
            _ => Comparison::Exactly,
        };
        let count = self.integer(&form);
        if let (Some(number), Some(noun)) = (find(&form, Rule::integer), find(pair, Rule::times)) {
            let wanted = if count == 1 { "time" } else { "times" };
            if noun.as_str() != wanted {
                let (from, to) = (number.start(), noun.end());
                let written = &pair.as_str()[from - pair.start()..to - pair.start()];
                self.errors.push(
                    ParseError::new(
                        self.whole,
                        self.start + from..self.start + to,
                        ParseErrorKind::Number,
                        format!("expected `{} {wanted}`, found `{written}`", number.as_str()),
                    )
                    .with_help("the count takes `1 time` in the singular, `times` otherwise"),
                );
            }
        }
        (comparison, count)
    }
}
