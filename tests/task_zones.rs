//! Per-task time zones: a task's windows, `cron` and `time of …` phrases run on its own
//! zone's wall clock, whatever the session's zone, at the edges where that matters — both
//! clock changes of Helsinki and New York, and midnight in zones far from UTC.
//!
//! Each case runs the scheduler on a virtual clock across the day and compares the
//! instants (UTC) at which each task started.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use redengine::{Action, Execution, ManualClock, MemoryLog, Session, Task, Zone};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
}

fn zone(name: &str) -> Zone {
    Zone::from_name(name).unwrap()
}

/// A task `name` with `cond`, in `task_zone` (`None`: the session's).
fn task(name: &str, cond: &str, task_zone: Option<&str>) -> Task {
    let builder = Task::builder(name).start_cond(cond);
    match task_zone {
        Some(z) => builder.zone(zone(z)).run(|_| ()),
        None => builder.run(|_| ()),
    }
}

/// Runs `tasks` in a session in `session_zone` from `start` for `hours`; the start
/// instants of each task, in UTC, as `"MM-DD HH:MM"`.
fn starts(
    session_zone: &str,
    tasks: Vec<Task>,
    start: DateTime<Utc>,
    hours: u32,
) -> Vec<(String, String)> {
    let clock = ManualClock::new(start);
    let log = MemoryLog::new();
    Session::builder()
        .clock(clock)
        .zone(zone(session_zone))
        .log_store(log.clone())
        .task_execution(Execution::Main)
        .shut_cond(format!("scheduler has run over {hours} hours"))
        .with_tasks(tasks)
        .build()
        .unwrap()
        .run()
        .unwrap();
    log.records()
        .into_iter()
        .filter(|r| r.action == Action::Run)
        .map(|r| {
            let at = r
                .created
                .with_timezone(&Utc)
                .format("%m-%d %H:%M")
                .to_string();
            (r.task_name, at)
        })
        .collect()
}

fn of(runs: &[(String, String)], task: &str) -> Vec<String> {
    runs.iter()
        .filter(|(t, _)| t == task)
        .map(|(_, at)| at.clone())
        .collect()
}

#[test]
fn new_york_spring_forward_in_a_helsinki_session() {
    // 2024-03-10: New York's clocks go from 02:00 EST to 03:00 EDT at 07:00 UTC.
    let runs = starts(
        "Europe/Helsinki",
        vec![
            task(
                "ny_window",
                "daily between 02:15 and 02:45",
                Some("America/New_York"),
            ),
            task("ny_cron", "cron 30 2 * * *", Some("America/New_York")),
            task("ny_cron_after", "cron 15 3 * * *", Some("America/New_York")),
            task("session_window", "daily between 02:15 and 02:45", None),
        ],
        utc(2024, 3, 9, 12, 0),
        48,
    );
    // The window lies in the gap: both edges move forward by the hour, 03:15–03:45 EDT.
    assert_eq!(of(&runs, "ny_window"), ["03-10 07:15", "03-11 06:15"]);
    // A cron minute in the gap fires once, moved by the gap (03:30 EDT).
    assert_eq!(of(&runs, "ny_cron"), ["03-10 07:30", "03-11 06:30"]);
    // A minute after the gap is where the clock shows it.
    assert_eq!(of(&runs, "ny_cron_after"), ["03-10 07:15", "03-11 07:15"]);
    // The same window in the session's zone (Helsinki, EET) opens at 00:15 UTC.
    assert_eq!(of(&runs, "session_window"), ["03-10 00:15", "03-11 00:15"]);
}

#[test]
fn new_york_fall_back_in_a_helsinki_session() {
    // 2024-11-03: New York's clocks go from 02:00 EDT back to 01:00 EST at 06:00 UTC, so
    // 01:00–01:59 happens twice (05:00–05:59 and 06:00–06:59 UTC).
    let runs = starts(
        "Europe/Helsinki",
        vec![
            task("ny_fixed", "cron 30 1 * * *", Some("America/New_York")),
            task("ny_every_hour", "cron 30 * * * *", Some("America/New_York")),
            task(
                "ny_window",
                "daily between 01:15 and 01:45",
                Some("America/New_York"),
            ),
        ],
        utc(2024, 11, 3, 3, 0),
        5,
    );
    // A minute in the fold fires at its first occurrence only.
    assert_eq!(of(&runs, "ny_fixed"), ["11-03 05:30"]);
    // With `*` hours cron follows the clock: both readings of 01:30 fire.
    assert_eq!(
        of(&runs, "ny_every_hour"),
        [
            "11-03 03:30",
            "11-03 04:30",
            "11-03 05:30",
            "11-03 06:30",
            "11-03 07:30"
        ]
    );
    // A window in the fold is the first reading's span, and daily runs it once.
    assert_eq!(of(&runs, "ny_window"), ["11-03 05:15"]);
}

#[test]
fn helsinki_spring_forward_in_a_new_york_session() {
    // 2024-03-31: Helsinki's clocks go from 03:00 EET to 04:00 EEST at 01:00 UTC.
    let runs = starts(
        "America/New_York",
        vec![
            task("hel_cron", "cron 30 3 * * *", Some("Europe/Helsinki")),
            task(
                "hel_time_of_day",
                "time of day between 03:15 and 03:45 & daily",
                Some("Europe/Helsinki"),
            ),
            task("session_cron", "cron 30 3 * * *", None),
        ],
        utc(2024, 3, 30, 12, 0),
        30,
    );
    // 03:30 is in the gap: 04:30 EEST.
    assert_eq!(of(&runs, "hel_cron"), ["03-31 01:30"]);
    assert_eq!(of(&runs, "hel_time_of_day"), ["03-31 01:15"]);
    // The session's zone (New York, EDT by then): 03:30 EDT.
    assert_eq!(of(&runs, "session_cron"), ["03-31 07:30"]);
}

#[test]
fn helsinki_fall_back_in_a_new_york_session() {
    // 2024-10-27: Helsinki's clocks go from 04:00 EEST back to 03:00 EET at 01:00 UTC.
    let runs = starts(
        "America/New_York",
        vec![
            task("hel_cron", "cron 30 3 * * *", Some("Europe/Helsinki")),
            task("hel_hourly", "cron 0 * * * *", Some("Europe/Helsinki")),
            task(
                "hel_window",
                "daily between 04:00 and 04:30",
                Some("Europe/Helsinki"),
            ),
        ],
        utc(2024, 10, 26, 23, 30),
        4,
    );
    // First reading of 03:30 (EEST, 00:30 UTC); not again in the repeated hour.
    assert_eq!(of(&runs, "hel_cron"), ["10-27 00:30"]);
    // 03:00 EEST, 03:00 EET (the repeated hour fires too), 04:00 EET, 05:00 EET.
    assert_eq!(
        of(&runs, "hel_hourly"),
        ["10-27 00:00", "10-27 01:00", "10-27 02:00", "10-27 03:00"]
    );
    // 04:00 happens once, at 02:00 UTC: the window does not open during the repeated 03:xx.
    assert_eq!(of(&runs, "hel_window"), ["10-27 02:00"]);
}

#[test]
fn midnight_far_from_utc() {
    let runs = starts(
        "UTC",
        vec![
            task("kiritimati", "daily", Some("Pacific/Kiritimati")),
            task("pago_pago", "daily", Some("Pacific/Pago_Pago")),
            task("utc", "daily", None),
        ],
        utc(2024, 1, 1, 12, 0),
        48,
    );
    // UTC+14: the day starts at 10:00 UTC of the day before.
    assert_eq!(
        of(&runs, "kiritimati"),
        ["01-01 12:00", "01-02 10:00", "01-03 10:00"]
    );
    // UTC-11: at 11:00 UTC.
    assert_eq!(
        of(&runs, "pago_pago"),
        ["01-01 12:00", "01-02 11:00", "01-03 11:00"]
    );
    assert_eq!(
        of(&runs, "utc"),
        ["01-01 12:00", "01-02 00:00", "01-03 00:00"]
    );
}

#[test]
fn end_cond_runs_on_the_task_zone_too() {
    // A thread run whose end_cond is a window of its task's zone: told to stop at 09:00 in
    // Kiritimati (19:00 UTC), not at once, as 09:00 in the session's UTC would have it.
    let clock = ManualClock::new(utc(2024, 1, 1, 18, 0));
    let log = MemoryLog::new();
    let long = Task::builder("long")
        .start_cond("daily")
        .end_cond("time of day after 09:00")
        .zone(zone("Pacific/Kiritimati"))
        .execution(Execution::Thread)
        .timeout("never")
        .run(|ctx| {
            while !ctx.termination().is_set() {
                std::thread::park_timeout(std::time::Duration::from_millis(1));
            }
            redengine::Terminated
        });
    Session::builder()
        .clock(clock.with_grace(std::time::Duration::from_millis(5)))
        .zone(Zone::Utc)
        .log_store(log.clone())
        .shut_cond("task 'long' has terminated")
        .task(long)
        .build()
        .unwrap()
        .run()
        .unwrap();
    let ends: Vec<_> = common::of(&log, "long", Action::Terminate)
        .into_iter()
        .map(|r| {
            (
                r.message,
                r.created.with_timezone(&Utc).format("%H:%M").to_string(),
            )
        })
        .collect();
    assert_eq!(ends, [("end_cond".to_string(), "19:00".to_string())]);
}

#[test]
fn a_misspelled_zone_name_is_an_ignite_error_naming_the_task() {
    let err = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .task(
            Task::builder("report")
                .start_cond("daily")
                .zone_name("America/New_Yrok")
                .run(|_| ()),
        )
        .build()
        .unwrap()
        .ignite()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("task 'report': zone: unknown time zone `America/New_Yrok`"),
        "{err}"
    );
    assert!(err.contains("did you mean `America/New_York`?"), "{err}");
    assert!(err.contains("task_zones.rs"), "the task's location: {err}");
}
