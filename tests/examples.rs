//! End-to-end tests of `examples/advanced` (Red Engine 1.1.0's Advanced Guide).
//!
//! 1. `a_simulated_week`: the example's own task, parameter, condition and hook modules
//!    are compiled into this test binary (`#[path]` below), so `inventory` registers the
//!    very same tasks here; a session built from the registry runs them for a week of
//!    virtual time in milliseconds. Counts per task follow the guide's text.
//! 2. `the_readme_quick_start_is_examples_hello`: the README shows what really runs.
//!
//! The advanced example's binary itself runs for real in `tests/examples_smoke.rs`.

#[path = "../examples/advanced/models/mod.rs"]
mod models;
#[path = "../examples/advanced/parameters.rs"]
mod parameters;
#[path = "../examples/advanced/tasks/mod.rs"]
mod tasks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use redengine::loader::Loader;
use redengine::{
    Action, Execution, ManualClock, MemoryLog, Session, Task, TaskPreExist, TaskRecord, Zone,
};

/// Monday 2024-01-01 00:00 UTC: the simulated week is Monday 1st to Sunday 7th.
fn week_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A fresh, empty directory under the system temp dir, unique to this process and `name`.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("redengine-examples-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// The records of the simulated week (created before Monday the 8th), in log order.
fn week_records(log: &MemoryLog) -> Vec<TaskRecord> {
    let end = week_start() + chrono::Duration::days(7);
    log.records()
        .into_iter()
        .filter(|r| r.created.with_timezone(&Utc) < end)
        .collect()
}

fn runs<'a>(records: &'a [TaskRecord], task: &str) -> Vec<&'a TaskRecord> {
    records
        .iter()
        .filter(|r| r.task_name == task && r.action == Action::Run)
        .collect()
}

fn count(records: &[TaskRecord], task: &str, action: Action) -> usize {
    records
        .iter()
        .filter(|r| r.task_name == task && r.action == action)
        .count()
}

fn day(r: &TaskRecord) -> NaiveDate {
    r.created.with_timezone(&Utc).date_naive()
}

/// Index in `records` of the first record of `task` with `action` on `date`.
fn first(records: &[TaskRecord], task: &str, action: Action, date: NaiveDate) -> Option<usize> {
    records
        .iter()
        .position(|r| r.task_name == task && r.action == action && day(r) == date)
}

#[test]
fn a_simulated_week() {
    assert!(
        !Path::new(models::conditions::OFFLINE_MARKER).exists(),
        "remove the `offline` file from {}: it pauses get_data",
        std::env::current_dir().unwrap_or_default().display()
    );
    let out = temp_dir("week");
    let advanced = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/advanced");
    let clock = ManualClock::new(week_start()).with_grace(Duration::from_secs(10));
    let log = MemoryLog::new();
    let mut session = Session::from_registry()
        // What main.rs configures, minus the console logger, `env = demo` (the demo
        // additions stay off: the week follows the guide's schedule) and the CSV log.
        .config("silence_task_prerun", true)
        .config("silence_cond_check", true)
        .config("force_status_from_logs", false)
        .config("use_instance_naming", false)
        .config("cycle_sleep", "none")
        .task_execution(Execution::Thread)
        .param("output_dir", out.to_string_lossy().into_owned())
        .task(tasks::reports::write_report(&out))
        // The shell tasks of `tasks/**/tasks.toml`; the files are re-checked hourly here
        // (every 5 s by default, which would wake the virtual week 120,960 times).
        .loader(
            Loader::new(advanced.join("tasks"), "**/tasks.toml")
                .unwrap_or_else(|e| panic!("loader: {e}"))
                .poll_every(Duration::from_secs(3600)),
        )
        .on_task_execute(models::hooks::time_runs)
        .on_shutdown(models::hooks::summary)
        // Virtual time, UTC, in memory.
        .clock(clock)
        .zone(Zone::Utc)
        .log_store(models::hooks::Counted::new(log.clone()))
        // get_data uses a custom condition, which the scheduler re-checks every
        // `custom_poll`; once a minute is enough here (check_pulse wakes it every minute
        // anyway) and keeps the week at ~10k cycles.
        .custom_poll(Duration::from_secs(60))
        // A test binary cannot be re-executed as a task's child process, so check_mail
        // (execution = "process") is replaced by the same schedule on a thread.
        .task_pre_exist(TaskPreExist::Replace)
        .task(
            Task::builder("check_mail")
                .start_cond("weekly")
                .end_cond("time of day between 16:00 and 20:00")
                .timeout("2 hours")
                .execution(Execution::Thread)
                .run(|_| ()),
        )
        .shut_cond("scheduler has run over 7 days")
        .build()
        .unwrap_or_else(|e| panic!("build: {e}"));
    session.run().unwrap_or_else(|e| panic!("run: {e}"));

    let records = week_records(&log);
    let every_day = |task: &str, per_day: usize| {
        for offset in 0..7 {
            let date = (week_start() + chrono::Duration::days(offset)).date_naive();
            let n = runs(&records, task)
                .iter()
                .filter(|r| day(r) == date)
                .count();
            assert_eq!(n, per_day, "{task} on {date}");
        }
    };

    // scrapers: "wake_up: once a day", "wash_teeth: twice a day", "go_to_work: once a
    // day between 9 AM and 10 AM but only on week days".
    every_day("wake_up", 1);
    every_day("wash_teeth", 2);
    for r in runs(&records, "wake_up") {
        assert_eq!(r.created.hour(), 8, "wake_up runs after 08:00: {r:?}");
    }
    for r in runs(&records, "wash_teeth") {
        let t = r.created.with_timezone(&Utc).time();
        let (h, m) = (t.hour(), t.minute());
        assert!(
            (h == 8 || h == 22) && m <= 15,
            "wash_teeth at {t}, outside 08:00-08:15 and 22:00-22:15"
        );
    }
    let work = runs(&records, "go_to_work");
    assert_eq!(work.len(), 5, "go_to_work: Monday to Friday");
    for r in &work {
        let at = r.created.with_timezone(&Utc);
        assert!(
            at.weekday().number_from_monday() <= 5 && at.hour() == 9,
            "{r:?}"
        );
    }

    // checks: minutely, hourly, weekly.
    every_day("check_pulse", 24 * 60);
    every_day("check_emails", 24);
    assert_eq!(runs(&records, "check_mail").len(), 1, "check_mail: weekly");

    // The pipeline runs daily after 07:00; every third fetch fails (Wednesday, Saturday).
    assert_eq!(tasks::pipelines::FAIL_EVERY, 3);
    assert_eq!(count(&records, "get_data", Action::Run), 7);
    assert_eq!(count(&records, "get_data", Action::Fail), 2);
    assert_eq!(count(&records, "get_data", Action::Success), 5);
    for offset in 0..7 {
        let date = (week_start() + chrono::Duration::days(offset)).date_naive();
        let failed = matches!(date.weekday(), Weekday::Wed | Weekday::Sat);
        let at = |task: &str, action: Action| first(&records, task, action, date);
        if failed {
            let fail = at("get_data", Action::Fail).unwrap_or(usize::MAX);
            let report = at("report_errors", Action::Run);
            assert!(
                report.is_some_and(|i| i > fail),
                "report_errors after the failure on {date}"
            );
            for task in [
                "transform_data",
                "store_data",
                "process_data",
                "report_news",
            ] {
                assert_eq!(at(task, Action::Run), None, "{task} must not run on {date}");
            }
        } else {
            assert_eq!(
                at("report_errors", Action::Run),
                None,
                "report_errors on {date}"
            );
            // Each step starts after its upstream's success record, in log order.
            let chain = [
                at("get_data", Action::Success),
                at("transform_data", Action::Run),
                at("transform_data", Action::Success),
                at("store_data", Action::Run),
                at("store_data", Action::Success),
                at("report_news", Action::Run),
            ];
            assert!(
                chain.iter().all(Option::is_some),
                "pipeline on {date}: {chain:?}"
            );
            assert!(
                chain.windows(2).all(|w| w[0] < w[1]),
                "pipeline order on {date}: {chain:?}"
            );
            assert!(
                at("process_data", Action::Success) > chain[0],
                "process_data on {date}"
            );
        }
    }
    for task in [
        "transform_data",
        "store_data",
        "report_news",
        "process_data",
    ] {
        assert_eq!(count(&records, task, Action::Success), 5, "{task}");
        assert_eq!(count(&records, task, Action::Fail), 0, "{task}");
    }
    assert_eq!(count(&records, "report_errors", Action::Success), 2);
    let stored = std::fs::read_to_string(out.join("store.txt")).unwrap_or_default();
    assert_eq!(
        stored.lines().count(),
        5,
        "store_data appends one line per run"
    );

    // send: announce after each wake_up, with the friend_list parameter.
    every_day("announce", 1);
    assert_eq!(count(&records, "announce", Action::Success), 7);

    // The custom kind (models/tasks.rs): daily after 18:00, writing the report.
    every_day("write_report", 1);
    assert_eq!(count(&records, "write_report", Action::Success), 7);
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap_or_default();
    assert_eq!(report, "report from write_report for boss@example.com\n");

    // The file loader's shell task (tasks/shell/tasks.toml): hourly.
    every_day("disk_usage", 24);
    let failures: Vec<&str> = records
        .iter()
        .filter(|r| r.task_name == "disk_usage" && r.action == Action::Fail)
        .map(|r| r.exc_text.as_str())
        .collect();
    assert!(failures.is_empty(), "disk_usage failed: {failures:?}");
    assert!(out.join("disk_usage.txt").exists());

    // Demo additions stay off without `env = demo`.
    assert_eq!(runs(&records, "heartbeat").len(), 0);

    // The hook saw every finished run; the only failures are get_data's.
    let stats = models::hooks::stats();
    let finished = log
        .records()
        .iter()
        .filter(|r| r.action == Action::Success)
        .count();
    assert_eq!(stats.failed, 2);
    assert_eq!(stats.succeeded, finished as u64);
    let _ = std::fs::remove_dir_all(&out);
}

/// The README's quick start is `examples/hello.rs`, verbatim (the README's Rust blocks are
/// also compiled, as doctests of the `examples` crate).
#[test]
fn the_readme_quick_start_is_examples_hello() {
    let readme = include_str!("../README.md");
    let hello = include_str!("../examples/hello.rs");
    assert!(
        readme.contains(&format!("```rust,no_run\n{hello}```")),
        "README.md's quick start must be examples/hello.rs verbatim"
    );
    assert!(hello.lines().count() <= 13, "hello stays about ten lines");
    // The two commands the README promises, first thing, exactly.
    let commands = readme.lines().skip_while(|l| *l != "```sh").nth(1);
    assert!(commands.is_some_and(|l| l.starts_with("cargo run --example advanced ")));
    assert!(readme.contains("\ncargo test --workspace "));
}

/// The README's task file is accepted by the file loader as written.
#[test]
fn the_readme_task_file_loads() {
    let readme = include_str!("../README.md");
    // The TOML block that defines tasks (another one shows the dependency line).
    let toml = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("[[task]]"))
        .unwrap_or_default();
    assert!(toml.contains("[[task]]"), "README.md shows a task file");
    let dir = temp_dir("readme-toml");
    std::fs::write(dir.join("tasks.toml"), toml).unwrap_or_else(|e| panic!("write: {e}"));
    let session = Session::builder()
        .log_memory()
        .load_tasks(&dir, "**/tasks.toml")
        .build()
        .unwrap_or_else(|e| panic!("build: {e}"));
    if let Err(e) = session.ignite() {
        panic!("the README's task file does not load:\n{e}");
    }
    // ...and ignite does read the files: the same task with a typo is refused.
    let typo = toml.replace("daily after 02:00", "daily afer 02:00");
    std::fs::write(dir.join("tasks.toml"), typo).unwrap_or_else(|e| panic!("write: {e}"));
    let session = Session::builder()
        .log_memory()
        .load_tasks(&dir, "**/tasks.toml")
        .build()
        .unwrap_or_else(|e| panic!("build: {e}"));
    let refused = session
        .ignite()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("tasks.toml:"), "{refused}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every condition in the README's "at a glance" table parses.
#[test]
fn the_readme_conditions_parse() {
    let readme = include_str!("../README.md");
    let table = readme
        .split("| you write | it means |")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    let mut checked = 0;
    for row in table.lines().skip(2) {
        let first_cell = row.split(" | ").next().unwrap_or_default();
        // Code spans are the odd pieces between backticks.
        for span in first_cell.split('`').skip(1).step_by(2) {
            let cond = span.replace("\\|", "|");
            // Outcome words listed as alternatives, and the grouping placeholder.
            if ["failed", "finished", "( … )"].contains(&cond.as_str()) {
                continue;
            }
            if let Err(e) = redengine::conditions::parse(&cond) {
                panic!("README condition `{cond}` does not parse:\n{e}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} conditions found in the README table"
    );
}
