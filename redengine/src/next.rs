//! "When can this task next start?" for `list`: walk the start condition forward through
//! the instants `next_change` names, evaluating at each, with the log as it is now.
//!
//! `next_change` is conservative (the value *may* change there), so one step is not an
//! answer: `daily after 07:00 & after task 'x'` changes at 07:00 every day, yet stays
//! false until `x` succeeds. The walk is bounded by a horizon and a step count so an
//! unreachable condition costs at most a few milliseconds.

use chrono::{DateTime, TimeDelta, Utc};
use redengine_conditions::{Condition, Context, NextChange};

/// How far ahead `list` looks.
const HORIZON_DAYS: i64 = 365;
/// At most this many evaluations per task (a minutely window over a year is ~1M
/// instants; a year of `daily` or `hourly` edges fits well within).
const MAX_STEPS: usize = 10_000;

/// When a start condition can next become true, with no new log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NextStart {
    /// It is true at the instant looked from.
    Now,
    /// It becomes true at this instant.
    At(DateTime<Utc>),
    /// Time alone never makes it true: it waits for a run of a task or a parameter.
    OnEvent,
    /// It depends on a custom condition or the cycle count: the scheduler re-checks it
    /// every cycle.
    EveryCycle,
    /// Time alone does not make it true within the horizon, or the walk ran out of steps.
    NotWithinYear,
    /// Evaluating it failed (a custom condition's error, a phrase without its context).
    Error(String),
}

impl NextStart {
    /// The short form for the `list` table; `show` formats an instant.
    pub(crate) fn describe(&self, show: impl Fn(DateTime<Utc>) -> String) -> String {
        match self {
            NextStart::Now => "now".to_string(),
            NextStart::At(at) => show(*at),
            NextStart::OnEvent => "on an event".to_string(),
            NextStart::EveryCycle => "checked every cycle".to_string(),
            NextStart::NotWithinYear => "not within a year".to_string(),
            NextStart::Error(_) => "cannot be checked (see `check`)".to_string(),
        }
    }
}

/// Walks `cond` forward from `from`; `context(t)` builds the evaluation context at `t`.
pub(crate) fn next_start<'a>(
    cond: &Condition,
    from: DateTime<Utc>,
    context: impl Fn(DateTime<Utc>) -> Context<'a>,
) -> NextStart {
    let horizon = from
        .checked_add_signed(TimeDelta::days(HORIZON_DAYS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut at = from;
    for _ in 0..MAX_STEPS {
        let ctx = context(at);
        match cond.evaluate(&ctx) {
            Ok(true) if at == from => return NextStart::Now,
            Ok(true) => return NextStart::At(at),
            Ok(false) => {}
            Err(e) => return NextStart::Error(e.to_string()),
        }
        match cond.next_change(&ctx) {
            NextChange::At(next) if next > at && next <= horizon => at = next,
            NextChange::At(_) => break,
            NextChange::OnEvent => return NextStart::OnEvent,
            NextChange::NextCycle => return NextStart::EveryCycle,
        }
    }
    if waits_for_event(cond) {
        NextStart::OnEvent
    } else {
        NextStart::NotWithinYear
    }
}

/// Whether a record of some task or a parameter change can make `cond` true: then a walk
/// that found no instant still has an answer, "on an event".
fn waits_for_event(cond: &Condition) -> bool {
    let mut events = false;
    cond.walk(&mut |node| {
        if matches!(
            node,
            Condition::After(_)
                | Condition::Has(_)
                | Condition::HasCount(_)
                | Condition::IsRunning(_)
                | Condition::Env(_)
                | Condition::ParamExists(_)
                | Condition::ParamIs { .. }
        ) {
            events = true;
        }
    });
    events
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use redengine_conditions::{parse, Action, History, Zone};

    use super::*;

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(2024, 1, d, h, m, 0) {
            chrono::LocalResult::Single(t) => t,
            _ => panic!("bad test instant"),
        }
    }

    fn walk(cond: &str, from: DateTime<Utc>, history: &History) -> NextStart {
        let cond = parse(cond).unwrap_or_else(|e| panic!("{e}"));
        next_start(&cond, from, |t| {
            Context::new(t, Zone::Utc, history).with_owner("me")
        })
    }

    #[test]
    fn answers() {
        let mut h = History::new();
        let from = utc(3, 8, 5);
        assert_eq!(walk("daily after 07:00", from, &h), NextStart::Now);
        assert_eq!(
            walk("daily after 09:00", from, &h),
            NextStart::At(utc(3, 9, 0))
        );
        assert_eq!(walk("after task 'x'", from, &h), NextStart::OnEvent);
        // A count no record has reached yet waits for records, like `has failed today`.
        assert_eq!(
            walk("task 'x' has failed more than 3 times today", from, &h),
            NextStart::OnEvent
        );
        assert_eq!(walk("false", from, &h), NextStart::OnEvent);
        h.push("me", Action::Run, utc(3, 7, 0));
        h.push("me", Action::Success, utc(3, 7, 1));
        assert_eq!(
            walk("daily after 07:00", from, &h),
            NextStart::At(utc(4, 7, 0))
        );
        // Time makes `daily` true tomorrow, but `after task 'x'` stays false: an event.
        assert_eq!(
            walk("daily after 07:00 & after task 'x'", from, &h),
            NextStart::OnEvent
        );
        assert_eq!(
            walk(
                "time of day between 08:00 and 09:00 & time of day between 10:00 and 11:00",
                from,
                &h
            ),
            NextStart::NotWithinYear
        );
    }

    impl NextStart {
        /// Errors compare by kind only: their text belongs to the condition crate.
        fn min_error(self) -> NextStart {
            match self {
                NextStart::Error(_) => NextStart::Error(String::new()),
                other => other,
            }
        }
    }

    #[test]
    fn errors_are_reported() {
        let h = History::new();
        let got = walk("is_sale", utc(3, 8, 5), &h).min_error();
        assert_eq!(got, NextStart::Error(String::new()));
    }
}
