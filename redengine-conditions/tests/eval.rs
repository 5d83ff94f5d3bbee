//! Truth tables for every leaf at window edges, worked examples, errors,
//! explanations and next-change properties.
//!
//! 2024-01-01 is a Monday. Conditions are written as strings; `cond` turns them into trees.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc, Weekday};
use redengine_conditions::{
    is_true_at, Action, AfterOutcome, AfterTasks, Anchor, Comparison, Condition, Context,
    CronSchedule, EvalError, HasState, HasWindow, History, LogRecord, NextChange, ParamValue,
    Period, Resolver, SchedulerState, Scope, TaskState, Window, Zone,
};

// ---------------------------------------------------------------- condition strings

const H: u64 = 3_600_000_000;
const M: u64 = 60_000_000;
const S: u64 = 1_000_000;

fn hm(h: u64, m: u64) -> Anchor {
    Anchor::Offset(h * H + m * M)
}
fn per(scope: Scope, window: Window) -> Period {
    Period { scope, window }
}
fn periodic(scope: Scope, window: Window) -> Condition {
    Condition::Periodic(per(scope, window))
}
fn md(day: u8, time: Option<u64>) -> Anchor {
    Anchor::MonthDay { day, time }
}
fn wd(day: Weekday, time: Option<u64>) -> Anchor {
    Anchor::Weekday { day, time }
}
fn has(task: &str, state: TaskState, when: HasWindow) -> Condition {
    Condition::Has(HasState {
        task: (!task.is_empty()).then(|| task.to_owned()),
        state,
        when,
    })
}
fn after(tasks: &[&str], any: bool, outcome: AfterOutcome) -> Condition {
    Condition::After(AfterTasks {
        tasks: tasks.iter().map(|t| (*t).to_owned()).collect(),
        any,
        outcome,
    })
}
fn bits(items: &[u32]) -> u64 {
    items.iter().fold(0, |acc, i| acc | 1 << i)
}
fn cron(
    minutes: &[u32],
    hours: &[u32],
    dom: Option<&[u32]>,
    dow: Option<&[u32]>,
    text: &str,
) -> Condition {
    Condition::Cron(CronSchedule {
        seconds: None,
        minutes: bits(minutes),
        hours: bits(hours) as u32,
        days_of_month: dom.map_or(bits(&(1..=31).collect::<Vec<_>>()), bits) as u32,
        months: bits(&(1..=12).collect::<Vec<_>>()) as u16,
        days_of_week: dow.map_or(0x7f, bits) as u8,
        any_day_of_month: dom.is_none(),
        any_day_of_week: dow.is_none(),
        text: text.to_owned(),
    })
}
fn not(c: Condition) -> Condition {
    Condition::Not(Box::new(c))
}

/// The tree of a condition string: parsed, and checked against the tree built by hand.
fn cond(text: &str) -> Condition {
    let parsed = redengine_conditions::parse(text).unwrap_or_else(|e| panic!("`{text}`: {e}"));
    assert_eq!(parsed, tree(text), "`{text}` parses to another tree");
    parsed
}

/// The tree of a condition string used in these tests, built by hand.
fn tree(text: &str) -> Condition {
    use Condition as C;
    use Scope::*;
    use Window::*;
    let today = |w| HasWindow::Period(per(Day, w));
    match text {
        "true" => C::True,
        "false" => C::False,
        "daily" => periodic(Day, Whole),
        "daily between 08:00 and 08:15" => periodic(Day, Between(hm(8, 0), hm(8, 15))),
        "daily between 22:00 and 22:15" => periodic(Day, Between(hm(22, 0), hm(22, 15))),
        "daily between 09:00 and 10:00" => periodic(Day, Between(hm(9, 0), hm(10, 0))),
        "daily between 22:00 and 02:00" => periodic(Day, Between(hm(22, 0), hm(2, 0))),
        "daily between 22:00 and 24:00" => periodic(Day, Between(hm(22, 0), hm(24, 0))),
        "daily after 08:00" => periodic(Day, After(hm(8, 0))),
        "daily before 10:00" => periodic(Day, Before(hm(10, 0))),
        "daily starting 10:00" => periodic(Day, Starting(hm(10, 0))),
        "daily on 10:00" => periodic(Day, On(hm(10, 0))),
        "hourly" => periodic(Hour, Whole),
        "hourly between 15:00 and 30:00" => periodic(
            Hour,
            Between(Anchor::Offset(15 * M), Anchor::Offset(30 * M)),
        ),
        "hourly after 45:00" => periodic(Hour, After(Anchor::Offset(45 * M))),
        "hourly on 15:00" => periodic(Hour, On(Anchor::Offset(15 * M))),
        "minutely" => periodic(Minute, Whole),
        "minutely between 10 and 20" => periodic(
            Minute,
            Between(Anchor::Offset(10 * S), Anchor::Offset(20 * S)),
        ),
        "minutely on 30" => periodic(Minute, On(Anchor::Offset(30 * S))),
        "secondly" => periodic(Second, Whole),
        "weekly" => periodic(Week, Whole),
        "weekly on Tuesday" => periodic(Week, On(wd(Weekday::Tue, None))),
        "weekly on Tue 10:00" => periodic(Week, On(wd(Weekday::Tue, Some(10 * H)))),
        "weekly between Monday and Friday" => periodic(
            Week,
            Between(wd(Weekday::Mon, None), wd(Weekday::Fri, None)),
        ),
        "weekly between Monday and Monday" => periodic(
            Week,
            Between(wd(Weekday::Mon, None), wd(Weekday::Mon, None)),
        ),
        "weekly after Saturday" => periodic(Week, After(wd(Weekday::Sat, None))),
        "monthly" => periodic(Month, Whole),
        "monthly between 1st and 5th" => periodic(Month, Between(md(1, None), md(5, None))),
        "monthly after 28th" => periodic(Month, After(md(28, None))),
        "monthly after 30th" => periodic(Month, After(md(30, None))),
        "monthly on 31st" => periodic(Month, On(md(31, None))),
        "monthly between 31st and 2nd" => periodic(Month, Between(md(31, None), md(2, None))),
        "monthly between 30th 18:00 and 31st 06:00" => {
            periodic(Month, Between(md(30, Some(18 * H)), md(31, Some(6 * H))))
        }
        "every 10 minutes" => C::Every(Duration::from_secs(600)),
        "every 1 hour" => C::Every(Duration::from_secs(3600)),
        "cron 0 8 * * 1-5" => cron(&[0], &[8], None, Some(&[1, 2, 3, 4, 5]), "0 8 * * 1-5"),
        "cron 0 8 1 * mon" => cron(&[0], &[8], Some(&[1]), Some(&[1]), "0 8 1 * mon"),
        "cron 0 8 1 * *" => cron(&[0], &[8], Some(&[1]), None, "0 8 1 * *"),
        "cron 30 12 29 2 *" => {
            let mut c = cron(&[30], &[12], Some(&[29]), None, "30 12 29 2 *");
            if let C::Cron(s) = &mut c {
                s.months = 1 << 2;
            }
            c
        }
        "cron */15 * * * *" => cron(
            &[0, 15, 30, 45],
            &(0..24).collect::<Vec<_>>(),
            None,
            None,
            "*/15 * * * *",
        ),
        "after task 'get_data' succeeded" => after(&["get_data"], false, AfterOutcome::Succeeded),
        "after task 'get_data' failed" => after(&["get_data"], false, AfterOutcome::Failed),
        "after task 'get_data' finished" => after(&["get_data"], false, AfterOutcome::Finished),
        "after tasks 'a', 'b' succeeded" => after(&["a", "b"], false, AfterOutcome::Succeeded),
        "after any tasks 'a', 'b' succeeded" => after(&["a", "b"], true, AfterOutcome::Succeeded),
        "task 'check_mail' has succeeded today" => {
            has("check_mail", TaskState::Succeeded, today(Whole))
        }
        "task 'check_mail' has succeeded today between 08:00 and 10:00" => has(
            "check_mail",
            TaskState::Succeeded,
            today(Between(hm(8, 0), hm(10, 0))),
        ),
        "task 'check_mail' has succeeded" => {
            has("check_mail", TaskState::Succeeded, HasWindow::Ever)
        }
        "task 'check_mail' has succeeded this hour" => has(
            "check_mail",
            TaskState::Succeeded,
            HasWindow::Period(per(Hour, Whole)),
        ),
        "task 'check_mail' has succeeded in past 2 hours" => has(
            "check_mail",
            TaskState::Succeeded,
            HasWindow::Past(Duration::from_secs(7200)),
        ),
        "task 'check_mail' has succeeded today after 10:00" => {
            has("check_mail", TaskState::Succeeded, today(After(hm(10, 0))))
        }
        "task 'check_mail' has started today" => {
            has("check_mail", TaskState::Started, today(Whole))
        }
        "task 'check_mail' has finished today" => {
            has("check_mail", TaskState::Finished, today(Whole))
        }
        "task 'check_mail' has failed today" => has("check_mail", TaskState::Failed, today(Whole)),
        "task 'check_mail' has terminated today" => {
            has("check_mail", TaskState::Terminated, today(Whole))
        }
        "task 'check_mail' is running" => C::IsRunning("check_mail".to_owned()),
        "has crashed today" => has("", TaskState::Crashed, today(Whole)),
        "has finished" => has("", TaskState::Finished, HasWindow::Ever),
        "has failed" => has("", TaskState::Failed, HasWindow::Ever),
        "has succeeded today between 08:00 and 10:00" => has(
            "",
            TaskState::Succeeded,
            today(Between(hm(8, 0), hm(10, 0))),
        ),
        "has succeeded in past 2 hours" => has(
            "",
            TaskState::Succeeded,
            HasWindow::Past(Duration::from_secs(7200)),
        ),
        "has inacted this week" => has("", TaskState::Inacted, HasWindow::Period(per(Week, Whole))),
        "task 'x' is running" => C::IsRunning("x".to_owned()),
        "time of day between 22:00 and 02:00" => C::TimeOf(per(Day, Between(hm(22, 0), hm(2, 0)))),
        "time of day between 10:00 and 10:00" => C::TimeOf(per(Day, Between(hm(10, 0), hm(10, 0)))),
        "time of week between Monday and Friday" => C::TimeOf(per(
            Week,
            Between(wd(Weekday::Mon, None), wd(Weekday::Fri, None)),
        )),
        "time of week between Fri 18:00 and Mon 06:00" => C::TimeOf(per(
            Week,
            Between(
                wd(Weekday::Fri, Some(18 * H)),
                wd(Weekday::Mon, Some(6 * H)),
            ),
        )),
        "time of week on Monday" => C::TimeOf(per(Week, On(wd(Weekday::Mon, None)))),
        "time of month between 31st and 2nd" => {
            C::TimeOf(per(Month, Between(md(31, None), md(2, None))))
        }
        "time of hour before 1q" => C::TimeOf(per(Hour, Before(Anchor::Offset(15 * M - 1)))),
        "scheduler has more than 2 cycles" => C::SchedulerCycles {
            comparison: Comparison::MoreThan,
            count: 2,
        },
        "scheduler has less than 2 cycles" => C::SchedulerCycles {
            comparison: Comparison::LessThan,
            count: 2,
        },
        "scheduler has 2 cycles" => C::SchedulerCycles {
            comparison: Comparison::Exactly,
            count: 2,
        },
        "scheduler started 1 hour ago" => C::SchedulerStartedWithin(Duration::from_secs(3600)),
        "scheduler has run over 1 hour" => C::SchedulerRunOver(Duration::from_secs(3600)),
        "env 'prod'" => C::Env("prod".to_owned()),
        "param 'k' exists" => C::ParamExists("k".to_owned()),
        "param 'mode' is 'fast'" => C::ParamIs {
            key: "mode".to_owned(),
            value: "fast".to_owned(),
        },
        "is_weekend_sale" => C::Custom("is_weekend_sale".to_owned()),
        "broken" => C::Custom("broken".to_owned()),
        // composites
        "daily between 09:00 and 10:00 & time of week between Monday and Friday" => C::All(vec![
            cond("daily between 09:00 and 10:00"),
            cond("time of week between Monday and Friday"),
        ]),
        "daily between 08:00 and 08:15 | daily between 22:00 and 22:15" => C::Any(vec![
            cond("daily between 08:00 and 08:15"),
            cond("daily between 22:00 and 22:15"),
        ]),
        "true | false & false" => C::Any(vec![C::True, C::All(vec![C::False, C::False])]),
        "(true | false) & false" => C::All(vec![C::Any(vec![C::True, C::False]), C::False]),
        "~(true & false) | false" => C::Any(vec![not(C::All(vec![C::True, C::False])), C::False]),
        "~~true" => C::True,
        "after task 'get_data' succeeded & daily" => {
            C::All(vec![cond("after task 'get_data' succeeded"), cond("daily")])
        }
        "false & is_weekend_sale" => C::All(vec![C::False, cond("is_weekend_sale")]),
        "true | broken" => C::Any(vec![C::True, cond("broken")]),
        "broken | true" => C::Any(vec![cond("broken"), C::True]),
        "~daily" => not(cond("daily")),
        other => panic!("test condition `{other}` has no tree"),
    }
}

// ---------------------------------------------------------------- times and histories

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

/// `("success", time)` is the owner's record, `("get_data:success", time)` another task's.
fn records(owner: &str, items: &[(&str, &str)]) -> Vec<LogRecord> {
    items
        .iter()
        .map(|(spec, time)| {
            let (task, action) = spec.split_once(':').unwrap_or((owner, spec));
            LogRecord::new(task, action.parse().unwrap(), t(time))
        })
        .collect()
}

/// Asserts `condition` owned by `owner` at `now` with `history` is `expected`.
#[track_caller]
fn check(condition: &str, owner: &str, now: &str, history: &[(&str, &str)], expected: bool) {
    let value = is_true_at(&cond(condition), owner, t(now), &records(owner, history));
    assert_eq!(value, expected, "`{condition}` at {now} with {history:?}");
}

/// A table of (now, expected) with no history.
#[track_caller]
fn edges(condition: &str, cases: &[(&str, bool)]) {
    for (now, expected) in cases {
        check(condition, "me", now, &[], *expected);
    }
}

// ---------------------------------------------------------------- worked examples

#[test]
fn worked_daily_between() {
    let c = "daily between 08:00 and 08:15";
    check(
        c,
        "me",
        "2024-01-03 08:05",
        &[
            ("run", "2024-01-02 08:01:00"),
            ("success", "2024-01-02 08:01:02"),
        ],
        true,
    );
    check(
        c,
        "me",
        "2024-01-03 08:05",
        &[
            ("run", "2024-01-03 07:59:58"),
            ("success", "2024-01-03 08:00:00"),
        ],
        false,
    );
    check(
        c,
        "me",
        "2024-01-03 08:05",
        &[
            ("run", "2024-01-03 07:58:58"),
            ("success", "2024-01-03 07:59:00"),
        ],
        true,
    );
    edges(
        c,
        &[
            ("2024-01-03 08:15:00", true),
            ("2024-01-03 08:15:00.000001", false),
        ],
    );
    check(
        c,
        "me",
        "2024-01-03 08:10",
        &[("run", "2024-01-03 08:02"), ("fail", "2024-01-03 08:03")],
        false,
    );
    check(
        c,
        "me",
        "2024-01-03 08:10",
        &[("run", "2024-01-03 08:02")],
        true,
    );
}

#[test]
fn worked_daily_and_wrapping() {
    check(
        "daily",
        "me",
        "2024-01-03 00:00",
        &[("success", "2024-01-02 23:59:59")],
        true,
    );
    check(
        "daily",
        "me",
        "2024-01-03 00:00",
        &[("success", "2024-01-03 00:00:00")],
        false,
    );
    let c = "daily between 22:00 and 02:00";
    check(
        c,
        "me",
        "2024-01-04 01:00",
        &[("success", "2024-01-03 01:00")],
        true,
    );
    check(
        c,
        "me",
        "2024-01-04 01:00",
        &[("success", "2024-01-03 22:30")],
        false,
    );
    edges(
        c,
        &[
            ("2024-01-04 02:00:00", true),
            ("2024-01-04 02:00:00.000001", false),
        ],
    );
}

#[test]
fn worked_starting_and_on() {
    let c = "daily starting 10:00";
    check(c, "me", "2024-01-03 09:59:59", &[], true);
    check(
        c,
        "me",
        "2024-01-03 09:59:59",
        &[("success", "2024-01-02 11:00")],
        false,
    );
    check(
        c,
        "me",
        "2024-01-03 10:00:00",
        &[("success", "2024-01-02 11:00")],
        true,
    );
    edges(
        "daily on 10:00",
        &[
            ("2024-01-03 09:59:59", false),
            ("2024-01-03 10:00", true),
            ("2024-01-03 10:59:59.999999", true),
            ("2024-01-03 11:00", false),
        ],
    );
}

#[test]
fn worked_hourly_weekly_monthly() {
    check(
        "hourly",
        "me",
        "2024-01-03 10:30",
        &[("success", "2024-01-03 09:59:59")],
        true,
    );
    check(
        "hourly",
        "me",
        "2024-01-03 10:30",
        &[("success", "2024-01-03 10:00:00")],
        false,
    );
    check(
        "hourly",
        "me",
        "2024-01-03 10:30",
        &[("run", "2024-01-03 10:14:58"), ("fail", "2024-01-03 10:15")],
        false,
    );
    check(
        "hourly",
        "me",
        "2024-01-03 10:30",
        &[("run", "2024-01-03 10:15")],
        true,
    );
    edges(
        "weekly on Tuesday",
        &[
            ("2024-01-01 12:00", false),
            ("2024-01-02 00:00", true),
            ("2024-01-03 00:00", false),
        ],
    );
    check(
        "weekly on Tuesday",
        "me",
        "2024-01-02 12:00",
        &[("success", "2024-01-02 08:00")],
        false,
    );
    edges(
        "monthly after 28th",
        &[
            ("2024-02-27 23:59:59", false),
            ("2024-02-28 00:00", true),
            ("2024-03-01 00:00", false),
            ("2024-03-31 23:59", true),
        ],
    );
    check(
        "monthly after 28th",
        "me",
        "2024-02-29 12:00",
        &[("success", "2024-02-28 10:00")],
        false,
    );
    let c = "monthly between 31st and 2nd";
    check(
        c,
        "me",
        "2024-03-01 12:00",
        &[("success", "2024-02-29 09:00")],
        false,
    );
    check(
        c,
        "me",
        "2024-03-01 12:00",
        &[("success", "2024-02-28 09:00")],
        true,
    );
}

#[test]
fn worked_every_and_cron() {
    let c = "every 10 minutes";
    check(
        c,
        "me",
        "2024-01-03 12:00:00",
        &[("success", "2024-01-03 11:50:00")],
        false,
    );
    check(
        c,
        "me",
        "2024-01-03 12:00:00",
        &[("success", "2024-01-03 11:49:59")],
        true,
    );
    check(
        c,
        "me",
        "2024-01-03 12:00:00",
        &[("fail", "2024-01-03 11:55")],
        false,
    );
    check(
        c,
        "me",
        "2024-01-03 12:00:00",
        &[("run", "2024-01-03 11:55")],
        true,
    );
    let c = "cron 0 8 * * 1-5";
    check(c, "me", "2024-01-01 08:00:30", &[], true);
    check(
        c,
        "me",
        "2024-01-01 08:00:30",
        &[("run", "2024-01-01 08:00:05")],
        false,
    );
    check(
        c,
        "me",
        "2024-01-01 08:00:30",
        &[
            ("run", "2024-01-01 08:00:05"),
            ("success", "2024-01-01 08:00:06"),
        ],
        false,
    );
    edges(
        c,
        &[
            ("2024-01-01 08:01:00", false),
            ("2024-01-06 08:00:30", false),
        ],
    );
}

#[test]
fn worked_composites() {
    let c = "daily between 09:00 and 10:00 & time of week between Monday and Friday";
    edges(
        c,
        &[
            ("2024-01-05 09:30", true),
            ("2024-01-01 09:30", true),
            ("2024-01-06 09:30", false),
            ("2024-01-05 10:00:00", true),
        ],
    );
    let c = "daily between 08:00 and 08:15 | daily between 22:00 and 22:15";
    check(
        c,
        "wash_teeth",
        "2024-01-03 22:05",
        &[("success", "2024-01-03 08:05")],
        true,
    );
    check(
        c,
        "wash_teeth",
        "2024-01-03 22:10",
        &[("success", "2024-01-03 22:05")],
        false,
    );
    edges("true | false & false", &[("2024-01-01 00:00", true)]);
    edges("(true | false) & false", &[("2024-01-01 00:00", false)]);
    edges("~(true & false) | false", &[("2024-01-01 00:00", true)]);
    edges("~~true", &[("2024-01-01 00:00", true)]);
}

#[test]
fn worked_pipeline() {
    let c = "after task 'get_data' succeeded";
    let owner = "transform_data";
    let now = "2024-01-01 12:00";
    check(c, owner, now, &[], false);
    check(
        c,
        owner,
        now,
        &[("get_data:success", "2024-01-01 08:01")],
        true,
    );
    let ran = [
        ("get_data:success", "2024-01-01 08:01"),
        ("run", "2024-01-01 08:03"),
    ];
    check(c, owner, now, &ran, false);
    check(
        c,
        owner,
        now,
        &[ran[0], ran[1], ("get_data:success", "2024-01-01 09:01")],
        true,
    );
    check(
        c,
        owner,
        now,
        &[
            ("get_data:success", "2024-01-01 08:03:00"),
            ("run", "2024-01-01 08:03:00"),
        ],
        false,
    );
    let failed = [ran[0], ran[1], ("get_data:fail", "2024-01-01 09:01")];
    check(c, owner, now, &failed, false);
    check("after task 'get_data' failed", owner, now, &failed, true);
    check("after task 'get_data' finished", owner, now, &failed, true);
    let terminated = [ran[0], ran[1], ("get_data:terminate", "2024-01-01 09:01")];
    check(
        "after task 'get_data' finished",
        owner,
        now,
        &terminated,
        false,
    );
    // No time limit: a two-day-old success still triggers.
    check(
        c,
        owner,
        "2024-01-03 12:00",
        &[("get_data:success", "2024-01-01 08:01")],
        true,
    );
}

#[test]
fn worked_state_phrases() {
    let history = [
        ("check_mail:run", "2024-01-03 07:59:58"),
        ("check_mail:success", "2024-01-03 08:00:00"),
    ];
    let now = "2024-01-03 12:00";
    for (c, expected) in [
        ("task 'check_mail' has succeeded today", true),
        (
            "task 'check_mail' has succeeded today between 08:00 and 10:00",
            true,
        ),
        ("task 'check_mail' has succeeded", true),
        ("task 'check_mail' has succeeded this hour", false),
        ("task 'check_mail' has succeeded in past 2 hours", false),
        ("task 'check_mail' has succeeded today after 10:00", false),
        ("task 'check_mail' has started today", true),
        ("task 'check_mail' has finished today", true),
        ("task 'check_mail' has failed today", false),
        ("task 'check_mail' has terminated today", false),
        ("task 'check_mail' is running", false),
    ] {
        check(c, "monitor", now, &history, expected);
    }
    check(
        "task 'check_mail' is running",
        "monitor",
        now,
        &history[..1],
        true,
    );
}

#[test]
fn worked_restart_and_crash() {
    // Succeeded (or failed, …) at 08:00, scheduler down 08:30–09:00: daily stays false.
    for finish in ["success", "fail", "inaction", "terminate"] {
        check(
            "daily",
            "me",
            "2024-01-03 09:00",
            &[("run", "2024-01-03 07:59"), (finish, "2024-01-03 08:00")],
            false,
        );
    }
    // Killed mid-run, closed by a crash record at start-up.
    let crashed = [("run", "2024-01-03 08:00"), ("crash", "2024-01-03 09:00")];
    check(
        "task 'x' is running",
        "x",
        "2024-01-03 09:00",
        &crashed,
        false,
    );
    check(
        "task 'x' is running",
        "x",
        "2024-01-03 08:30",
        &crashed[..1],
        true,
    );
    check(
        "has crashed today",
        "me",
        "2024-01-03 09:00",
        &crashed,
        true,
    );
    check("daily", "me", "2024-01-03 09:00", &crashed, true);
    check("every 10 minutes", "me", "2024-01-03 09:00", &crashed, true);
    check("has finished", "me", "2024-01-03 09:00", &crashed, false);
}

// ---------------------------------------------------------------- leaf truth tables at edges

#[test]
fn day_windows_at_their_edges() {
    edges(
        "daily after 08:00",
        &[
            ("2024-01-03 07:59:59.999999", false),
            ("2024-01-03 08:00", true),
            ("2024-01-03 23:59:59.999999", true),
            ("2024-01-04 00:00", false),
        ],
    );
    edges(
        "daily before 10:00",
        &[
            ("2024-01-03 00:00", true),
            ("2024-01-03 10:00:00", true),
            ("2024-01-03 10:00:00.000001", false),
        ],
    );
    edges(
        "daily between 22:00 and 24:00",
        &[
            ("2024-01-03 21:59:59.999999", false),
            ("2024-01-03 22:00", true),
            ("2024-01-03 23:59:59.999999", true),
            ("2024-01-04 00:00", false),
        ],
    );
    edges(
        "daily between 22:00 and 02:00",
        &[
            ("2024-01-03 21:59:59.999999", false),
            ("2024-01-03 22:00", true),
            ("2024-01-04 00:00", true),
            ("2024-01-04 00:00", true),
        ],
    );
    // A run across midnight blocks the whole wrapped window, on both days.
    check(
        "daily between 22:00 and 02:00",
        "me",
        "2024-01-04 00:30",
        &[("success", "2024-01-03 23:50")],
        false,
    );
    check(
        "daily between 22:00 and 02:00",
        "me",
        "2024-01-03 22:30",
        &[("success", "2024-01-03 01:50")],
        true,
    );
    // `daily` resets at midnight, and a week boundary (Sunday → Monday) is just a midnight.
    check(
        "daily",
        "me",
        "2024-01-08 00:00",
        &[("success", "2024-01-07 23:59:59.999999")],
        true,
    );
    check(
        "daily",
        "me",
        "2024-01-07 23:59:59.999999",
        &[("success", "2024-01-07 00:00")],
        false,
    );
    // starting: the period runs from one 10:00 to the next.
    check(
        "daily starting 10:00",
        "me",
        "2024-01-03 10:00",
        &[("success", "2024-01-03 09:59:59.999999")],
        true,
    );
    check(
        "daily starting 10:00",
        "me",
        "2024-01-03 09:59:59.999999",
        &[("success", "2024-01-02 10:00")],
        false,
    );
}

#[test]
fn hour_minute_and_second_windows() {
    edges(
        "hourly between 15:00 and 30:00",
        &[
            ("2024-01-03 10:14:59.999999", false),
            ("2024-01-03 10:15", true),
            ("2024-01-03 10:30:00", true),
            ("2024-01-03 10:30:00.000001", false),
        ],
    );
    check(
        "hourly between 15:00 and 30:00",
        "me",
        "2024-01-03 11:20",
        &[("success", "2024-01-03 10:20")],
        true,
    );
    edges(
        "hourly after 45:00",
        &[
            ("2024-01-03 10:44:59", false),
            ("2024-01-03 10:45", true),
            ("2024-01-03 10:59:59.999999", true),
            ("2024-01-03 11:00", false),
        ],
    );
    edges(
        "hourly on 15:00",
        &[
            ("2024-01-03 10:15:59.999999", true),
            ("2024-01-03 10:16", false),
        ],
    );
    edges(
        "minutely between 10 and 20",
        &[
            ("2024-01-03 10:00:09.999999", false),
            ("2024-01-03 10:00:10", true),
            ("2024-01-03 10:00:20", true),
            ("2024-01-03 10:00:20.000001", false),
        ],
    );
    edges(
        "minutely on 30",
        &[
            ("2024-01-03 10:00:30.999999", true),
            ("2024-01-03 10:00:31", false),
        ],
    );
    check(
        "minutely",
        "me",
        "2024-01-03 10:01:00",
        &[("success", "2024-01-03 10:00:59")],
        true,
    );
    check(
        "secondly",
        "me",
        "2024-01-03 10:00:01.5",
        &[("success", "2024-01-03 10:00:01")],
        false,
    );
    check(
        "secondly",
        "me",
        "2024-01-03 10:00:02",
        &[("success", "2024-01-03 10:00:01.999999")],
        true,
    );
    edges(
        "time of hour before 1q",
        &[
            ("2024-01-03 10:14:59.999999", true),
            ("2024-01-03 10:15", false),
        ],
    );
}

#[test]
fn week_windows_and_weekends() {
    edges(
        "weekly between Monday and Friday",
        &[
            ("2024-01-01 00:00", true),
            ("2024-01-05 23:59:59.999999", true),
            ("2024-01-06 00:00", false),
            ("2024-01-07 23:59", false),
        ],
    );
    edges(
        "weekly after Saturday",
        &[
            ("2024-01-05 23:59:59.999999", false),
            ("2024-01-06 00:00", true),
            ("2024-01-07 23:59:59.999999", true),
            ("2024-01-08 00:00", false),
        ],
    );
    edges(
        "weekly between Monday and Monday",
        &[
            ("2024-01-01 23:59:59.999999", true),
            ("2024-01-02 00:00", false),
        ],
    );
    edges(
        "weekly on Tue 10:00",
        &[
            ("2024-01-02 09:59:59", false),
            ("2024-01-02 10:00", true),
            ("2024-01-03 09:59:59.999999", true),
            ("2024-01-03 10:00", false),
        ],
    );
    check(
        "weekly",
        "me",
        "2024-01-08 00:00",
        &[("success", "2024-01-07 23:59")],
        true,
    );
    check(
        "weekly",
        "me",
        "2024-01-07 23:59",
        &[("success", "2024-01-01 00:00")],
        false,
    );
    edges(
        "time of week between Fri 18:00 and Mon 06:00",
        &[
            ("2024-01-05 17:59:59", false),
            ("2024-01-05 18:00", true),
            ("2024-01-07 12:00", true),
            ("2024-01-08 06:00:00", true),
            ("2024-01-08 06:00:00.000001", false),
            ("2024-01-03 12:00", false),
        ],
    );
    edges(
        "time of week on Monday",
        &[
            ("2024-01-07 23:59:59.999999", false),
            ("2024-01-08 00:00", true),
        ],
    );
}

#[test]
fn months_clamp_and_leap_days() {
    // `monthly after 30th` holds on the last day of February.
    edges(
        "monthly after 30th",
        &[
            ("2024-02-29 00:00", true),
            ("2024-02-28 23:59:59", false),
            ("2023-02-28 12:00", true),
            ("2024-04-30 00:00", true),
        ],
    );
    edges(
        "monthly on 31st",
        &[
            ("2024-04-30 12:00", true),
            ("2024-04-29 23:59", false),
            ("2024-05-01 00:00", false),
            ("2024-01-31 00:00", true),
        ],
    );
    edges(
        "monthly between 31st and 2nd",
        &[
            ("2024-02-29 00:00", true),
            ("2024-02-28 23:59", false),
            ("2024-03-02 23:59:59.999999", true),
            ("2024-03-03 00:00", false),
            ("2023-12-31 00:00", true),
            ("2024-01-01 12:00", true),
        ],
    );
    edges(
        "time of month between 31st and 2nd",
        &[
            ("2024-04-30 00:00", true),
            ("2024-05-02 12:00", true),
            ("2024-05-03 00:00", false),
        ],
    );
    // No February occurrence at all: its end would come before its start.
    edges(
        "monthly between 30th 18:00 and 31st 06:00",
        &[
            ("2024-02-29 20:00", false),
            ("2024-02-29 05:00", false),
            ("2024-01-30 20:00", true),
            ("2024-01-31 06:00", true),
            ("2024-03-30 18:00", true),
        ],
    );
    check(
        "monthly between 30th 18:00 and 31st 06:00",
        "me",
        "2024-03-30 19:00",
        &[("success", "2024-01-31 01:00")],
        true,
    );
    edges(
        "monthly between 1st and 5th",
        &[
            ("2024-02-01 00:00", true),
            ("2024-02-05 23:59:59.999999", true),
            ("2024-02-06 00:00", false),
        ],
    );
    check(
        "monthly",
        "me",
        "2024-03-01 00:00",
        &[("success", "2024-02-29 23:59:59.999999")],
        true,
    );
    check(
        "monthly",
        "me",
        "2024-02-29 23:59:59.999999",
        &[("success", "2024-02-01 00:00")],
        false,
    );
    check(
        "monthly",
        "me",
        "2025-01-01 00:00",
        &[("success", "2024-12-31 23:59")],
        true,
    );
}

#[test]
fn cron_rules() {
    // Both day fields restricted: either matches (the 1st, or a Monday).
    let c = "cron 0 8 1 * mon";
    edges(
        c,
        &[
            ("2024-02-01 08:00", true),
            ("2024-01-08 08:00:59.999999", true),
            ("2024-01-09 08:00", false),
            ("2024-01-08 08:01", false),
        ],
    );
    edges(
        "cron 0 8 1 * *",
        &[("2024-02-01 08:00", true), ("2024-01-08 08:00", false)],
    );
    edges(
        "cron 30 12 29 2 *",
        &[
            ("2024-02-29 12:30", true),
            ("2024-02-28 12:30", false),
            ("2024-03-01 12:30", false),
        ],
    );
    // Start-based: a run in the minute blocks; one in the minute before does not.
    check(
        "cron */15 * * * *",
        "me",
        "2024-01-03 10:15:10",
        &[
            ("run", "2024-01-03 10:14:59"),
            ("success", "2024-01-03 10:15:05"),
        ],
        true,
    );
    check(
        "cron */15 * * * *",
        "me",
        "2024-01-03 10:15:10",
        &[("run", "2024-01-03 10:15:00")],
        false,
    );
}

#[test]
fn every_and_past_boundaries() {
    // Exactly D ago blocks, D + 1 µs does not.
    check(
        "every 1 hour",
        "me",
        "2024-01-03 12:00",
        &[("success", "2024-01-03 11:00:00")],
        false,
    );
    check(
        "every 1 hour",
        "me",
        "2024-01-03 12:00:00.000001",
        &[("success", "2024-01-03 11:00:00")],
        true,
    );
    check(
        "every 1 hour",
        "me",
        "2024-01-03 12:00",
        &[("inaction", "2024-01-03 11:30")],
        false,
    );
    check(
        "every 1 hour",
        "me",
        "2024-01-03 12:00",
        &[("terminate", "2024-01-03 11:30")],
        false,
    );
    check(
        "every 1 hour",
        "me",
        "2024-01-03 12:00",
        &[("crash", "2024-01-03 11:30")],
        true,
    );
    check(
        "has succeeded in past 2 hours",
        "me",
        "2024-01-03 12:00",
        &[("success", "2024-01-03 10:00:00")],
        true,
    );
    check(
        "has succeeded in past 2 hours",
        "me",
        "2024-01-03 12:00:00.000001",
        &[("success", "2024-01-03 10:00:00")],
        false,
    );
}

#[test]
fn after_tasks_all_and_any() {
    let both = [
        ("a:success", "2024-01-03 08:00"),
        ("b:success", "2024-01-03 08:05"),
    ];
    check(
        "after tasks 'a', 'b' succeeded",
        "me",
        "2024-01-03 09:00",
        &both,
        true,
    );
    check(
        "after tasks 'a', 'b' succeeded",
        "me",
        "2024-01-03 09:00",
        &both[..1],
        false,
    );
    check(
        "after any tasks 'a', 'b' succeeded",
        "me",
        "2024-01-03 09:00",
        &both[..1],
        true,
    );
    // Each upstream is compared with the owner's last start on its own.
    let mixed = [both[0], ("run", "2024-01-03 08:02"), both[1]];
    check(
        "after tasks 'a', 'b' succeeded",
        "me",
        "2024-01-03 09:00",
        &mixed,
        false,
    );
    check(
        "after any tasks 'a', 'b' succeeded",
        "me",
        "2024-01-03 09:00",
        &mixed,
        true,
    );
    // A later failure does not hide the last success.
    check(
        "after task 'get_data' succeeded",
        "me",
        "2024-01-03 09:00",
        &[
            ("get_data:success", "2024-01-03 08:00"),
            ("get_data:fail", "2024-01-03 08:30"),
        ],
        true,
    );
}

#[test]
fn has_windows() {
    let at_9 = [("success", "2024-01-03 09:00")];
    let c = "has succeeded today between 08:00 and 10:00";
    check(c, "me", "2024-01-03 12:00", &at_9, true);
    check(c, "me", "2024-01-03 08:59", &at_9, false);
    // Before today's window opens, W is yesterday's window.
    check(c, "me", "2024-01-04 07:00", &at_9, true);
    check(c, "me", "2024-01-04 08:00", &at_9, false);
    check(
        c,
        "me",
        "2024-01-03 10:00:00",
        &[("success", "2024-01-03 10:00:00")],
        true,
    );
    check(
        c,
        "me",
        "2024-01-03 12:00",
        &[("success", "2024-01-03 10:00:00.000001")],
        false,
    );
    check(
        "has inacted this week",
        "me",
        "2024-01-07 23:59",
        &[("inaction", "2024-01-01 00:00")],
        true,
    );
    check(
        "has inacted this week",
        "me",
        "2024-01-08 00:00",
        &[("inaction", "2024-01-07 23:59")],
        false,
    );
    check(
        "has failed",
        "me",
        "2030-01-01 00:00",
        &[("fail", "2024-01-01 00:00")],
        true,
    );
    check(
        "has failed",
        "me",
        "2030-01-01 00:00",
        &[("success", "2024-01-01 00:00")],
        false,
    );
}

#[test]
fn time_of_windows() {
    edges(
        "time of day between 22:00 and 02:00",
        &[
            ("2024-01-03 22:00", true),
            ("2024-01-04 02:00:00", true),
            ("2024-01-04 02:00:00.000001", false),
            ("2024-01-03 21:59:59.999999", false),
        ],
    );
    edges(
        "time of day between 10:00 and 10:00",
        &[
            ("2024-01-03 00:00", true),
            ("2024-01-03 09:59:59.999999", true),
            ("2024-01-03 10:00", true),
        ],
    );
}

// ---------------------------------------------------------------- scheduler, params, custom, errors

struct Session;

impl Resolver for Session {
    fn param(&self, key: &str) -> Option<ParamValue<'_>> {
        match key {
            "env" => Some(ParamValue::Str("prod")),
            "mode" => Some(ParamValue::Str("fast")),
            "k" => Some(ParamValue::Function),
            "n" => Some(ParamValue::Other),
            _ => None,
        }
    }

    fn custom(&self, name: &str, ctx: &Context<'_>) -> Result<bool, EvalError> {
        match name {
            "is_weekend_sale" => Ok(ctx.owner() == Some("shop")),
            "broken" => Err(EvalError::custom(name, "database unreachable")),
            _ => Err(EvalError::UnknownCustom {
                name: name.to_owned(),
            }),
        }
    }
}

fn eval_with(
    condition: &str,
    owner: Option<&str>,
    scheduler: Option<SchedulerState>,
) -> Result<bool, EvalError> {
    let history = History::new();
    let mut ctx =
        Context::new(utc("2024-01-03 12:00"), Zone::Utc, &history).with_resolver(&Session);
    if let Some(owner) = owner {
        ctx = ctx.with_owner(owner);
    }
    if let Some(state) = scheduler {
        ctx = ctx.with_scheduler(state);
    }
    cond(condition).evaluate(&ctx)
}

#[test]
fn scheduler_phrases() {
    let state = |cycles, started| {
        Some(SchedulerState {
            cycles,
            started: utc(started),
        })
    };
    let s = state(3, "2024-01-03 11:00");
    assert!(eval_with("scheduler has more than 2 cycles", None, s).unwrap());
    assert!(!eval_with("scheduler has less than 2 cycles", None, s).unwrap());
    assert!(!eval_with("scheduler has 2 cycles", None, s).unwrap());
    assert!(eval_with("scheduler has 2 cycles", None, state(2, "2024-01-03 11:00")).unwrap());
    // Started exactly 1 hour ago: still "started 1 hour ago"; 1 µs more and it has run over.
    assert!(eval_with("scheduler started 1 hour ago", None, s).unwrap());
    assert!(!eval_with("scheduler has run over 1 hour", None, s).unwrap());
    let earlier = state(3, "2024-01-03 10:59:59.999999");
    assert!(!eval_with("scheduler started 1 hour ago", None, earlier).unwrap());
    assert!(eval_with("scheduler has run over 1 hour", None, earlier).unwrap());
    let error = eval_with("scheduler has more than 2 cycles", None, None).unwrap_err();
    assert!(matches!(error, EvalError::NoScheduler { .. }));
    assert!(
        error
            .to_string()
            .contains("`scheduler has more than 2 cycles`"),
        "{error}"
    );
}

#[test]
fn params_and_custom_conditions() {
    assert!(eval_with("env 'prod'", None, None).unwrap());
    assert!(eval_with("param 'mode' is 'fast'", None, None).unwrap());
    assert!(eval_with("param 'k' exists", None, None).unwrap());
    assert!(eval_with("is_weekend_sale", Some("shop"), None).unwrap());
    assert!(!eval_with("is_weekend_sale", None, None).unwrap());
    let error = eval_with("broken", None, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "custom condition `broken` failed: database unreachable"
    );
    assert!(std::error::Error::source(&error).is_some());
    // Without a resolver, a custom condition is unknown.
    let history = History::new();
    let ctx = Context::new(utc("2024-01-03 12:00"), Zone::Utc, &history);
    let error = cond("is_weekend_sale").evaluate(&ctx).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown custom condition `is_weekend_sale`"),
        "{error}"
    );
    assert!(!cond("env 'prod'").evaluate(&ctx).unwrap());
    // is_true_at: custom conditions are false, errors are false.
    assert!(!is_true_at(
        &cond("is_weekend_sale"),
        "shop",
        t("2024-01-03 12:00"),
        &[]
    ));
    assert!(!is_true_at(
        &cond("scheduler has less than 2 cycles"),
        "me",
        t("2024-01-03 12:00"),
        &[]
    ));
}

#[test]
fn evaluation_short_circuits_left_to_right() {
    assert!(!eval_with("false & is_weekend_sale", None, None).unwrap());
    assert!(eval_with("true | broken", None, None).unwrap());
    assert!(eval_with("broken | true", None, None).is_err());
}

#[test]
fn owner_phrases_need_an_owner() {
    for phrase in [
        "daily",
        "every 10 minutes",
        "cron 0 8 * * 1-5",
        "after task 'get_data' succeeded",
        "has failed",
    ] {
        let error = eval_with(phrase, None, None).unwrap_err();
        assert!(
            matches!(error, EvalError::NoOwner { .. }),
            "{phrase}: {error:?}"
        );
        assert!(
            error.to_string().contains(&format!("`{}`", cond(phrase))),
            "{error}"
        );
    }
    // Naming a task needs no owner.
    assert!(!eval_with("task 'check_mail' has succeeded", None, None).unwrap());
    assert!(!eval_with("task 'x' is running", None, None).unwrap());
}

// ---------------------------------------------------------------- explain

fn explain(
    condition: &str,
    owner: &str,
    now: &str,
    history: &[(&str, &str)],
) -> redengine_conditions::Explanation {
    let history = History::from_records(&records(owner, history));
    let ctx = Context::new(utc(now), Zone::Utc, &history)
        .with_owner(owner)
        .with_resolver(&Session);
    cond(condition).explain(&ctx)
}

#[test]
fn explanations_give_values_and_reasons() {
    let e = explain(
        "daily between 08:00 and 08:15",
        "wash_teeth",
        "2024-01-03 08:10",
        &[("success", "2024-01-03 08:03")],
    );
    assert_eq!(e.value, Ok(false));
    assert_eq!(
        e.to_string(),
        "daily between 08:00 and 08:15 = false: 'wash_teeth' already succeeded at 08:03, inside the current window 08:00–08:15\n"
    );
    let e = explain(
        "after task 'get_data' succeeded",
        "transform_data",
        "2024-01-03 08:10",
        &[("get_data:success", "2024-01-03 08:01")],
    );
    assert_eq!(
        e.to_string(),
        "after task 'get_data' = true: 'get_data' succeeded at 08:01, after 'transform_data' last started (never)\n"
    );
    let e = explain(
        "daily between 08:00 and 08:15 | daily between 22:00 and 22:15",
        "wash_teeth",
        "2024-01-03 12:00",
        &[],
    );
    assert_eq!(e.value, Ok(false));
    assert_eq!(e.children.len(), 2);
    let text = e.to_string();
    assert!(text.contains("= false: no operand is true\n  daily between 08:00 and 08:15 = false: 12:00 is outside the period; the next window opens at 2024-01-04 08:00\n"), "{text}");
    let e = explain("true | broken", "me", "2024-01-03 12:00", &[]);
    assert_eq!(e.value, Ok(true));
    assert_eq!(
        e.children[1].value,
        Err("custom condition `broken` failed: database unreachable".to_owned())
    );
    let e = explain(
        "every 10 minutes",
        "me",
        "2024-01-03 12:00",
        &[("fail", "2024-01-03 11:55")],
    );
    assert_eq!(e.reason, "'me' failed at 11:55, within the last 10 minutes");
    let e = explain(
        "task 'x' is running",
        "me",
        "2024-01-03 12:00",
        &[("x:run", "2024-01-03 11:55")],
    );
    assert_eq!(e.reason, "'x' started at 11:55 and has not finished");
}

// ---------------------------------------------------------------- next_change

fn next(condition: &str, owner: &str, now: &str, history: &[(&str, &str)]) -> NextChange {
    let history = History::from_records(&records(owner, history));
    let state = SchedulerState {
        cycles: 1,
        started: utc("2024-01-03 11:30"),
    };
    let ctx = Context::new(utc(now), Zone::Utc, &history)
        .with_owner(owner)
        .with_scheduler(state)
        .with_resolver(&Session);
    cond(condition).next_change(&ctx)
}

#[test]
fn next_change_exact_instants() {
    let at = |s: &str| NextChange::At(utc(s));
    let c = "daily between 08:00 and 08:15";
    assert_eq!(
        next(c, "me", "2024-01-03 08:05", &[]),
        at("2024-01-03 08:15:00.000001")
    );
    assert_eq!(
        next(
            c,
            "me",
            "2024-01-03 08:05",
            &[("success", "2024-01-03 08:03")]
        ),
        at("2024-01-04 08:00")
    );
    assert_eq!(
        next(c, "me", "2024-01-03 12:00", &[]),
        at("2024-01-04 08:00")
    );
    assert_eq!(
        next(c, "me", "2024-01-03 07:00", &[]),
        at("2024-01-03 08:00")
    );
    assert_eq!(
        next(
            "every 10 minutes",
            "me",
            "2024-01-03 12:00",
            &[("success", "2024-01-03 11:55")]
        ),
        at("2024-01-03 12:05:00.000001")
    );
    assert_eq!(
        next(
            "every 10 minutes",
            "me",
            "2024-01-03 12:00",
            &[("success", "2024-01-03 11:45")]
        ),
        NextChange::OnEvent
    );
    assert_eq!(
        next("cron 0 8 * * 1-5", "me", "2024-01-01 08:00:30", &[]),
        at("2024-01-01 08:01")
    );
    assert_eq!(
        next(
            "cron 0 8 * * 1-5",
            "me",
            "2024-01-05 08:00:30",
            &[("run", "2024-01-05 08:00:01")]
        ),
        at("2024-01-08 08:00")
    );
    assert_eq!(
        next(
            "after task 'get_data' succeeded",
            "me",
            "2024-01-03 12:00",
            &[]
        ),
        NextChange::OnEvent
    );
    assert_eq!(
        next(
            "scheduler started 1 hour ago",
            "me",
            "2024-01-03 12:00",
            &[]
        ),
        at("2024-01-03 12:30:00.000001")
    );
    assert_eq!(
        next(
            "scheduler has more than 2 cycles",
            "me",
            "2024-01-03 12:00",
            &[]
        ),
        NextChange::NextCycle
    );
    assert_eq!(
        next("is_weekend_sale", "me", "2024-01-03 12:00", &[]),
        NextChange::NextCycle
    );
    assert_eq!(
        next(
            "time of week between Fri 18:00 and Mon 06:00",
            "me",
            "2024-01-03 12:00",
            &[]
        ),
        at("2024-01-05 18:00")
    );
    assert_eq!(
        next("monthly after 30th", "me", "2024-02-10 12:00", &[]),
        at("2024-02-29 00:00")
    );
    assert_eq!(
        next(
            "~daily",
            "me",
            "2024-01-03 12:00",
            &[("success", "2024-01-03 11:00")]
        ),
        at("2024-01-04 00:00")
    );
    // Never ≤ now, even exactly on an edge.
    assert_eq!(
        next(c, "me", "2024-01-03 08:15", &[]),
        at("2024-01-03 08:15:00.000001")
    );
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// For many conditions, histories and instants: the value is constant on (now, next), and
/// at `next` either it changes or a window edge was crossed (checked by the value of the
/// condition at `next` differing for at least some samples of every phrase).
#[test]
fn next_change_is_a_safe_sleep() {
    let conditions = [
        "daily",
        "daily between 08:00 and 08:15",
        "daily between 22:00 and 02:00",
        "daily starting 10:00",
        "daily on 10:00",
        "daily after 08:00",
        "daily before 10:00",
        "hourly",
        "hourly between 15:00 and 30:00",
        "minutely between 10 and 20",
        "weekly",
        "weekly on Tuesday",
        "weekly after Saturday",
        "monthly after 28th",
        "monthly between 31st and 2nd",
        "monthly on 31st",
        "monthly between 30th 18:00 and 31st 06:00",
        "every 10 minutes",
        "every 1 hour",
        "cron 0 8 * * 1-5",
        "cron */15 * * * *",
        "cron 0 8 1 * mon",
        "has succeeded today between 08:00 and 10:00",
        "has succeeded in past 2 hours",
        "has inacted this week",
        "time of day between 22:00 and 02:00",
        "time of week between Fri 18:00 and Mon 06:00",
        "time of month between 31st and 2nd",
        "scheduler started 1 hour ago",
        "~daily",
        "daily between 09:00 and 10:00 & time of week between Monday and Friday",
        "daily between 08:00 and 08:15 | daily between 22:00 and 22:15",
        "after task 'get_data' succeeded & daily",
    ];
    let base = utc("2024-01-25 00:00");
    let span = 40 * 24 * 3600 * 1_000_000_i64; // spans February 2024 (leap day) into March
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let actions = [
        Action::Run,
        Action::Success,
        Action::Fail,
        Action::Inaction,
        Action::Terminate,
        Action::Crash,
    ];
    let mut changed = vec![0_u32; conditions.len()];
    for round in 0..300 {
        // A history with records in the past of `now`, some landing right on edges.
        let now = base + TimeDelta::microseconds(rng.below(span as u64) as i64);
        let now = if round % 3 == 0 {
            now.with_time_of_minute()
        } else {
            now
        };
        let mut history = History::new();
        for _ in 0..rng.below(6) {
            let back = TimeDelta::microseconds(rng.below(3 * 24 * 3600 * 1_000_000) as i64);
            let action = actions[rng.below(actions.len() as u64) as usize];
            let task = if rng.below(3) == 0 { "get_data" } else { "me" };
            history.push(task, action, now - back);
        }
        let state = SchedulerState {
            cycles: 1,
            started: now - TimeDelta::minutes(rng.below(120) as i64),
        };
        let ctx_at = |at: DateTime<Utc>| {
            Context::new(at, Zone::Utc, &history)
                .with_owner("me")
                .with_scheduler(state)
        };
        for (index, name) in conditions.iter().enumerate() {
            let condition = cond(name);
            let value = condition.evaluate(&ctx_at(now)).unwrap();
            let until = match condition.next_change(&ctx_at(now)) {
                NextChange::At(at) => {
                    assert!(at > now, "`{name}` at {now}: next {at} is not after now");
                    let value_at = condition.evaluate(&ctx_at(at)).unwrap();
                    if value_at != value {
                        changed[index] += 1;
                    }
                    at
                }
                NextChange::OnEvent => now + TimeDelta::days(400),
                NextChange::NextCycle => panic!("`{name}` answered NextCycle"),
            };
            let gap = (until - now).num_microseconds().unwrap_or(i64::MAX);
            let mut samples = vec![1, gap - 1, gap / 2, gap / 3];
            samples.extend((0..6).map(|_| 1 + rng.below(gap.max(2) as u64 - 1) as i64));
            for offset in samples.into_iter().filter(|&o| o > 0 && o < gap) {
                let at = now + TimeDelta::microseconds(offset);
                assert_eq!(
                    condition.evaluate(&ctx_at(at)).unwrap(),
                    value,
                    "`{name}` changed at {at}, before its next change {until} (now {now})"
                );
            }
        }
    }
    for (name, count) in conditions.iter().zip(&changed) {
        assert!(
            *count > 0,
            "`{name}`: the value never changed at the announced instant"
        );
    }
}

trait WholeMinute {
    fn with_time_of_minute(self) -> Self;
}

impl WholeMinute for DateTime<Utc> {
    /// Rounds down to the minute, so samples land exactly on window edges.
    fn with_time_of_minute(self) -> Self {
        let us = self.timestamp_micros();
        DateTime::from_timestamp_micros(us - us.rem_euclid(60_000_000)).unwrap()
    }
}
