//! Counting conditions (`has failed more than 3 times today`): truth tables at the window
//! edges, explanations, exact next-change instants and a property test that the count is
//! constant until `next_change` and changes there.
//!
//! 2024-01-01 is a Monday. Trees are checked in `tests/parse.rs`; here conditions are
//! parsed from their text.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use redengine_conditions::{
    is_true_at, parse, Action, Condition, Context, EvalError, History, LogRecord, NextChange, Zone,
};

/// `2024-01-03 08:05`, `2024-01-03 08:05:00.000001`, …
fn t(text: &str) -> NaiveDateTime {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .unwrap_or_else(|| panic!("bad test time `{text}`"))
}

fn utc(text: &str) -> DateTime<Utc> {
    t(text).and_utc()
}

fn cond(text: &str) -> Condition {
    parse(text).unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

/// `("fail", time)` is the owner's record, `("x:fail", time)` task `x`'s.
fn records(items: &[(&str, &str)]) -> Vec<LogRecord> {
    items
        .iter()
        .map(|(spec, time)| {
            let (task, action) = spec.split_once(':').unwrap_or(("me", spec));
            LogRecord::new(task, action.parse().unwrap(), t(time))
        })
        .collect()
}

/// Asserts the value of `condition`, owned by `me`, at each `(now, expected)`.
#[track_caller]
fn table(condition: &str, history: &[(&str, &str)], cases: &[(&str, bool)]) {
    let c = cond(condition);
    let records = records(history);
    for (now, expected) in cases {
        assert_eq!(
            is_true_at(&c, "me", t(now), &records),
            *expected,
            "`{condition}` at {now}"
        );
    }
}

#[test]
fn more_than_today_counts_inside_the_day() {
    let fails = [
        ("x:fail", "2024-01-02 23:59:59.999999"),
        ("x:fail", "2024-01-03 00:00"),
        ("x:fail", "2024-01-03 08:00"),
        ("x:fail", "2024-01-03 09:00"),
        ("x:fail", "2024-01-03 10:00"),
        ("x:success", "2024-01-03 10:30"),
        ("fail", "2024-01-03 10:45"),
    ];
    table(
        "task 'x' has failed more than 3 times today",
        &fails,
        &[
            // Three of today's four fails so far: 3 is not more than 3.
            ("2024-01-03 09:59:59.999999", false),
            // The fourth, at the instant it is recorded (both ends inclusive).
            ("2024-01-03 10:00", true),
            ("2024-01-03 23:59:59.999999", true),
            // A new day: the count starts again.
            ("2024-01-04 00:00", false),
        ],
    );
    // Yesterday's last-microsecond fail is not today's.
    table(
        "task 'x' has failed exactly 1 time today",
        &fails,
        &[
            ("2024-01-02 23:59:59.999999", true),
            ("2024-01-03 00:00", true),
            ("2024-01-03 07:59:59.999999", true),
            ("2024-01-03 08:00", false),
        ],
    );
}

#[test]
fn less_than_in_past_counts_a_sliding_window() {
    let successes = [
        ("success", "2024-01-03 11:00"),
        ("success", "2024-01-03 11:30"),
    ];
    table(
        "has succeeded less than 2 times in past 1 hour",
        &successes,
        &[
            ("2024-01-03 10:59:59.999999", true),
            ("2024-01-03 11:30", false),
            // Exactly one hour after the oldest it is still inside…
            ("2024-01-03 12:00", false),
            // …and leaves one microsecond later.
            ("2024-01-03 12:00:00.000001", true),
            ("2024-01-03 12:30", true),
        ],
    );
    table(
        "has succeeded exactly 0 times in past 1 hour",
        &successes,
        &[
            ("2024-01-03 10:59:59.999999", true),
            ("2024-01-03 11:00", false),
            ("2024-01-03 12:30", false),
            ("2024-01-03 12:30:00.000001", true),
        ],
    );
}

#[test]
fn exactly_this_week_and_windows_inside_periods() {
    let runs = [
        ("x:run", "2024-01-01 00:00"),
        ("x:run", "2024-01-07 23:59:59.999999"),
    ];
    table(
        "task 'x' has started exactly 2 times this week",
        &runs,
        &[
            ("2024-01-07 23:59:59.999998", false),
            ("2024-01-07 23:59:59.999999", true),
            ("2024-01-08 00:00", false),
        ],
    );
    let fails = [
        ("fail", "2024-01-03 07:59:59.999999"),
        ("fail", "2024-01-03 08:00"),
        ("fail", "2024-01-03 10:00"),
        ("fail", "2024-01-03 10:00:00.000001"),
    ];
    let c = "has failed more than 1 time today between 08:00 and 10:00";
    table(
        c,
        &fails,
        &[
            ("2024-01-03 09:00", false),
            ("2024-01-03 10:00", true),
            // The completed window stays the window until the next one opens.
            ("2024-01-04 07:59:59.999999", true),
            ("2024-01-04 08:00", false),
        ],
    );
}

#[test]
fn states_count_their_action_sets() {
    let mixed = [
        ("success", "2024-01-03 08:00"),
        ("fail", "2024-01-03 08:10"),
        ("terminate", "2024-01-03 08:20"),
        ("inaction", "2024-01-03 08:30"),
        ("crash", "2024-01-03 08:40"),
        ("run", "2024-01-03 08:50"),
    ];
    let now = "2024-01-03 12:00";
    for (condition, expected) in [
        ("has finished exactly 3 times today", true),
        ("has succeeded exactly 1 time today", true),
        ("has failed exactly 1 time today", true),
        ("has terminated exactly 1 time today", true),
        ("has inacted exactly 1 time today", true),
        ("has crashed exactly 1 time today", true),
        ("has started exactly 1 time today", true),
        ("has finished more than 3 times today", false),
        ("has succeeded exactly 1 time", true),
        ("task 'other' has succeeded exactly 0 times", true),
        ("task 'other' has succeeded less than 1 time", true),
    ] {
        table(condition, &mixed, &[(now, expected)]);
    }
}

#[test]
fn the_owner_form_needs_an_owner() {
    let history = History::new();
    let ctx = Context::new(utc("2024-01-03 12:00"), Zone::Utc, &history);
    let c = cond("has failed more than 3 times today");
    assert_eq!(c.owner_phrases(), vec![&c]);
    match c.evaluate(&ctx) {
        Err(EvalError::NoOwner { phrase }) => {
            assert_eq!(phrase, "has failed more than 3 times today");
        }
        other => panic!("expected NoOwner, got {other:?}"),
    }
    assert_eq!(c.next_change(&ctx), NextChange::NextCycle);
    let named = cond("task 'x' has failed more than 3 times today");
    assert!(named.owner_phrases().is_empty());
    assert_eq!(named.task_names(), vec!["x"]);
    assert_eq!(named.evaluate(&ctx).ok(), Some(false));
}

fn ctx_at<'a>(history: &'a History, now: &str) -> Context<'a> {
    Context::new(utc(now), Zone::Utc, history).with_owner("me")
}

#[test]
fn explanations_say_the_count_and_the_threshold() {
    let history = History::from_records(&records(&[
        ("x:fail", "2024-01-03 08:00"),
        ("x:fail", "2024-01-03 09:00"),
        ("success", "2024-01-03 11:30"),
    ]));
    let e = cond("task 'x' has failed more than 3 times today")
        .explain(&ctx_at(&history, "2024-01-03 12:00"));
    assert_eq!(
        e.to_string(),
        "task 'x' has failed more than 3 times today = false: 'x' failed 2 times inside the \
         window 00:00–23:59:59.999999; the condition asks for more than 3\n"
    );
    let e = cond("has succeeded less than 2 times in past 1 hour")
        .explain(&ctx_at(&history, "2024-01-03 12:00"));
    assert_eq!(e.value, Ok(true));
    assert_eq!(
        e.reason,
        "'me' succeeded 1 time within the last 1 hour; the condition asks for less than 2"
    );
    let e = cond("has succeeded exactly 0 times").explain(&ctx_at(&history, "2024-01-03 12:00"));
    assert_eq!(e.value, Ok(false));
    assert_eq!(
        e.reason,
        "'me' succeeded 1 time in the whole log; the condition asks for exactly 0"
    );
}

fn next(condition: &str, history: &[(&str, &str)], now: &str) -> NextChange {
    let history = History::from_records(&records(history));
    cond(condition).next_change(&ctx_at(&history, now))
}

#[test]
fn next_change_exact_instants() {
    let at = |s: &str| NextChange::At(utc(s));
    let c = "has succeeded less than 2 times in past 1 hour";
    let two = [
        ("success", "2024-01-03 11:00"),
        ("success", "2024-01-03 11:30"),
    ];
    // The oldest counted record leaves first: its time + D + 1 µs.
    assert_eq!(
        next(c, &two, "2024-01-03 11:45"),
        at("2024-01-03 12:00:00.000001")
    );
    assert_eq!(
        next(c, &two, "2024-01-03 12:00:00.000001"),
        at("2024-01-03 12:30:00.000001")
    );
    // Nothing in the window: only a new record changes the count.
    assert_eq!(next(c, &two, "2024-01-03 13:00"), NextChange::OnEvent);
    // A record dated after now (a clock set back) enters when now reaches it.
    assert_eq!(next(c, &two, "2024-01-03 10:00"), at("2024-01-03 11:00"));
    // Period windows change at the next occurrence start.
    let c = "has failed more than 3 times today";
    assert_eq!(next(c, &[], "2024-01-03 12:00"), at("2024-01-04 00:00"));
    let c = "has failed more than 1 time today between 08:00 and 10:00";
    assert_eq!(
        next(c, &[("fail", "2024-01-03 08:30")], "2024-01-03 09:00"),
        at("2024-01-04 08:00")
    );
    assert_eq!(
        next(
            c,
            &[("fail", "2024-01-03 08:30"), ("fail", "2024-01-03 09:30")],
            "2024-01-03 09:00"
        ),
        at("2024-01-03 09:30")
    );
    // Counting the whole log: only new records.
    assert_eq!(
        next(
            "has failed exactly 2 times",
            &[("fail", "2024-01-03 08:30")],
            "2024-01-03 09:00"
        ),
        NextChange::OnEvent
    );
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// The number of records `template` (with `{}` for the count) counts at `at`: the `K`
/// for which `exactly K times` holds. Histories here hold at most eight records.
fn count_at(template: &str, history: &History, at: DateTime<Utc>) -> u64 {
    let ctx = Context::new(at, Zone::Utc, history).with_owner("me");
    (0..=8)
        .find(|k| {
            let noun = if *k == 1 { "time" } else { "times" };
            cond(&template.replace("{}", &format!("exactly {k} {noun}")))
                .evaluate(&ctx)
                .unwrap()
        })
        .expect("a count between 0 and 8")
}

/// For random histories and instants: the count is the same everywhere in (now, next)
/// and differs at `next` (a past-D count always loses its oldest record there; a period
/// count restarts at zero, a change whenever it was not zero). The answer does not depend
/// on the comparison, so checking the count covers `more than`, `less than` and `exactly`.
#[test]
fn next_change_is_exact_for_counts() {
    let templates = [
        ("has failed {} in past 2 hours", true),
        ("has finished {} in past 90 minutes", true),
        ("task 'x' has started {} in past 1 day", true),
        ("has failed {} today", false),
        ("has failed {} this hour", false),
        ("has finished {} today between 08:00 and 10:00", false),
        ("task 'x' has started {} this week", false),
    ];
    let conditions_agree = [
        "has failed more than 1 time in past 2 hours",
        "has failed less than 2 times today",
    ];
    let actions = [
        Action::Run,
        Action::Success,
        Action::Fail,
        Action::Terminate,
    ];
    let base = utc("2024-01-01 00:00");
    let span = 14 * 24 * 3600 * 1_000_000_u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut changes = vec![0_u32; templates.len()];
    for round in 0..250 {
        let mut now = base + TimeDelta::microseconds(rng.below(span) as i64);
        if round % 3 == 0 {
            let us = now.timestamp_micros();
            now = DateTime::from_timestamp_micros(us - us.rem_euclid(3_600_000_000)).unwrap();
        }
        let mut history = History::new();
        for _ in 0..rng.below(9) {
            // Records up to a day before now, some exactly on the hour.
            let mut back = rng.below(24 * 3600 * 1_000_000) as i64;
            if rng.below(4) == 0 {
                back -= back % 3_600_000_000;
            }
            let task = if rng.below(2) == 0 { "me" } else { "x" };
            let action = actions[rng.below(actions.len() as u64) as usize];
            history.push(task, action, now - TimeDelta::microseconds(back));
        }
        let ctx = Context::new(now, Zone::Utc, &history).with_owner("me");
        for (index, (template, sliding)) in templates.iter().enumerate() {
            let c = cond(&template.replace("{}", "more than 0 times"));
            let count = count_at(template, &history, now);
            let until = match c.next_change(&ctx) {
                NextChange::At(at) => at,
                NextChange::OnEvent => {
                    assert!(*sliding && count == 0, "`{template}` at {now}: OnEvent");
                    continue;
                }
                NextChange::NextCycle => panic!("`{template}` answered NextCycle"),
            };
            assert!(until > now);
            let gap = (until - now).num_microseconds().unwrap();
            for offset in [1, gap / 2, gap - 1, 1 + rng.below(gap as u64) as i64] {
                if offset > 0 && offset < gap {
                    let at = now + TimeDelta::microseconds(offset);
                    assert_eq!(
                        count_at(template, &history, at),
                        count,
                        "`{template}`: the count changed at {at}, before {until} (now {now})"
                    );
                }
            }
            let after = count_at(template, &history, until);
            if *sliding {
                assert!(
                    after < count,
                    "`{template}` at {now}: next change {until} does not drop the count {count}"
                );
            } else {
                assert_eq!(after, 0, "`{template}`: a new window starts empty");
            }
            if after != count {
                changes[index] += 1;
            }
        }
        // The comparison does not move the instant.
        for text in conditions_agree {
            let c = cond(text);
            let zero = cond(
                &text
                    .replace("more than 1 time", "exactly 0 times")
                    .replace("less than 2 times", "exactly 0 times"),
            );
            assert_eq!(c.next_change(&ctx), zero.next_change(&ctx), "`{text}`");
        }
    }
    for ((template, _), n) in templates.iter().zip(&changes) {
        assert!(
            *n > 0,
            "`{template}`: the count never changed at next_change"
        );
    }
}
