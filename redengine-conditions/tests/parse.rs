//! Accept and reject tables for the parser.
//!
//! Accept tests compare the whole tree, not just `Ok`. Reject tests compare the exact
//! `Display` text: message, caret excerpt and help.

use std::time::Duration;

use chrono::Weekday;
use redengine_conditions::{
    parse, parse_all, parse_duration, AfterOutcome, AfterTasks, Anchor, Comparison, Condition,
    HasCount, HasState, HasWindow, ParseErrorKind, Period, Scope, TaskState, Window,
};

const S: u64 = 1_000_000;
const M: u64 = 60 * S;
const H: u64 = 60 * M;

fn at(us: u64) -> Anchor {
    Anchor::Offset(us)
}

fn periodic(scope: Scope, window: Window) -> Condition {
    Condition::Periodic(Period { scope, window })
}

fn time_of(scope: Scope, window: Window) -> Condition {
    Condition::TimeOf(Period { scope, window })
}

fn after(tasks: &[&str], any: bool, outcome: AfterOutcome) -> Condition {
    Condition::After(AfterTasks {
        tasks: tasks.iter().map(|t| (*t).to_owned()).collect(),
        any,
        outcome,
    })
}

fn has(task: Option<&str>, state: TaskState, when: HasWindow) -> Condition {
    Condition::Has(HasState {
        task: task.map(str::to_owned),
        state,
        when,
    })
}

fn count(
    task: Option<&str>,
    state: TaskState,
    comparison: Comparison,
    count: u64,
    when: HasWindow,
) -> Condition {
    Condition::HasCount(HasCount {
        task: task.map(str::to_owned),
        state,
        comparison,
        count,
        when,
    })
}

fn day(day: Weekday, time: Option<u64>) -> Anchor {
    Anchor::Weekday { day, time }
}

fn mday(day: u8, time: Option<u64>) -> Anchor {
    Anchor::MonthDay { day, time }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn custom(name: &str) -> Condition {
    Condition::Custom(name.to_owned())
}

fn accept_table() -> Vec<(&'static str, Condition)> {
    use Condition as C;
    use Scope::*;
    use Window::*;
    vec![
        ("true", C::True),
        ("always true", C::True),
        ("false", C::False),
        ("always false", C::False),
        ("daily", periodic(Day, Whole)),
        ("run hourly", periodic(Hour, Whole)),
        ("minutely", periodic(Minute, Whole)),
        ("weekly", periodic(Week, Whole)),
        ("monthly", periodic(Month, Whole)),
        ("secondly", periodic(Second, Whole)),
        ("run secondly", periodic(Second, Whole)),
        (
            "daily between 08:00 and 08:15",
            periodic(Day, Between(at(8 * H), at(8 * H + 15 * M))),
        ),
        ("daily after 08:00", periodic(Day, After(at(8 * H)))),
        ("daily before 10:00", periodic(Day, Before(at(10 * H)))),
        ("daily starting 10:00", periodic(Day, Starting(at(10 * H)))),
        ("daily on 10:00", periodic(Day, On(at(10 * H)))),
        (
            "weekly on Tuesday",
            periodic(Week, On(day(Weekday::Tue, None))),
        ),
        ("daily after  08:00", periodic(Day, After(at(8 * H)))),
        ("daily ", periodic(Day, Whole)),
        (
            "daily between 22:00 and 24:00",
            periodic(Day, Between(at(22 * H), at(24 * H))),
        ),
        ("daily before 24:00:00", periodic(Day, Before(at(24 * H)))),
        ("daily after 8:00", periodic(Day, After(at(8 * H)))),
        (
            "daily after 08:00:30",
            periodic(Day, After(at(8 * H + 30 * S))),
        ),
        (
            "daily after 08:00:30.5",
            periodic(Day, After(at(8 * H + 30 * S + 500_000))),
        ),
        (
            "daily after 08:00:30.000001",
            periodic(Day, After(at(8 * H + 30 * S + 1))),
        ),
        ("daily after 8am", periodic(Day, After(at(8 * H)))),
        ("daily after 8 PM", periodic(Day, After(at(20 * H)))),
        (
            "daily after 8:30pm",
            periodic(Day, After(at(20 * H + 30 * M))),
        ),
        ("daily after 12:00 AM", periodic(Day, After(at(0)))),
        ("daily after 12pm", periodic(Day, After(at(12 * H)))),
        (
            "daily after 11:59:59 pm",
            periodic(Day, After(at(23 * H + 59 * M + 59 * S))),
        ),
        (
            "hourly between 15:00 and 30:00",
            periodic(Hour, Between(at(15 * M), at(30 * M))),
        ),
        ("hourly after 45:00", periodic(Hour, After(at(45 * M)))),
        ("hourly on 15:00", periodic(Hour, On(at(15 * M)))),
        ("hourly before 1q", periodic(Hour, Before(at(15 * M - 1)))),
        (
            "hourly after 3 quarter",
            periodic(Hour, After(at(45 * M - 1))),
        ),
        ("hourly before 4Q", periodic(Hour, Before(at(60 * M - 1)))),
        (
            "hourly after 59:59.999999",
            periodic(Hour, After(at(60 * M - 1))),
        ),
        (
            "minutely between 10 and 20",
            periodic(Minute, Between(at(10 * S), at(20 * S))),
        ),
        ("minutely on 30", periodic(Minute, On(at(30 * S)))),
        (
            "minutely after 05.25",
            periodic(Minute, After(at(5 * S + 250_000))),
        ),
        (
            "weekly between Monday and Friday",
            periodic(
                Week,
                Between(day(Weekday::Mon, None), day(Weekday::Fri, None)),
            ),
        ),
        (
            "weekly after Saturday",
            periodic(Week, After(day(Weekday::Sat, None))),
        ),
        (
            "weekly on Tue 10:00",
            periodic(Week, On(day(Weekday::Tue, Some(10 * H)))),
        ),
        (
            "weekly before FRI 24:00",
            periodic(Week, Before(day(Weekday::Fri, Some(24 * H)))),
        ),
        (
            "weekly after mon 6 pm",
            periodic(Week, After(day(Weekday::Mon, Some(18 * H)))),
        ),
        (
            "weekly on sunday",
            periodic(Week, On(day(Weekday::Sun, None))),
        ),
        (
            "monthly between 1st and 5th",
            periodic(Month, Between(mday(1, None), mday(5, None))),
        ),
        ("monthly after 28th", periodic(Month, After(mday(28, None)))),
        (
            "monthly between 31st and 2nd",
            periodic(Month, Between(mday(31, None), mday(2, None))),
        ),
        (
            "monthly on 3rd 12:30",
            periodic(Month, On(mday(3, Some(12 * H + 30 * M)))),
        ),
        ("monthly after 15", periodic(Month, After(mday(15, None)))),
        ("monthly after 1.", periodic(Month, After(mday(1, None)))),
        ("monthly after 2st", periodic(Month, After(mday(2, None)))),
        ("monthly after 1ST", periodic(Month, After(mday(1, None)))),
        ("every 10 minutes", C::Every(secs(600))),
        ("run every 1h 30min", C::Every(secs(5_400))),
        ("every 90s", C::Every(secs(90))),
        ("every 1h30min", C::Every(secs(5_400))),
        (
            "every 1 days 1 hours 30 minutes 30 seconds",
            C::Every(secs(91_830)),
        ),
        ("every 2 weeks", C::Every(secs(1_209_600))),
        (
            "after task 'get_data'",
            after(&["get_data"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'get_data' succeeded",
            after(&["get_data"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'get_data' failed",
            after(&["get_data"], false, AfterOutcome::Failed),
        ),
        (
            "after task 'get_data' finished",
            after(&["get_data"], false, AfterOutcome::Finished),
        ),
        (
            "after tasks 'a', 'b'",
            after(&["a", "b"], false, AfterOutcome::Succeeded),
        ),
        (
            "after tasks 'a','b' , 'c' failed",
            after(&["a", "b", "c"], false, AfterOutcome::Failed),
        ),
        (
            "after tasks 'a'",
            after(&["a"], false, AfterOutcome::Succeeded),
        ),
        (
            "after any tasks 'a', 'b' finished",
            after(&["a", "b"], true, AfterOutcome::Finished),
        ),
        (
            "after task 'a&b'",
            after(&["a&b"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'group1.group-2.mytask+'",
            after(&["group1.group-2.mytask+"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'it\\'s'",
            after(&["it's"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'back\\\\slash'",
            after(&["back\\slash"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'keep\\n'",
            after(&["keep\\n"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task ' spaced (x) | ~y '",
            after(&[" spaced (x) | ~y "], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'Fetch'",
            after(&["Fetch"], false, AfterOutcome::Succeeded),
        ),
        (
            "after task 'données'",
            after(&["données"], false, AfterOutcome::Succeeded),
        ),
        ("has failed", has(None, TaskState::Failed, HasWindow::Ever)),
        (
            "task 'x' has succeeded",
            has(Some("x"), TaskState::Succeeded, HasWindow::Ever),
        ),
        (
            "has succeeded today",
            has(
                None,
                TaskState::Succeeded,
                HasWindow::Period(Period {
                    scope: Day,
                    window: Whole,
                }),
            ),
        ),
        (
            "has finished this minute",
            has(
                None,
                TaskState::Finished,
                HasWindow::Period(Period {
                    scope: Minute,
                    window: Whole,
                }),
            ),
        ),
        (
            "has terminated this hour between 15:00 and 30:00",
            has(
                None,
                TaskState::Terminated,
                HasWindow::Period(Period {
                    scope: Hour,
                    window: Between(at(15 * M), at(30 * M)),
                }),
            ),
        ),
        (
            "has inacted this week on Monday",
            has(
                None,
                TaskState::Inacted,
                HasWindow::Period(Period {
                    scope: Week,
                    window: On(day(Weekday::Mon, None)),
                }),
            ),
        ),
        (
            "has crashed this month after 15th",
            has(
                None,
                TaskState::Crashed,
                HasWindow::Period(Period {
                    scope: Month,
                    window: After(mday(15, None)),
                }),
            ),
        ),
        (
            "task 'x' has failed today between 10:00 and 14:00",
            has(
                Some("x"),
                TaskState::Failed,
                HasWindow::Period(Period {
                    scope: Day,
                    window: Between(at(10 * H), at(14 * H)),
                }),
            ),
        ),
        (
            "task 'x' has started today starting 10:00",
            has(
                Some("x"),
                TaskState::Started,
                HasWindow::Period(Period {
                    scope: Day,
                    window: Starting(at(10 * H)),
                }),
            ),
        ),
        (
            "task 'x' has succeeded in past 2 hours",
            has(
                Some("x"),
                TaskState::Succeeded,
                HasWindow::Past(secs(7_200)),
            ),
        ),
        (
            "has succeeded past 10 minutes",
            has(None, TaskState::Succeeded, HasWindow::Past(secs(600))),
        ),
        (
            "task 'x'  has failed",
            has(Some("x"), TaskState::Failed, HasWindow::Ever),
        ),
        ("task 'x' is running", C::IsRunning("x".into())),
        ("while task 'x' is running", C::IsRunning("x".into())),
        (
            "time of day between 16:00 and 20:00",
            time_of(Day, Between(at(16 * H), at(20 * H))),
        ),
        (
            "time of week on Monday",
            time_of(Week, On(day(Weekday::Mon, None))),
        ),
        ("time of hour after 45:00", time_of(Hour, After(at(45 * M)))),
        (
            "time of minute before 30",
            time_of(Minute, Before(at(30 * S))),
        ),
        (
            "time of month between 28th and 3rd",
            time_of(Month, Between(mday(28, None), mday(3, None))),
        ),
        (
            "time of week between Fri 18:00 and Mon 06:00",
            time_of(
                Week,
                Between(
                    day(Weekday::Fri, Some(18 * H)),
                    day(Weekday::Mon, Some(6 * H)),
                ),
            ),
        ),
        (
            "task 'x' has failed more than 3 times today",
            count(
                Some("x"),
                TaskState::Failed,
                Comparison::MoreThan,
                3,
                HasWindow::Period(Period {
                    scope: Day,
                    window: Whole,
                }),
            ),
        ),
        (
            "has succeeded less than 2 times in past 1 hour",
            count(
                None,
                TaskState::Succeeded,
                Comparison::LessThan,
                2,
                HasWindow::Past(secs(3_600)),
            ),
        ),
        (
            "task 'x' has started exactly 2 times this week",
            count(
                Some("x"),
                TaskState::Started,
                Comparison::Exactly,
                2,
                HasWindow::Period(Period {
                    scope: Week,
                    window: Whole,
                }),
            ),
        ),
        (
            "has finished exactly 1 time",
            count(
                None,
                TaskState::Finished,
                Comparison::Exactly,
                1,
                HasWindow::Ever,
            ),
        ),
        (
            "has failed more than 0 times past 90s",
            count(
                None,
                TaskState::Failed,
                Comparison::MoreThan,
                0,
                HasWindow::Past(secs(90)),
            ),
        ),
        (
            "task 'x' has crashed less than 1 time this hour between 15:00 and 30:00",
            count(
                Some("x"),
                TaskState::Crashed,
                Comparison::LessThan,
                1,
                HasWindow::Period(Period {
                    scope: Hour,
                    window: Between(at(15 * M), at(30 * M)),
                }),
            ),
        ),
        (
            "has succeeded more than 2 times today after 08:00",
            count(
                None,
                TaskState::Succeeded,
                Comparison::MoreThan,
                2,
                HasWindow::Period(Period {
                    scope: Day,
                    window: After(at(8 * H)),
                }),
            ),
        ),
        (
            "scheduler has more than 2 cycles",
            C::SchedulerCycles {
                comparison: Comparison::MoreThan,
                count: 2,
            },
        ),
        (
            "scheduler has less than 10 cycles",
            C::SchedulerCycles {
                comparison: Comparison::LessThan,
                count: 10,
            },
        ),
        (
            "scheduler has 3 cycles",
            C::SchedulerCycles {
                comparison: Comparison::Exactly,
                count: 3,
            },
        ),
        (
            "scheduler started 1 hour ago",
            C::SchedulerStartedWithin(secs(3_600)),
        ),
        (
            "scheduler has run over 1 hour",
            C::SchedulerRunOver(secs(3_600)),
        ),
        ("env 'prod'", C::Env("prod".into())),
        ("param 'abc' exists", C::ParamExists("abc".into())),
        (
            "param 'mode' is 'fast'",
            C::ParamIs {
                key: "mode".into(),
                value: "fast".into(),
            },
        ),
        ("is_weekend_sale", custom("is_weekend_sale")),
        ("ture", custom("ture")),
        ("x1_2", custom("x1_2")),
        // Operators and structure.
        ("true&false", C::All(vec![C::True, C::False])),
        ("  true  ", C::True),
        ("true\n&\tfalse\r\n", C::All(vec![C::True, C::False])),
        ("~~true", C::True),
        ("~ ~ true", C::True),
        ("~(~(true))", C::True),
        ("((true))", C::True),
        (
            "~true & false",
            C::All(vec![C::Not(Box::new(C::True)), C::False]),
        ),
        (
            "true | false & false",
            C::Any(vec![C::True, C::All(vec![C::False, C::False])]),
        ),
        (
            "(true | false) & false",
            C::All(vec![C::Any(vec![C::True, C::False]), C::False]),
        ),
        (
            "(a & b) & c",
            C::All(vec![custom("a"), custom("b"), custom("c")]),
        ),
        (
            "a | (b | c) | d",
            C::Any(vec![custom("a"), custom("b"), custom("c"), custom("d")]),
        ),
        (
            "~(true & false) | false",
            C::Any(vec![
                C::Not(Box::new(C::All(vec![C::True, C::False]))),
                C::False,
            ]),
        ),
    ]
}

#[test]
fn every_form_parses_to_the_expected_tree() {
    let mut failures = Vec::new();
    for (input, expected) in accept_table() {
        match parse(input) {
            Ok(tree) if tree == expected => {}
            Ok(tree) => failures.push(format!("{input:?}: got {tree:?}, expected {expected:?}")),
            Err(e) => failures.push(format!("{input:?}: error\n{e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn accepted_forms_round_trip_through_display() {
    for (input, expected) in accept_table() {
        let text = expected.to_string();
        assert_eq!(
            parse(&text).as_ref(),
            Ok(&expected),
            "{input:?} printed as {text:?}"
        );
    }
}

#[test]
fn cron_fields_become_bit_sets() {
    let Ok(Condition::Cron(c)) = parse("cron 0 8 * * 1-5") else {
        panic!("cron did not parse");
    };
    assert_eq!(
        (c.minutes, c.hours, c.days_of_week),
        (1, 1 << 8, 0b0011_1110)
    );
    assert!(c.any_day_of_month && !c.any_day_of_week);
    let Ok(Condition::Cron(c)) = parse("cron */20 9-17/4 1,15 JAN-Mar sun,7") else {
        panic!("cron did not parse");
    };
    assert_eq!(c.minutes, 1 | 1 << 20 | 1 << 40);
    assert_eq!(c.hours, 1 << 9 | 1 << 13 | 1 << 17);
    assert_eq!(c.days_of_month, 1 << 1 | 1 << 15);
    assert_eq!(c.months, 0b1110);
    assert_eq!(c.days_of_week, 1);
    assert!(!c.any_day_of_month && !c.any_day_of_week);
    assert_eq!(c.text, "*/20 9-17/4 1,15 jan-mar sun,7");
}

#[test]
fn durations() {
    assert_eq!(parse_duration("2 hours"), Ok(secs(7_200)));
    assert_eq!(parse_duration("1h 30min"), Ok(secs(5_400)));
    assert_eq!(parse_duration("90 seconds"), Ok(secs(90)));
    let e = parse_duration("10").unwrap_err();
    assert_eq!(
        e.to_string(),
        "missing unit\n  10\n  ^^\n  help: `10 seconds`, `10 minutes`, …"
    );
}

#[test]
fn parse_all_reports_every_bad_phrase_in_order() {
    let errors = parse_all("dialy & every 10 | daily after 8 & (true").unwrap_err();
    let messages: Vec<_> = errors.iter().map(|e| e.message()).collect();
    assert_eq!(
        messages,
        [
            "unknown condition `dialy`; did you mean `daily`?",
            "missing unit",
            "`8` is not a time of day",
            "unclosed `(`",
        ]
    );
    assert_eq!(errors[3].span(), 35..36);
    assert!(errors
        .iter()
        .all(|e| e.input() == "dialy & every 10 | daily after 8 & (true"));
}

#[test]
fn error_accessors() {
    let e = parse("daily xyz").unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::Syntax);
    assert_eq!(e.span(), 6..9);
    assert!(e.expected().contains(&"`between`".to_owned()));
    assert_eq!(e.excerpt(), "  daily xyz\n        ^^^");
    assert!(e.help().is_some());
    assert_eq!(parse("true &").unwrap_err().span(), 6..6);
    assert_eq!(parse("").unwrap_err().kind(), ParseErrorKind::Empty);
}

#[test]
fn from_str_is_parse() {
    let c: Condition = "daily".parse().unwrap_or(Condition::False);
    assert_eq!(c, periodic(Scope::Day, Window::Whole));
}

/// Exact `Display` of the first error: malformed operator sequences,
/// the words that are not part of the language, rejected values and typos.
const REJECTS: &[(&str, &str)] = &[
    ("", "empty condition\n  \n  ^\n  help: write a condition such as `daily` or `true`"),
    ("   ", "empty condition\n  \n  ^^^\n  help: write a condition such as `daily` or `true`"),
    ("true &", "expected a condition after `&`\n  true &\n        ^\n  help: add a condition after `&` or remove it"),
    ("true |", "expected a condition after `|`\n  true |\n        ^\n  help: add a condition after `|` or remove it"),
    ("~", "expected a condition after `~`\n  ~\n   ^\n  help: add a condition after `~` or remove it"),
    ("~~", "expected a condition after `~`\n  ~~\n    ^\n  help: add a condition after `~` or remove it"),
    ("& true", "expected a condition before `&`\n  & true\n  ^\n  help: add a condition before `&` or remove it"),
    ("| true", "expected a condition before `|`\n  | true\n  ^\n  help: add a condition before `|` or remove it"),
    ("&", "expected a condition before `&`\n  &\n  ^\n  help: add a condition before `&` or remove it"),
    ("|", "expected a condition before `|`\n  |\n  ^\n  help: add a condition before `|` or remove it"),
    ("true & & false", "expected a condition between `&` and `&`\n  true & & false\n         ^\n  help: remove one `&`"),
    ("true && false", "expected a condition between `&` and `&`\n  true && false\n        ^\n  help: remove one `&`"),
    ("true || false", "expected a condition between `|` and `|`\n  true || false\n        ^\n  help: remove one `|`"),
    ("true | | false", "expected a condition between `|` and `|`\n  true | | false\n         ^\n  help: remove one `|`"),
    ("true ~ false", "expected `&` or `|` before `~` (`~` is a prefix operator)\n  true ~ false\n       ^\n  help: write `& ~` or `| ~`, or remove the `~`"),
    ("true ~", "expected `&` or `|` before `~` (`~` is a prefix operator)\n  true ~\n       ^\n  help: write `& ~` or `| ~`, or remove the `~`"),
    ("(false) true", "expected `&` or `|` between `)` and `true`\n  (false) true\n          ^^^^\n  help: join conditions with `&` or `|`"),
    ("true (false)", "expected `&` or `|` between `true` and `(`\n  true (false)\n       ^\n  help: join conditions with `&` or `|`"),
    ("true false", "unexpected `false` after `true`\n  true false\n       ^^^^^\n  help: join conditions with `&` or `|`"),
    ("(true", "unclosed `(`\n  (true\n  ^\n  help: add a matching `)`"),
    ("(true & false", "unclosed `(`\n  (true & false\n  ^\n  help: add a matching `)`"),
    ("true)", "unmatched `)`\n  true)\n      ^\n  help: remove it or add a matching `(`"),
    ("true & false)", "unmatched `)`\n  true & false)\n              ^\n  help: remove it or add a matching `(`"),
    (")(", "unmatched `)`\n  )(\n  ^\n  help: remove it or add a matching `(`"),
    ("()", "empty parentheses\n  ()\n  ^^\n  help: put a condition inside the parentheses or remove them"),
    ("Daily", "keywords are lower-case; did you mean `daily`?\n  Daily\n  ^^^^^\n  help: write `daily`"),
    ("DAILY", "keywords are lower-case; did you mean `daily`?\n  DAILY\n  ^^^^^\n  help: write `daily`"),
    ("True", "keywords are lower-case; did you mean `true`?\n  True\n  ^^^^\n  help: write `true`"),
    ("TASK 'x' is running", "keywords are lower-case; did you mean `task`?\n  TASK 'x' is running\n  ^^^^\n  help: write `task`"),
    ("dialy", "unknown condition `dialy`; did you mean `daily`?\n  dialy\n  ^^^^^\n  help: write `daily`; a custom condition this close to a keyword needs another name"),
    ("daily  after 08:00", "expected exactly one space between `daily` and `after`\n  daily  after 08:00\n       ^^\n  help: write `daily after`"),
    ("daily\tafter 08:00", "expected exactly one space between `daily` and `after`\n  daily after 08:00\n       ^\n  help: write `daily after`"),
    ("has succeded", "unknown keyword `succeded`\n  has succeded\n      ^^^^^^^^\n  help: did you mean `succeeded`?"),
    ("every 10 minuts", "unknown unit `minuts`\n  every 10 minuts\n           ^^^^^^\n  help: did you mean `minutes`?"),
    ("after task \"x\"", "task names use single quotes; write `'x'`\n  after task \"x\"\n             ^^^\n  help: replace the double quotes: `'x'`"),
    ("after task 'a', 'b'", "`after task` takes one name; did you mean `after tasks 'a', 'b'`?\n  after task 'a', 'b'\n                ^\n  help: write `after tasks 'a', 'b'` (all of them) or `after any tasks 'a', 'b'`"),
    ("after task 'it''s'", "unexpected `'s'` after the name `'it'`\n  after task 'it''s'\n                 ^^^\n  help: a quote ends the name; write `\\'` for a quote inside it: `'it\\'s'`"),
    ("after task ''", "empty task name\n  after task ''\n             ^^\n  help: write the task name between the quotes"),
    ("always", "`always` needs `true` or `false`\n  always\n  ^^^^^^\n  help: write `true` (or `always true`)"),
    ("never", "`never` is not a condition\n  never\n  ^^^^^\n  help: write `false`"),
    ("past 10 minutes", "`past` needs a state and a duration\n  past 10 minutes\n  ^^^^\n  help: write `has succeeded in past 10 minutes` or `every 10 minutes`"),
    ("has run", "unknown state `run`\n  has run\n      ^^^\n  help: write `has started`"),
    ("yesterday", "`yesterday` is not a condition\n  yesterday\n  ^^^^^^^^^\n  help: write `has succeeded in past 1 day`"),
    ("has succeeded yesterday", "`yesterday` is not a period\n  has succeeded yesterday\n                ^^^^^^^^^\n  help: write `today`, `this week`, … or `in past 1 day`"),
    ("time of year between 1 and 2", "`time of year` is not supported\n  time of year between 1 and 2\n          ^^^^\n  help: `time of` takes `minute`, `hour`, `day`, `week` or `month`"),
    ("time of second between 1 and 2", "`time of second` is not supported\n  time of second between 1 and 2\n          ^^^^^^\n  help: `time of` takes `minute`, `hour`, `day`, `week` or `month`"),
    ("true and false", "`and` is not an operator\n  true and false\n       ^^^\n  help: write `&` instead of `and`"),
    ("not true", "`not` is not an operator\n  not true\n  ^^^\n  help: write `~` instead of `not`"),
    ("daily after 8", "`8` is not a time of day\n  daily after 8\n              ^\n  help: write `08:00` or `8am`"),
    ("daily after 25:00", "hours must be 0–23, found `25`\n  daily after 25:00\n              ^^\n  help: write the hour as 0 to 23 (`24:00` only as the end of a window)"),
    ("daily between 24:00 and 08:00", "`24:00` is only allowed as the end of a window\n  daily between 24:00 and 08:00\n                ^^^^^\n  help: write `00:00` for the start of the day"),
    ("daily after 08:60", "minutes must be 00–59, found `60`\n  daily after 08:60\n                 ^^\n  help: write minutes as 00 to 59"),
    ("daily after 8:61", "minutes must be 00–59, found `61`\n  daily after 8:61\n                ^^\n  help: write minutes as 00 to 59"),
    ("daily after noon", "`noon` is not a time of day\n  daily after noon\n              ^^^^\n  help: write `12:00` or `12pm`"),
    ("daily after 0800", "`0800` is not a time of day\n  daily after 0800\n              ^^^^\n  help: write `08:00`"),
    ("daily after 8.30", "`8.30` is not a time of day\n  daily after 8.30\n              ^^^^\n  help: write `08:30`"),
    ("hourly after 15", "hour anchors are `MM:SS`; minute 15 is `15:00`\n  hourly after 15\n               ^^\n  help: write `15:00`"),
    ("hourly after 60:00", "minutes must be 00–59, found `60`\n  hourly after 60:00\n               ^^\n  help: hour anchors are minutes and seconds past the hour, `MM:SS`"),
    ("hourly after 15:00:00", "hour anchors are `MM:SS`, found `15:00:00`\n  hourly after 15:00:00\n               ^^^^^^^^\n  help: write minutes and seconds past the hour, e.g. `15:00`"),
    ("hourly after 5:00", "hour anchors are `MM:SS` with two-digit minutes, found `5:00`\n  hourly after 5:00\n               ^^^^\n  help: write `05:00`"),
    ("minutely after 61", "seconds must be 00–59, found `61`\n  minutely after 61\n                 ^^\n  help: write seconds past the minute, 00 to 59"),
    ("minutely after 5", "minute anchors are two-digit seconds `SS`, found `5`\n  minutely after 5\n                 ^\n  help: write `05`"),
    ("weekly on Someday", "unknown day `Someday`\n  weekly on Someday\n            ^^^^^^^\n  help: days are `Monday` … `Sunday` or `Mon` … `Sun`"),
    ("weekly on Funday", "unknown day `Funday`\n  weekly on Funday\n            ^^^^^^\n  help: did you mean `Sunday`?"),
    ("weekly on Tues", "unknown day `Tues`\n  weekly on Tues\n            ^^^^\n  help: did you mean `Tue`?"),
    ("monthly on 0th", "day of month must be 1–31\n  monthly on 0th\n             ^^^\n  help: write a day from `1st` to `31st`; later days clamp to the month's last day"),
    ("monthly on 32nd", "day of month must be 1–31\n  monthly on 32nd\n             ^^^^\n  help: write a day from `1st` to `31st`; later days clamp to the month's last day"),
    ("every 10", "missing unit\n  every 10\n        ^^\n  help: `every 10 seconds`, `every 10 minutes`, …"),
    ("every 10 minutez", "unknown unit `minutez`\n  every 10 minutez\n           ^^^^^^^\n  help: did you mean `minutes`?"),
    ("every ten minutes", "expected a number, found `ten`\n  every ten minutes\n        ^^^\n  help: write the number in digits, e.g. `every 10 minutes`"),
    ("every day", "expected a number before `day`\n  every day\n        ^^^\n  help: write `every 1 day`"),
    ("every 0 seconds", "duration must be greater than zero\n  every 0 seconds\n        ^^^^^^^^^\n  help: write e.g. `every 1 second`"),
    ("every 10 mins", "unknown unit `mins`\n  every 10 mins\n           ^^^^\n  help: did you mean `min`?"),
    ("every 500 ms", "unknown unit `ms`\n  every 500 ms\n            ^^\n  help: durations are whole seconds or longer; units are `s`/`sec`/`second(s)`, `min`/`minute(s)`, `h`/`hour(s)`, `d`/`day(s)` and `w`/`week(s)`"),
    ("every 01:30:00", "`01:30:00` is not a duration\n  every 01:30:00\n        ^^^^^^^^\n  help: write hours, minutes and seconds as units, e.g. `every 1 hour 30 minutes`"),
    ("daily between 08:00 and 09:00 and 10:00", "unexpected `and 10:00` after the window `between 08:00 and 09:00`\n  daily between 08:00 and 09:00 and 10:00\n                                ^^^^^^^^^\n  help: a window has two anchors, `between A and B`; join conditions with `&`"),
    ("cron 0 8 * *", "cron takes five fields (minute hour day-of-month month day-of-week) or six with seconds first, found 4\n  cron 0 8 * *\n       ^^^^^^^\n  help: write e.g. `cron 0 8 * * 1-5`, `cron 30 0 8 * * 1-5` or `cron @daily`"),
    ("cron 60 8 * * *", "minute 60 is out of range in `60`\n  cron 60 8 * * *\n       ^^\n  help: minute values are 0–59"),
    ("cron 0 8 ? * *", "`?` is not supported in cron fields (in `?`)\n  cron 0 8 ? * *\n           ^\n  help: use `*`, numbers, names, ranges `a-b`, lists `a,b` and steps `/s`"),
    ("cron @dialy", "unknown cron schedule `@dialy`\n  cron @dialy\n       ^^^^^^\n  help: did you mean `@daily`?"),
    ("cron @daily 8", "`@daily` stands for all five fields and takes nothing after it\n  cron @daily 8\n       ^^^^^^^^\n  help: write `cron @daily` alone, or the fields it stands for: `cron 0 0 * * *`"),
    ("cron @reboot", "`@reboot` is not a wall-clock schedule\n  cron @reboot\n       ^^^^^^^\n  help: to run when the scheduler starts, write `scheduler has 0 cycles`"),
    ("cron 60 0 8 * * *", "second 60 is out of range in `60`\n  cron 60 0 8 * * *\n       ^^\n  help: second values are 0–59"),
    ("scheduler has more than three cycles", "expected a number, found `three`\n  scheduler has more than three cycles\n                          ^^^^^\n  help: write the number in digits, e.g. `3`"),
    ("has failed more then 3 times today", "unknown keyword `then`\n  has failed more then 3 times today\n                  ^^^^\n  help: did you mean `than`?"),
    ("has failed more than 3 time today", "expected `3 times`, found `3 time`\n  has failed more than 3 time today\n                       ^^^^^^\n  help: the count takes `1 time` in the singular, `times` otherwise"),
    ("has failed exactly 1 times", "expected `1 time`, found `1 times`\n  has failed exactly 1 times\n                     ^^^^^^^\n  help: the count takes `1 time` in the singular, `times` otherwise"),
    ("has failed 3 times today", "a count needs a comparison, found `3`\n  has failed 3 times today\n             ^\n  help: write `exactly 3 times`, `more than 3 times` or `less than 3 times`"),
    ("has failed more than three times", "expected a number, found `three`\n  has failed more than three times\n                       ^^^^^\n  help: write the number in digits, e.g. `3`"),
    ("has failed more than 3 today", "expected `times`, found `today`\n  has failed more than 3 today\n                         ^^^^^\n  help: after `3` write `times`"),
    ("has failed more than 3 timez today", "unknown keyword `timez`\n  has failed more than 3 timez today\n                         ^^^^^\n  help: did you mean `times`?"),
    ("has failed exactly 3 times yesterday", "`yesterday` is not a period\n  has failed exactly 3 times yesterday\n                             ^^^^^^^^^\n  help: write `today`, `this week`, … or `in past 1 day`"),
    ("has failed at least 3 times", "`at least` is not a comparison\n  has failed at least 3 times\n             ^^^^^^^^^^\n  help: write `more than 2 times`"),
    ("has failed once today", "`once` is not a count\n  has failed once today\n             ^^^^\n  help: write `exactly 1 time`"),
    ("after task 'abc", "unclosed `'`\n  after task 'abc\n             ^\n  help: close the name with `'`; write `\\'` for a quote inside it"),
    ("dialy after 08:00", "unknown keyword `dialy`\n  dialy after 08:00\n  ^^^^^\n  help: did you mean `daily`?"),
    ("afer task 'x'", "unknown keyword `afer`\n  afer task 'x'\n  ^^^^\n  help: did you mean `after`?"),
    ("daily between 08:00", "expected `and` after `08:00`\n  daily between 08:00\n                     ^\n  help: add `and` at the end"),
    ("after task", "expected a name in single quotes after `task`\n  after task\n            ^\n  help: add a name in single quotes at the end"),
    ("secondly between 10 and 20", "`secondly` takes no window\n  secondly between 10 and 20\n           ^^^^^^^^^^^^^^^^^\n  help: for a window, use `minutely …` or `time of minute …`"),
    ("daily xyz", "expected `between`, `after`, `before`, `starting` or `on`, found `xyz`\n  daily xyz\n        ^^^\n  help: after `daily` write `between`, `after`, `before`, `starting` or `on`"),
    ("hourly on 3 quarter x", "unexpected `x` after `hourly on 3 quarter`\n  hourly on 3 quarter x\n                      ^\n  help: join conditions with `&` or `|`"),
    ("after tasks 'a' 'b'", "expected `,` between task names, found `'b'`\n  after tasks 'a' 'b'\n                  ^^^\n  help: separate the names with commas: `'a', 'b'`"),
    ("after task 'a' 'b'", "expected `,` between task names, found `'b'`\n  after task 'a' 'b'\n                 ^^^\n  help: write `after tasks 'a', 'b'`"),
    ("has succeeded this day", "expected `minute`, `hour`, `week` or `month`, found `day`\n  has succeeded this day\n                     ^^^\n  help: after `this` write `minute`, `hour`, `week` or `month`"),
    ("env prod", "expected a name in single quotes, found `prod`\n  env prod\n      ^^^^\n  help: write `'prod'`"),
    ("time of day", "expected `between`, `after`, `before` or `on` after `day`\n  time of day\n             ^\n  help: add `between`, `after`, `before` or `on` at the end"),
    ("daily\nafter 08:00", "expected exactly one space between `daily` and `after`\n  daily\n       ^\n  help: write `daily after`"),
    ("param 'k'", "expected `exists` or `is` after `'k'`\n  param 'k'\n           ^\n  help: add `exists` or `is` at the end"),
    ("weekly on 10:00", "week anchors start with a day name, found `10:00`\n  weekly on 10:00\n            ^^^^^\n  help: write e.g. `Monday` or `Mon 10:00`"),
    ("monthly on Monday", "month anchors are days of the month, found `Monday`\n  monthly on Monday\n             ^^^^^^\n  help: write e.g. `1st`, `15` or `3rd 12:30`"),
    ("every 1.5 hours", "`1.5` is not a duration\n  every 1.5 hours\n        ^^^\n  help: durations take whole numbers; use a smaller unit, e.g. `90 minutes` for `1.5 hours`"),
    ("daily after 13pm", "12-hour times use hours 1–12, found `13pm`\n  daily after 13pm\n              ^^^^\n  help: write `13:00` without am/pm"),
    ("Is_Weekend", "custom condition names are snake_case, found `Is_Weekend`\n  Is_Weekend\n  ^^^^^^^^^^\n  help: write `is_weekend`"),
    ("after", "incomplete condition `after`\n  after\n  ^^^^^\n  help: write e.g. `after task 'fetch'`"),
    ("today", "`today` is a keyword, not a condition\n  today\n  ^^^^^\n  help: keywords cannot name custom conditions; complete the phrase or rename the condition"),
    ("'x'", "expected a condition, found `'x'`\n  'x'\n  ^^^\n  help: write `task 'x' …` or `after task 'x'`"),
    ("hourly on 5 quarter", "quarter must be 1–4, found `5`\n  hourly on 5 quarter\n            ^^^^^^^^^\n  help: `1q` is the first quarter hour, `4q` the last"),
    ("cron 0 0 8 * * 1-5 6", "cron takes five fields (minute hour day-of-month month day-of-week) or six with seconds first, found 7\n  cron 0 0 8 * * 1-5 6\n       ^^^^^^^^^^^^^^^\n  help: write e.g. `cron 0 8 * * 1-5`, `cron 30 0 8 * * 1-5` or `cron @daily`"),
    ("daily between 10:00 and 09:00:00.1234567", "malformed fraction in `00.1234567`\n  daily between 10:00 and 09:00:00.1234567\n                                ^^^^^^^^^^\n  help: write 1 to 6 digits after the `.` (microseconds at most)"),
    ("secondly after 10", "`secondly` takes no window\n  secondly after 10\n           ^^^^^^^^\n  help: for a window, use `minutely …` or `time of minute …`"),
    ("daily\\ after", "unexpected `\\` after `daily`\n  daily\\ after\n       ^\n  help: remove `\\` or join conditions with `&` or `|`"),
];

#[test]
fn rejected_strings_have_exact_messages() {
    let mut failures = Vec::new();
    for (input, expected) in REJECTS {
        match parse(input) {
            Ok(tree) => failures.push(format!("{input:?}: accepted as {tree:?}")),
            Err(e) if e.to_string() == *expected => {}
            Err(e) => failures.push(format!(
                "{input:?}:\n--- got\n{e}\n--- expected\n{expected}"
            )),
        }
    }
    assert!(REJECTS.len() >= 40);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
