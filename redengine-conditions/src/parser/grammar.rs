//! The phrase grammar of the condition language: one function per rule.
//!
//! The operators `~ & | ( )` are handled by the hand-written scanner in `expr.rs`, which
//! cuts the input into phrases with exact spans and depth limits. Every phrase is then
//! parsed here, on its own, already trimmed. The grammar does not recurse, so a phrase
//! costs a bounded amount of stack whatever it contains. There is no implicit whitespace:
//! the language says exactly where spaces go (one between keywords, any number around
//! values), so the grammar spells them out with [`ks`] and [`vs`].
//!
//! Values (anchors, durations, cron fields, names) are matched loosely by the rules in
//! `grammar/values.rs` and interpreted by Rust code (`anchor.rs`, `duration.rs`,
//! `cron.rs`): their meaning depends on the scope, and a loose match lets those modules
//! say *what* is wrong ("`8` is not a time of day") instead of a bare "expected …".
//!
//! Conventions: `||` is ordered choice, `&&` a sequence, [`State::opt`] is `?`,
//! [`State::seq`] makes a sequence inside a choice or an option all-or-nothing.

mod has;
mod values;

use super::rule::Rule;
use super::state::{Failure, State, Token};
use has::{has, is_running, scheduler, time_of};
use values::{anchor, cron_fields, custom, duration, kw, name, name_list, one_of};

/// Parses one phrase into its tree (pre-order, the `phrase` node first), or says where
/// and why it stopped.
pub(super) fn parse(text: &str) -> Result<Vec<Token>, Failure> {
    State::run(text, phrase)
}

/// One complete phrase, nothing before or after it.
fn phrase(p: &mut State<'_>) -> bool {
    p.rule(Rule::phrase, |p| {
        (constant(p)
            || periodic(p)
            || every(p)
            || cron(p)
            || after(p)
            || has(p)
            || is_running(p)
            || time_of(p)
            || scheduler(p)
            || env(p)
            || param(p)
            || custom(p))
            && eoi(p)
    })
}

/// The end of the phrase.
fn eoi(p: &mut State<'_>) -> bool {
    p.rule(Rule::EOI, |p| p.at_end())
}

/// Exactly one space: the separator between two keywords. A named rule (not a bare
/// character) so a failure right after a keyword is reported at the right place.
fn ks(p: &mut State<'_>) -> bool {
    p.rule(Rule::ks, |p| p.text(" "))
}

/// One or more spaces: the separator before or after a value.
fn vs(p: &mut State<'_>) -> bool {
    p.rule(Rule::vs, |p| p.text(" ") && p.repeat(|p| p.text(" ")))
}

/// `true`, `false`, `always true`, `always false`.
fn constant(p: &mut State<'_>) -> bool {
    p.rule(Rule::constant, |p| {
        p.opt(|p| kw(p, Rule::kw_always) && ks(p))
            && (kw(p, Rule::kw_true) || kw(p, Rule::kw_false))
    })
}

/// `[run ]daily [window]`, `[run ]secondly`.
fn periodic(p: &mut State<'_>) -> bool {
    p.rule(Rule::periodic, |p| {
        p.opt(|p| kw(p, Rule::kw_run) && ks(p))
            && (kw(p, Rule::kw_secondly)
                || p.seq(|p| frequency(p) && p.opt(|p| ks(p) && window(p))))
    })
}

/// The five frequencies that take a window; each names a scope.
fn frequency(p: &mut State<'_>) -> bool {
    p.rule(Rule::frequency, |p| one_of(p, Rule::FREQUENCIES))
}

/// A window inside a scope instance.
fn window(p: &mut State<'_>) -> bool {
    p.rule(Rule::window, |p| {
        w_between(p) || w_after(p) || w_before(p) || w_starting(p) || w_on(p)
    })
}

/// `time of …` windows: there is no `starting` (it would always be true).
fn time_window(p: &mut State<'_>) -> bool {
    p.rule(Rule::time_window, |p| {
        w_between(p) || w_after(p) || w_before(p) || w_on(p)
    })
}

/// `between A and B`.
fn w_between(p: &mut State<'_>) -> bool {
    p.rule(Rule::w_between, |p| {
        kw(p, Rule::kw_between)
            && vs(p)
            && anchor(p)
            && vs(p)
            && kw(p, Rule::kw_and)
            && vs(p)
            && anchor(p)
    })
}

/// `after A`.
fn w_after(p: &mut State<'_>) -> bool {
    p.rule(Rule::w_after, |p| {
        kw(p, Rule::kw_after) && vs(p) && anchor(p)
    })
}

/// `before B`.
fn w_before(p: &mut State<'_>) -> bool {
    p.rule(Rule::w_before, |p| {
        kw(p, Rule::kw_before) && vs(p) && anchor(p)
    })
}

/// `starting A`.
fn w_starting(p: &mut State<'_>) -> bool {
    p.rule(Rule::w_starting, |p| {
        kw(p, Rule::kw_starting) && vs(p) && anchor(p)
    })
}

/// `on A`.
fn w_on(p: &mut State<'_>) -> bool {
    p.rule(Rule::w_on, |p| kw(p, Rule::kw_on) && vs(p) && anchor(p))
}

/// `[run ]every D`.
fn every(p: &mut State<'_>) -> bool {
    p.rule(Rule::every, |p| {
        p.opt(|p| kw(p, Rule::kw_run) && ks(p)) && kw(p, Rule::kw_every) && vs(p) && duration(p)
    })
}

/// `cron M H DOM MON DOW`.
fn cron(p: &mut State<'_>) -> bool {
    p.rule(Rule::cron, |p| {
        kw(p, Rule::kw_cron) && vs(p) && cron_fields(p)
    })
}

/// `after task 'a' [outcome]`, `after tasks 'a', 'b' [outcome]`, `after any tasks …`.
fn after(p: &mut State<'_>) -> bool {
    p.rule(Rule::after, |p| {
        kw(p, Rule::kw_after)
            && ks(p)
            && (after_any(p) || after_tasks(p) || after_task(p))
            && p.opt(|p| vs(p) && outcome(p))
    })
}

/// `task 'a'`: exactly one name.
fn after_task(p: &mut State<'_>) -> bool {
    p.rule(Rule::after_task, |p| {
        kw(p, Rule::kw_task) && vs(p) && name(p)
    })
}

/// `tasks 'a', 'b'`: every name must have finished.
fn after_tasks(p: &mut State<'_>) -> bool {
    p.rule(Rule::after_tasks, |p| {
        kw(p, Rule::kw_tasks) && vs(p) && name_list(p)
    })
}

/// `any tasks 'a', 'b'`: one of the names suffices.
fn after_any(p: &mut State<'_>) -> bool {
    p.rule(Rule::after_any, |p| {
        kw(p, Rule::kw_any) && ks(p) && kw(p, Rule::kw_tasks) && vs(p) && name_list(p)
    })
}

/// The upstream finish `after task` waits for.
fn outcome(p: &mut State<'_>) -> bool {
    p.rule(Rule::outcome, |p| one_of(p, Rule::OUTCOMES))
}

/// `env 'v'`.
fn env(p: &mut State<'_>) -> bool {
    p.rule(Rule::env, |p| kw(p, Rule::kw_env) && vs(p) && name(p))
}

/// `param 'k' exists`, `param 'k' is 'v'`.
fn param(p: &mut State<'_>) -> bool {
    p.rule(Rule::param, |p| {
        kw(p, Rule::kw_param)
            && vs(p)
            && name(p)
            && vs(p)
            && (kw(p, Rule::kw_exists) || p.seq(|p| kw(p, Rule::kw_is) && vs(p) && name(p)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(text: &str) -> (usize, Vec<Rule>) {
        let e = parse(text).expect_err(text);
        (e.pos, e.positives)
    }

    #[test]
    fn a_phrase_is_a_tree_of_the_rules_that_matched() {
        let tokens = parse("run daily after 8").unwrap();
        let rules: Vec<Rule> = tokens.iter().map(|t| t.rule).collect();
        use Rule::*;
        assert_eq!(
            rules,
            [
                phrase,
                periodic,
                kw_run,
                ks,
                frequency,
                kw_daily,
                ks,
                window,
                w_after,
                kw_after,
                vs,
                anchor,
                anchor_word,
                EOI
            ]
        );
        let value = tokens.iter().find(|t| t.rule == Rule::anchor).unwrap();
        assert_eq!((value.start, value.end), (16, 17));
    }

    #[test]
    fn the_furthest_failure_lists_what_could_continue_there() {
        // `and` would have continued the window, a second anchor word the anchor.
        assert_eq!(
            failure("daily between 08:00 or 09:00"),
            (20, vec![Rule::anchor_tail, Rule::kw_and])
        );
    }

    #[test]
    fn a_rule_whose_alternatives_all_failed_at_its_start_reports_itself() {
        // Not the five `kw_…` of `time_unit`: the unit is named once.
        assert_eq!(
            failure("time of year between 1 and 2"),
            (8, vec![Rule::time_unit])
        );
    }

    #[test]
    fn a_rule_with_one_failed_child_reports_the_child() {
        // `sched_exact` failed only on its `integer`: the number is the precise answer.
        let (pos, positives) = failure("scheduler has many cycles");
        assert_eq!(pos, 14);
        assert!(positives.contains(&Rule::integer), "{positives:?}");
        assert!(!positives.contains(&Rule::sched_exact), "{positives:?}");
    }

    #[test]
    fn atomic_rules_hide_their_insides() {
        // `duration` refuses a lone `ago`; its inner `duration_word` and `kw_ago` stay
        // details of the one token.
        assert_eq!(failure("scheduler started ago"), (18, vec![Rule::duration]));
    }

    #[test]
    fn keywords_end_at_a_word_boundary() {
        assert!(parse("dailyx").is_ok(), "a custom condition, checked later");
        assert_eq!(
            failure("always truex"),
            (7, vec![Rule::kw_false, Rule::kw_true])
        );
    }
}
