//! Catch-up after downtime: the misfire policies `run_if_open` (the default), `skip` and
//! `run_once`, for a window and a cron minute, after a simulated downtime — a log whose
//! latest record says when the scheduler was last alive, and a clock moved forward to the
//! restart.

mod common;

use std::cell::RefCell;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use redengine::{
    Action, Execution, ManualClock, MemoryLog, Misfire, Session, Task, TaskRecord, Zone,
};

use common::monday;

/// Captures `redengine::scheduler` lines per thread (tests run in parallel).
struct CaptureLogger;

thread_local! {
    static CAPTURED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl log::Log for CaptureLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "redengine::scheduler" {
            CAPTURED.with(|c| c.borrow_mut().push(record.args().to_string()));
        }
    }

    fn flush(&self) {}
}

/// Runs `f`; what it logged on the scheduler's target, on this thread.
fn capture(f: impl FnOnce()) -> Vec<String> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&CaptureLogger).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
    CAPTURED.with(|c| c.borrow_mut().clear());
    f();
    CAPTURED.with(|c| c.borrow_mut().drain(..).collect())
}

/// A log in which the scheduler was last seen alive at `alive`: a `beat` task ran then.
fn log_alive_at(alive: DateTime<Utc>) -> MemoryLog {
    let at = alive.fixed_offset();
    MemoryLog::with_records([
        TaskRecord::run("beat", at),
        TaskRecord::finish("beat", Action::Success, at, at, ""),
    ])
}

fn task(name: &str, cond: &str, policy: Option<Misfire>) -> Task {
    let builder = Task::builder(name).start_cond(cond);
    match policy {
        Some(p) => builder.misfire(p).run(|_| ()),
        None => builder.run(|_| ()),
    }
}

/// Restarts at `restart` on `log` with `tasks` (session default `default`) for `hours`;
/// each task's start instants (`"Mon 09:00"`, UTC) and the scheduler's lines.
fn restart(
    log: &MemoryLog,
    restart: DateTime<Utc>,
    hours: u32,
    default: Option<Misfire>,
    zone: Zone,
    tasks: Vec<Task>,
) -> (Vec<(String, String)>, Vec<String>) {
    let before = log.records().len();
    let lines = capture(|| {
        let mut builder = Session::builder()
            .clock(ManualClock::new(restart))
            .zone(zone)
            .log_store(log.clone())
            .task_execution(Execution::Main)
            .shut_cond(format!("scheduler has run over {hours} hours"))
            .with_tasks(tasks);
        if let Some(d) = default {
            builder = builder.misfire(d);
        }
        builder.build().unwrap().run().unwrap();
    });
    let runs = log.records()[before..]
        .iter()
        .filter(|r| r.action == Action::Run)
        .map(|r| {
            let at = r.created.with_timezone(&Utc).format("%a %H:%M").to_string();
            (r.task_name.clone(), at)
        })
        .collect();
    (runs, lines)
}

fn of(runs: &[(String, String)], task: &str) -> Vec<String> {
    runs.iter()
        .filter(|(t, _)| t == task)
        .map(|(_, at)| at.clone())
        .collect()
}

fn mentioning<'a>(lines: &'a [String], task: &str) -> Vec<&'a str> {
    let name = format!("task '{task}'");
    lines
        .iter()
        .filter(|l| l.contains(&name))
        .map(String::as_str)
        .collect()
}

const WINDOW: &str = "daily between 08:00 and 12:00";
const CRON: &str = "cron 30 8 * * *";

/// Down from 07:00 to 09:00 on Monday: the window opened at 08:00 and is still open at
/// start-up; the cron minute 08:30 came and went.
fn window_open_at_startup(policy: Option<Misfire>) -> (Vec<(String, String)>, Vec<String>) {
    let log = log_alive_at(monday(7, 0));
    restart(
        &log,
        monday(9, 0),
        24,
        None,
        Zone::Utc,
        vec![task("window", WINDOW, policy), task("cron", CRON, policy)],
    )
}

#[test]
fn default_runs_an_open_window_and_skips_a_passed_cron_minute_visibly() {
    for policy in [None, Some(Misfire::RunIfOpen)] {
        let (runs, lines) = window_open_at_startup(policy);
        assert_eq!(
            of(&runs, "window"),
            ["Mon 09:00", "Tue 08:00"],
            "{policy:?}"
        );
        assert_eq!(of(&runs, "cron"), ["Tue 08:30"], "{policy:?}");
        let said = mentioning(&lines, "cron");
        assert_eq!(said.len(), 1, "{lines:#?}");
        assert!(said[0].contains("skipped"), "{}", said[0]);
        assert!(
            said[0].contains("2024-01-01 08:30:00 UTC"),
            "what was missed: {}",
            said[0]
        );
        assert!(
            said[0].contains("misfire = run_if_open"),
            "why: {}",
            said[0]
        );
        assert!(mentioning(&lines, "window").is_empty(), "{lines:#?}");
    }
}

#[test]
fn skip_runs_neither_until_their_next_occurrence() {
    let (runs, lines) = window_open_at_startup(Some(Misfire::Skip));
    assert_eq!(of(&runs, "window"), ["Tue 08:00"]);
    assert_eq!(of(&runs, "cron"), ["Tue 08:30"]);
    let window = mentioning(&lines, "window");
    assert_eq!(window.len(), 1, "{lines:#?}");
    assert!(
        window[0].contains("turned true at 2024-01-01 08:00:00 UTC"),
        "{}",
        window[0]
    );
    assert!(window[0].contains("misfire = skip"), "{}", window[0]);
    assert_eq!(mentioning(&lines, "cron").len(), 1, "{lines:#?}");
}

#[test]
fn run_once_runs_each_once_at_startup() {
    let (runs, lines) = window_open_at_startup(Some(Misfire::RunOnce));
    assert_eq!(of(&runs, "window"), ["Mon 09:00", "Tue 08:00"]);
    assert_eq!(of(&runs, "cron"), ["Mon 09:00", "Tue 08:30"]);
    let cron = mentioning(&lines, "cron");
    assert_eq!(cron.len(), 1, "{lines:#?}");
    assert!(cron[0].contains("runs once now"), "{}", cron[0]);
}

#[test]
fn a_closed_window_runs_only_with_run_once() {
    // Down from 07:00 to 13:00: the window opened and closed while down.
    for (policy, window, cron) in [
        (None, vec!["Tue 08:00"], vec!["Tue 08:30"]),
        (Some(Misfire::Skip), vec!["Tue 08:00"], vec!["Tue 08:30"]),
        (
            Some(Misfire::RunOnce),
            vec!["Mon 13:00", "Tue 08:00"],
            vec!["Mon 13:00", "Tue 08:30"],
        ),
    ] {
        let log = log_alive_at(monday(7, 0));
        let (runs, lines) = restart(
            &log,
            monday(13, 0),
            24,
            None,
            Zone::Utc,
            vec![task("window", WINDOW, policy), task("cron", CRON, policy)],
        );
        assert_eq!(of(&runs, "window"), window, "{policy:?}");
        assert_eq!(of(&runs, "cron"), cron, "{policy:?}");
        assert_eq!(
            mentioning(&lines, "window").len(),
            1,
            "{policy:?}: {lines:#?}"
        );
    }
}

#[test]
fn the_session_default_applies_to_tasks_that_set_none() {
    let log = log_alive_at(monday(7, 0));
    let (runs, _) = restart(
        &log,
        monday(9, 0),
        2,
        Some(Misfire::RunOnce),
        Zone::Utc,
        vec![
            task("cron", CRON, None),
            task("own", CRON, Some(Misfire::RunIfOpen)),
        ],
    );
    assert_eq!(of(&runs, "cron"), ["Mon 09:00"]);
    assert!(of(&runs, "own").is_empty());
}

#[test]
fn skip_leaves_a_task_that_was_already_due_before_the_downtime() {
    // `due` started at 06:59 and the scheduler died while it ran: at 07:00 (alive) its
    // `daily` was already true, so it was due before the downtime and is not a misfire.
    let log = log_alive_at(monday(7, 0));
    let mut store = log.clone();
    redengine::LogStore::append(
        &mut store,
        &TaskRecord::run("due", monday(6, 59).fixed_offset()),
    )
    .unwrap();
    let (runs, _) = restart(
        &log,
        monday(9, 0),
        1,
        Some(Misfire::Skip),
        Zone::Utc,
        vec![task("due", "daily", None)],
    );
    assert_eq!(of(&runs, "due"), ["Mon 09:00"]);
}

#[test]
fn skip_holds_an_every_whose_interval_ran_out_while_down() {
    // `every 1 hour` last finished at 06:30; down from 07:00 to 09:00, it turned due at
    // 07:30. Skipped, it waits an hour as if it had run at start-up.
    for (policy, first) in [(None, "Mon 09:00"), (Some(Misfire::Skip), "Mon 10:00")] {
        let log = log_alive_at(monday(7, 0));
        let mut store = log.clone();
        let ran = monday(6, 30).fixed_offset();
        redengine::LogStore::append(&mut store, &TaskRecord::run("job", ran)).unwrap();
        redengine::LogStore::append(
            &mut store,
            &TaskRecord::finish("job", Action::Success, ran, ran, ""),
        )
        .unwrap();
        let (runs, _) = restart(
            &log,
            monday(9, 0),
            2,
            None,
            Zone::Utc,
            vec![task("job", "every 1 hour", policy)],
        );
        assert_eq!(
            of(&runs, "job").first().map(String::as_str),
            Some(first),
            "{policy:?}"
        );
    }
}

#[test]
fn a_fresh_log_has_no_downtime() {
    let (runs, lines) = restart(
        &MemoryLog::new(),
        monday(9, 0),
        1,
        Some(Misfire::Skip),
        Zone::Utc,
        vec![task("window", WINDOW, None)],
    );
    assert_eq!(of(&runs, "window"), ["Mon 09:00"]);
    assert!(mentioning(&lines, "window").is_empty(), "{lines:#?}");
}

#[test]
fn cron_moved_out_of_the_spring_forward_gap_follows_the_same_rule() {
    // New York, 2024-03-10: `cron 30 2 * * *` fires at 03:30 EDT (07:30 UTC), moved out
    // of the gap. Down from 07:00 to 08:00 UTC: that moved minute was missed.
    let ny = Zone::from_name("America/New_York").unwrap();
    let sunday = |h, m| Utc.with_ymd_and_hms(2024, 3, 10, h, m, 0).single().unwrap();
    for (policy, expected) in [
        (None, vec!["Mon 06:30"]),
        (Some(Misfire::Skip), vec!["Mon 06:30"]),
        (Some(Misfire::RunOnce), vec!["Sun 08:00", "Mon 06:30"]),
    ] {
        let log = log_alive_at(sunday(7, 0));
        let (runs, lines) = restart(
            &log,
            sunday(8, 0),
            24,
            None,
            Zone::Utc,
            vec![Task::builder("ny")
                .start_cond("cron 30 2 * * *")
                .zone(ny)
                .misfire(policy.unwrap_or_default())
                .run(|_| ())],
        );
        assert_eq!(of(&runs, "ny"), expected, "{policy:?}");
        let said = mentioning(&lines, "ny");
        assert_eq!(said.len(), 1, "{policy:?}: {lines:#?}");
        // Told in the task's zone, with the offset of that side of the clock change.
        assert!(
            said[0].contains("2024-03-10 03:30:00 America/New_York (UTC-04:00)"),
            "{}",
            said[0]
        );
    }
}

#[test]
fn misfire_is_a_config_key_with_did_you_mean() {
    let err = Session::builder()
        .config("misfire", "run-once")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`run_if_open` (default), `skip`, `run_once`"),
        "{err}"
    );
    assert!(err.contains("did you mean `run_once`?"), "{err}");
    assert!(Session::builder().config("misfire", "skip").build().is_ok());
}

#[test]
fn what_was_missed_is_told_in_the_tasks_own_zone() {
    // 10:30 in Helsinki is 08:30 UTC in January: inside the downtime (07:00 to 09:00 UTC).
    let helsinki = Task::builder("helsinki")
        .start_cond("cron 30 10 * * *")
        .zone_name("Europe/Helsinki")
        .run(|_| ());
    let log = log_alive_at(monday(7, 0));
    let (runs, lines) = restart(&log, monday(9, 0), 2, None, Zone::Utc, vec![helsinki]);
    assert!(of(&runs, "helsinki").is_empty(), "{runs:?}");
    let said = mentioning(&lines, "helsinki");
    assert_eq!(said.len(), 1, "{lines:#?}");
    for wall in [
        "was true at 2024-01-01 10:30:00 Europe/Helsinki (UTC+02:00)",
        "(2024-01-01 09:00:00 Europe/Helsinki (UTC+02:00) to 2024-01-01 11:00:00 \
         Europe/Helsinki (UTC+02:00))",
    ] {
        assert!(said[0].contains(wall), "{wall}: {}", said[0]);
    }
}
