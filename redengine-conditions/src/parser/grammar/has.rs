//! The phrases about records and the scheduler: `has`, `is running`, `time of` and
//! `scheduler …`, with the counts and periods they take.

use super::values::{duration, integer, kw, name, one_of};
use super::{ks, time_window, vs, window};
use crate::parser::rule::Rule;
use crate::parser::state::State;

/// `[task 'n' ]has S [count] [when]`.
pub(super) fn has(p: &mut State<'_>) -> bool {
    p.rule(Rule::has, |p| {
        p.opt(|p| kw(p, Rule::kw_task) && vs(p) && name(p) && vs(p))
            && kw(p, Rule::kw_has)
            && ks(p)
            && state(p)
            && p.opt(|p| ks(p) && has_count(p))
            && p.opt(|p| ks(p) && has_when(p))
    })
}

/// `more than N times`, `less than N times`, `exactly N times` (`1 time` in the singular;
/// the number agreement is checked in Rust, so `3 time` gets a precise message).
fn has_count(p: &mut State<'_>) -> bool {
    p.rule(Rule::has_count, |p| {
        (count_more(p) || count_less(p) || count_exact(p)) && vs(p) && times(p)
    })
}

/// `more than N`.
fn count_more(p: &mut State<'_>) -> bool {
    p.rule(Rule::count_more, |p| than(p, Rule::kw_more))
}

/// `less than N`.
fn count_less(p: &mut State<'_>) -> bool {
    p.rule(Rule::count_less, |p| than(p, Rule::kw_less))
}

/// `more than N` or `less than N` (`word` is `kw_more` or `kw_less`): the comparison
/// both `has … times` and `scheduler has … cycles` start with, inside their own rules.
fn than(p: &mut State<'_>, word: Rule) -> bool {
    kw(p, word) && ks(p) && kw(p, Rule::kw_than) && vs(p) && integer(p)
}

/// `exactly N`.
fn count_exact(p: &mut State<'_>) -> bool {
    p.rule(Rule::count_exact, |p| {
        kw(p, Rule::kw_exactly) && vs(p) && integer(p)
    })
}

/// `times` or `time`.
fn times(p: &mut State<'_>) -> bool {
    p.rule(Rule::times, |p| {
        kw(p, Rule::kw_times) || kw(p, Rule::kw_time)
    })
}

/// The state `has` counts.
fn state(p: &mut State<'_>) -> bool {
    p.rule(Rule::state, |p| one_of(p, Rule::STATES))
}

/// Where the records of `has` must lie.
fn has_when(p: &mut State<'_>) -> bool {
    p.rule(Rule::has_when, |p| {
        has_past(p) || p.seq(|p| has_period(p) && p.opt(|p| ks(p) && window(p)))
    })
}

/// `[in ]past D`.
fn has_past(p: &mut State<'_>) -> bool {
    p.rule(Rule::has_past, |p| {
        p.opt(|p| kw(p, Rule::kw_in) && ks(p)) && kw(p, Rule::kw_past) && vs(p) && duration(p)
    })
}

/// `today`, `this minute`, `this hour`, `this week`, `this month`.
fn has_period(p: &mut State<'_>) -> bool {
    p.rule(Rule::has_period, |p| {
        kw(p, Rule::kw_today) || p.seq(|p| kw(p, Rule::kw_this) && ks(p) && this_unit(p))
    })
}

/// The units after `this`.
fn this_unit(p: &mut State<'_>) -> bool {
    p.rule(Rule::this_unit, |p| one_of(p, Rule::THIS_UNITS))
}

/// `[while ]task 'n' is running`.
pub(super) fn is_running(p: &mut State<'_>) -> bool {
    p.rule(Rule::is_running, |p| {
        p.opt(|p| kw(p, Rule::kw_while) && ks(p))
            && kw(p, Rule::kw_task)
            && vs(p)
            && name(p)
            && vs(p)
            && kw(p, Rule::kw_is)
            && ks(p)
            && kw(p, Rule::kw_running)
    })
}

/// `time of U <window>`.
pub(super) fn time_of(p: &mut State<'_>) -> bool {
    p.rule(Rule::time_of, |p| {
        kw(p, Rule::kw_time)
            && ks(p)
            && kw(p, Rule::kw_of)
            && ks(p)
            && time_unit(p)
            && ks(p)
            && time_window(p)
    })
}

/// The units after `time of`.
fn time_unit(p: &mut State<'_>) -> bool {
    p.rule(Rule::time_unit, |p| one_of(p, Rule::TIME_UNITS))
}

/// `scheduler has more than N cycles`, `… less than N cycles`, `… has N cycles`,
/// `scheduler started D ago`, `scheduler has run over D`.
pub(super) fn scheduler(p: &mut State<'_>) -> bool {
    p.rule(Rule::scheduler, |p| {
        kw(p, Rule::kw_scheduler)
            && ks(p)
            && (sched_started(p)
                || p.seq(|p| {
                    kw(p, Rule::kw_has)
                        && ks(p)
                        && (sched_more(p) || sched_less(p) || sched_run_over(p) || sched_exact(p))
                }))
    })
}

/// `started D ago`.
fn sched_started(p: &mut State<'_>) -> bool {
    p.rule(Rule::sched_started, |p| {
        kw(p, Rule::kw_started) && vs(p) && duration(p) && vs(p) && kw(p, Rule::kw_ago)
    })
}

/// `more than N cycles`.
fn sched_more(p: &mut State<'_>) -> bool {
    p.rule(Rule::sched_more, |p| {
        than(p, Rule::kw_more) && vs(p) && kw(p, Rule::kw_cycles)
    })
}

/// `less than N cycles`.
fn sched_less(p: &mut State<'_>) -> bool {
    p.rule(Rule::sched_less, |p| {
        than(p, Rule::kw_less) && vs(p) && kw(p, Rule::kw_cycles)
    })
}

/// `N cycles`.
fn sched_exact(p: &mut State<'_>) -> bool {
    p.rule(Rule::sched_exact, |p| {
        integer(p) && vs(p) && kw(p, Rule::kw_cycles)
    })
}

/// `run over D`.
fn sched_run_over(p: &mut State<'_>) -> bool {
    p.rule(Rule::sched_run_over, |p| {
        kw(p, Rule::kw_run) && ks(p) && kw(p, Rule::kw_over) && vs(p) && duration(p)
    })
}
