//! The generated main's command line, run as a built binary (`bin/cli_demo.rs`): `--help`,
//! `list`, `check` (with `--at`), `run-task` (then `list` shows the outcome from the
//! log), and the usage errors with "did you mean" and exit code 2.
//!
//! Time-dependent answers are pinned with `--at` and a log written by the test, so no
//! assertion depends on the wall clock.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_code, stderr, stdout};

use chrono::{DateTime, FixedOffset};
use redengine::{Action, CsvLog, LogStore, TaskRecord};

/// Runs the demo binary with `args`.
fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cli_demo"))
        .args(args)
        .env_remove("REDENGINE_TASK")
        .env_remove("REDENGINE_LOG")
        .output()
        .expect("the cli_demo binary runs")
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    common::scratch_dir("cli", name)
}

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("valid test instant")
}

/// A CSV log in which `wake_up` succeeded at 07:00:05 and `process_data` failed at
/// 07:30 on Wednesday 2024-01-03 (UTC).
fn morning_log(dir: &Path) -> PathBuf {
    let path = dir.join("tasks.csv");
    let mut log = CsvLog::new(&path);
    let records = [
        TaskRecord::run("wake_up", at("2024-01-03T07:00:00Z")),
        TaskRecord::finish(
            "wake_up",
            Action::Success,
            at("2024-01-03T07:00:00Z"),
            at("2024-01-03T07:00:05Z"),
            "",
        ),
        TaskRecord::run("process_data", at("2024-01-03T07:30:00Z")),
        TaskRecord::finish(
            "process_data",
            Action::Fail,
            at("2024-01-03T07:30:00Z"),
            at("2024-01-03T07:30:01Z"),
            "no data",
        ),
    ];
    for record in &records {
        log.append(record).expect("write the test log");
    }
    log.sync().expect("sync the test log");
    path
}

/// The `list` row of `task` (the line starting with its name and a space).
fn row<'a>(list: &'a str, task: &str) -> &'a str {
    list.lines()
        .find(|line| line.starts_with(&format!("{task} ")))
        .unwrap_or_else(|| panic!("no row for {task} in:\n{list}"))
}

#[test]
fn help_lists_the_commands_and_options() {
    for flag in ["--help", "-h", "help"] {
        let out = demo(&[flag]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert!(
            text.contains("Usage: cli_demo [--log PATH] [COMMAND]"),
            "{text}"
        );
        for item in [
            "run ",
            "list ",
            "check [TASK...] [--at TIME]",
            "run-task NAME...",
            "--log PATH",
            "--at TIME",
        ] {
            assert!(text.contains(item), "`{item}` missing from:\n{text}");
        }
    }
}

#[test]
fn run_starts_and_stops_on_shut_cond() {
    let dir = scratch("run");
    let log = dir.join("tasks.csv");
    let out = demo(&["run", "--log", log.to_str().expect("utf-8 path")]);
    assert_code(&out, 0);
    assert!(log.exists(), "`run` writes the CSV log named by --log");
}

#[test]
fn list_shows_every_task_in_check_order() {
    let dir = scratch("list");
    let log = morning_log(&dir);
    let out = demo(&[
        "list",
        "--at",
        "2024-01-03T08:05",
        "--log",
        log.to_str().expect("utf-8"),
    ]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("as of 2024-01-03 08:05:00 UTC, 4 records from the CSV log at "),
        "{text}"
    );
    let header = row(&text, "TASK");
    for column in ["EXECUTION", "PRIORITY", "LAST OUTCOME", "NEXT START"] {
        assert!(header.contains(column), "{header}");
    }
    // Check order: priority first (get_data has 1), then definition order. The detail
    // lines (conditions, flags) are indented under their task.
    let names: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("TASK"))
        .skip(1)
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        [
            "get_data",
            "wake_up",
            "wash_teeth",
            "process_data",
            "report_errors",
            "broken",
            "report_news",
            "announce",
            "sleeping",
            "weekly_review",
            "stuck"
        ]
    );
    let wake = row(&text, "wake_up");
    assert!(wake.contains("success at 2024-01-03 07:00:05"), "{wake}");
    assert!(
        wake.contains("2024-01-04 07:00:00"),
        "next start is tomorrow: {wake}"
    );
    assert!(wake.contains("main"), "{wake}");
    let teeth = row(&text, "wash_teeth");
    assert!(
        teeth.contains("thread") && teeth.contains("never run"),
        "{teeth}"
    );
    assert!(teeth.ends_with("  now"), "{teeth}");
    assert!(
        text.contains("\nwash_teeth  ")
            && text.contains(
                "\n    start_cond: daily between 08:00 and 08:15 & after task 'wake_up'\n"
            ),
        "{text}"
    );
    let data = row(&text, "get_data");
    assert!(
        data.contains("2024-01-03 09:00:00") && data.contains(" 1 "),
        "{data}"
    );
    assert!(row(&text, "process_data").contains("fail at 2024-01-03 07:30:01"));
    assert!(row(&text, "process_data").contains("on an event"));
    assert!(
        row(&text, "report_errors").ends_with("  now"),
        "process_data failed"
    );
    assert!(row(&text, "broken").contains("never (start_cond is false)"));
    assert!(
        row(&text, "report_news").contains("2024-01-08 00:00:00"),
        "next Monday"
    );
    assert!(
        row(&text, "announce").contains("checked every cycle"),
        "custom condition"
    );
    let sleeping = row(&text, "sleeping");
    assert!(sleeping.contains("never (disabled)"), "{sleeping}");
    assert!(
        text.contains("\n    start_cond: hourly\n    flags: disabled\n"),
        "{text}"
    );
    assert!(
        text.contains("\n    start_cond: false\n    end_cond: true\n"),
        "stuck's end_cond: {text}"
    );
}

#[test]
fn list_with_a_missing_log_creates_nothing() {
    let dir = scratch("missing");
    let log = dir.join("sub").join("tasks.csv");
    let out = demo(&["--log", log.to_str().expect("utf-8"), "list"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("0 records"));
    assert!(row(&stdout(&out), "wake_up").contains("never run"));
    assert!(!log.exists() && !dir.join("sub").exists());
}

#[test]
fn check_explains_why_a_task_would_start() {
    let dir = scratch("check");
    let log = morning_log(&dir);
    let log = log.to_str().expect("utf-8");
    let out = demo(&[
        "check",
        "wash_teeth",
        "--at",
        "2024-01-03T08:05",
        "--log",
        log,
    ]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("wash_teeth: would start: its start_cond is true"),
        "{text}"
    );
    assert!(text.contains("  last: never run"), "{text}");
    assert!(
        text.contains("  start_cond: daily between 08:00 and 08:15 & after task 'wake_up'"),
        "{text}"
    );
    assert!(
        text.contains("    daily between 08:00 and 08:15 & after task 'wake_up' = true"),
        "{text}"
    );
    assert!(text.contains("      after task 'wake_up' = true"), "{text}");
    assert!(!text.contains("\nwake_up:"), "only the named task: {text}");

    // Before 08:00 the window is closed: the tree says which operand decided.
    let out = demo(&[
        "check",
        "wash_teeth",
        "--at",
        "2024-01-03T07:59",
        "--log",
        log,
    ]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("wash_teeth: would not start: its start_cond is false"),
        "{text}"
    );
    assert!(
        text.contains("      daily between 08:00 and 08:15 = false"),
        "{text}"
    );

    // The log is read up to the instant: at 06:00 wake_up had not run yet.
    let out = demo(&["check", "--at", "2024-01-03T06:00", "--log", log]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("as of 2024-01-03 06:00:00 UTC, 0 records"),
        "{text}"
    );
    for task in ["get_data", "wake_up", "wash_teeth", "broken", "sleeping"] {
        assert!(
            text.contains(&format!("\n{task}: ")),
            "{task} missing from:\n{text}"
        );
    }
    assert!(
        text.contains("sleeping: would not start: the task is disabled"),
        "{text}"
    );
    assert!(
        text.contains("wake_up: would not start: its start_cond is false"),
        "{text}"
    );
}

#[test]
fn run_task_runs_logs_and_list_shows_the_outcome() {
    let dir = scratch("run-task");
    let log = dir.join("tasks.csv");
    let log = log.to_str().expect("utf-8");
    let out = demo(&[
        "--log",
        log,
        "run-task",
        "get_data",
        "process_data",
        "report_news",
        "announce",
    ]);
    assert_code(&out, 0);
    let text = stdout(&out);
    for task in ["get_data", "process_data", "report_news", "announce"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(task))
            .unwrap_or_else(|| panic!("no line for {task}:\n{text}"));
        assert!(line.contains(" success at "), "{line}");
    }

    let out = demo(&["list", "--log", log]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(", 8 records from the CSV log at "), "{text}");
    for task in ["get_data", "process_data", "report_news", "announce"] {
        assert!(row(&text, task).contains("success at "), "{text}");
    }
    assert!(row(&text, "wake_up").contains("never run"), "{text}");
}

#[test]
fn run_task_failure_exits_with_1_and_says_why() {
    let dir = scratch("broken");
    let log = dir.join("tasks.csv");
    let out = demo(&["run-task", "broken", "--log", log.to_str().expect("utf-8")]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(text.starts_with("broken  fail at "), "{text}");
    assert!(
        text.trim_end().ends_with(": database unreachable"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_with_2_and_suggest() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["lsit"],
            "error: unknown command `lsit`\n  help: did you mean `list`?",
        ),
        (
            &["list", "--lgo", "x"],
            "error: unknown option `--lgo`\n  help: did you mean `--log`?",
        ),
        (
            &["check", "wash_teth"],
            "error: `check`: unknown task 'wash_teth'\n  help: did you mean `wash_teeth`?",
        ),
        (
            &["run-task", "wakeup"],
            "error: `run-task`: unknown task 'wakeup'\n  help: did you mean `wake_up`?",
        ),
        (
            &["run-task"],
            "error: `run-task` needs the name of the task to run",
        ),
        (
            &["check", "--at", "tomorrow"],
            "error: `--at tomorrow` is not a date or time",
        ),
        (
            &["run", "--at", "08:00"],
            "error: `--at` applies only to `check` and `list`",
        ),
        (
            &["--log"],
            "error: `--log` needs a value\n  help: write `--log PATH`",
        ),
    ];
    for (args, expected) in cases {
        let out = demo(args);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(err.starts_with(expected), "{args:?}: {err}");
        assert!(err.contains("Run `cli_demo --help`"), "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn list_fits_a_100_column_terminal_and_wide_shows_every_column() {
    let dir = scratch("width");
    let log = morning_log(&dir);
    let log = log.to_str().expect("utf-8");
    let list = |extra: &[&str]| {
        let mut args = vec!["list", "--at", "2024-01-03T08:05", "--log", log];
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_cli_demo"))
            .args(&args)
            .env_remove("REDENGINE_TASK")
            .env_remove("COLUMNS")
            .output()
            .expect("the cli_demo binary runs");
        assert_code(&out, 0);
        stdout(&out)
    };
    let text = list(&[]);
    let widest = text
        .lines()
        .skip(1) // the header names the log's path, which is as long as it is
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(widest <= 100, "{widest} columns:\n{text}");

    let wide = list(&["--wide"]);
    let header = row(&wide, "TASK");
    for column in [
        "EXECUTION",
        "KIND",
        "PRIORITY",
        "FLAGS",
        "LAST OUTCOME",
        "NEXT START",
        "START_COND",
        "END_COND",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let teeth = row(&wide, "wash_teeth");
    assert!(
        teeth.contains("  now  ")
            && teeth.contains("daily between 08:00 and 08:15 & after task 'wake_up'"),
        "{teeth}"
    );
    assert!(!wide.contains("\n    start_cond:"), "{wide}");
}

#[test]
fn list_json_has_stable_fields() {
    let dir = scratch("list-json");
    let log = morning_log(&dir);
    let out = demo(&[
        "list",
        "--json",
        "--at",
        "2024-01-03T08:05",
        "--log",
        log.to_str().expect("utf-8"),
    ]);
    assert_code(&out, 0);
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}:\n{}", stdout(&out)));
    assert_eq!(doc["as_of"], "2024-01-03T08:05:00Z");
    assert_eq!(doc["zone"], "UTC");
    assert_eq!(doc["records"], 4);
    assert_eq!(doc["problems"], serde_json::json!([]));
    assert!(doc["log"]
        .as_str()
        .is_some_and(|l| l.starts_with("CSV log at ")));
    let tasks = doc["tasks"].as_array().expect("a tasks array");
    let task = |name: &str| {
        tasks
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {doc}"))
    };
    assert_eq!(tasks[0]["name"], "get_data", "check order");
    let data = task("get_data");
    assert_eq!(data["execution"], "main");
    assert_eq!(data["kind"], "function");
    assert_eq!(data["describe"], "function returning `Vec<u32>`");
    assert_eq!(data["priority"], 1);
    assert_eq!(data["last"], serde_json::Value::Null);
    assert_eq!(data["next_start"]["when"], "at");
    assert_eq!(data["next_start"]["at"], "2024-01-03T09:00:00Z");
    assert_eq!(data["start_cond"], "daily after 09:00");
    assert_eq!(data["end_cond"], "false");
    let wake = task("wake_up");
    assert_eq!(wake["last"]["action"], "success");
    assert_eq!(wake["last"]["at"], "2024-01-03T07:00:05Z");
    assert_eq!(task("wash_teeth")["next_start"]["when"], "now");
    assert_eq!(task("process_data")["next_start"]["when"], "on_event");
    assert_eq!(task("announce")["next_start"]["when"], "every_cycle");
    let sleeping = task("sleeping");
    assert_eq!(sleeping["flags"], serde_json::json!(["disabled"]));
    assert_eq!(sleeping["next_start"]["when"], "never");
    assert_eq!(sleeping["next_start"]["at"], serde_json::Value::Null);
}

#[test]
fn check_json_has_stable_fields() {
    let dir = scratch("check-json");
    let log = morning_log(&dir);
    let out = demo(&[
        "check",
        "wash_teeth",
        "broken",
        "--json",
        "--at",
        "2024-01-03T08:05",
        "--log",
        log.to_str().expect("utf-8"),
    ]);
    assert_code(&out, 0);
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}:\n{}", stdout(&out)));
    assert_eq!(doc["as_of"], "2024-01-03T08:05:00Z");
    let tasks = doc["tasks"].as_array().expect("a tasks array");
    assert_eq!(tasks.len(), 2, "{doc}");
    let teeth = &tasks[0];
    assert_eq!(teeth["name"], "wash_teeth");
    assert_eq!(teeth["would_start"], true);
    assert_eq!(teeth["value"], true);
    assert_eq!(teeth["error"], serde_json::Value::Null);
    assert_eq!(teeth["verdict"], "would start: its start_cond is true");
    assert_eq!(teeth["kind"], "function");
    assert_eq!(teeth["last"], serde_json::Value::Null);
    assert_eq!(
        teeth["start_cond"],
        "daily between 08:00 and 08:15 & after task 'wake_up'"
    );
    let lines = teeth["explanation"].as_array().expect("explanation lines");
    assert!(
        lines.iter().any(|l| l
            .as_str()
            .is_some_and(|l| l.trim_start().starts_with("after task 'wake_up' = true"))),
        "{lines:?}"
    );
    assert_eq!(tasks[1]["name"], "broken");
    assert_eq!(tasks[1]["would_start"], false);
}

#[test]
fn type_names_print_as_written() {
    let out = demo(&["check", "get_data", "--at", "2024-01-03T08:05"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("  kind: function returning `Vec<u32>`\n"),
        "{text}"
    );
    assert!(!text.contains("alloc::"), "{text}");

    // In an error too.
    let out = Command::new(env!("CARGO_BIN_EXE_cli_demo"))
        .arg("check")
        .env_remove("REDENGINE_TASK")
        .env("CLI_DEMO_MISTYPED", "1")
        .output()
        .expect("the cli_demo binary runs");
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "parameter `friend_list` expects `Vec<String>`, but the task parameter has type `u32`"
        ),
        "{err}"
    );
    assert!(!err.contains("alloc::"), "{err}");
}

#[test]
fn a_window_over_several_days_shows_both_dates() {
    // Monday 2024-01-01: the `weekly` window runs Monday 00:00 to Sunday 23:59:59.999999.
    let out = demo(&["check", "weekly_review", "--at", "2024-01-01T08:00"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("inside the current window 2024-01-01 00:00–2024-01-07 23:59:59.999999"),
        "{text}"
    );
    // A window within the shown day keeps the short form.
    let out = demo(&["check", "wash_teeth", "--at", "2024-01-01T08:05"]);
    assert!(stdout(&out).contains("08:00–08:15"), "{}", stdout(&out));
}

#[test]
fn the_local_zone_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_cli_demo"))
        .args(["list", "--at", "2024-01-03T08:05"])
        .env_remove("REDENGINE_TASK")
        .env("CLI_DEMO_ZONE", "local")
        .env("TZ", "Europe/Helsinki")
        .output()
        .expect("the cli_demo binary runs");
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "as of 2024-01-03 08:05:00 local time (Europe/Helsinki, UTC+02:00), 0 records"
        ),
        "{text}"
    );
}

#[test]
fn counts_of_one_are_singular() {
    let dir = scratch("singular");
    let path = dir.join("tasks.csv");
    let mut log = CsvLog::new(&path);
    log.append(&TaskRecord::run("wake_up", at("2024-01-03T07:00:00Z")))
        .expect("write the test log");
    log.sync().expect("sync the test log");
    // The test's writer holds the log's lock: release it before the scheduler takes it.
    drop(log);
    let out = demo(&[
        "run-task",
        "wake_up",
        "--log",
        path.to_str().expect("utf-8"),
    ]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains(" shutting down after 1 cycle\n"), "{err}");
    assert!(
        err.contains(" starting: 11 tasks, 1 record read from "),
        "{err}"
    );
}
