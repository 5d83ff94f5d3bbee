//! The advanced example's binary, for real (a few seconds of wall time): cargo builds it in
//! this package as `advanced_example`, from `examples/advanced/main.rs`.
//!
//! The README promises that `cargo run --example advanced` shows tasks running within
//! seconds, writes `log/tasks.csv`, and stops cleanly on Ctrl-C; these tests hold it to
//! that, in a temporary working directory.
//!
//! The example schedules by the local wall clock (`check_mail` is terminated by its
//! `end_cond` between 16:00 and 20:00), so every run of the binary gets a `TZ` that puts
//! the local time near noon, whatever the machine's clock says: see [`noon_zone`].

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};

/// The CSV log's header (docs/log.md): the columns, in order.
const CSV_HEADER: &str = "task_name,created,action,start,end,runtime,message,exc_text";

/// The example binary.
const EXE: &str = env!("CARGO_BIN_EXE_advanced_example");

/// A fresh, empty directory under the system temp dir, unique to this process and `name`.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-smoke-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// A POSIX `TZ` value whose local time is now between 12:00 and 13:00: a whole number of
/// hours east of UTC, from −9 to +14, so the zone is valid on every system (no tzdata
/// needed). POSIX counts the offset west of UTC, hence the sign flip: `RED-5` is UTC+5.
///
/// Noon keeps the runs of the binary (a minute or two) far from the example's
/// `time of day between 16:00 and 20:00` and from midnight, when the date or the week
/// would turn between the two runs of the restart check.
fn noon_zone() -> String {
    let hours = offset_to_noon(Utc::now().hour());
    format!("RED{}", -hours)
}

/// The whole hours to add to a UTC hour to reach 12, in −9..=14 (the span `RED…` allows).
fn offset_to_noon(utc_hour: u32) -> i32 {
    let east = (12 - utc_hour as i32).rem_euclid(24);
    if east > 14 {
        east - 24
    } else {
        east
    }
}

#[test]
fn the_noon_zone_is_noon_at_every_utc_hour() {
    for utc_hour in 0..24 {
        let east = offset_to_noon(utc_hour);
        assert!((-9..=14).contains(&east), "{utc_hour}: {east}");
        assert_eq!((utc_hour as i32 + east).rem_euclid(24), 12, "{utc_hour}");
    }
}

/// One row of the CSV log: task, created, action.
#[derive(Debug, Clone)]
struct Row {
    task: String,
    created: String,
    action: String,
}

/// The data rows of a CSV log. Good enough for these rows: the first three fields never
/// contain a comma or a quote (task names, timestamps, actions); continuation lines of a
/// multi-line quoted `exc_text` are skipped because their third field is no action.
fn rows(csv: &str) -> Vec<Row> {
    const ACTIONS: &[&str] = &["run", "success", "fail", "inaction", "terminate", "crash"];
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.splitn(4, ',');
            let row = Row {
                task: fields.next()?.to_string(),
                created: fields.next()?.to_string(),
                action: fields.next()?.to_string(),
            };
            ACTIONS.contains(&row.action.as_str()).then_some(row)
        })
        .collect()
}

fn has(rows: &[Row], task: &str, action: &str) -> bool {
    rows.iter().any(|r| r.task == task && r.action == action)
}

fn count(rows: &[Row], task: &str, action: &str) -> usize {
    rows.iter()
        .filter(|r| r.task == task && r.action == action)
        .count()
}

/// How a run of the binary ended.
struct Ended {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Starts the example in `dir` with the local zone `tz`, waits (polling the CSV log,
/// bounded by a generous deadline for a machine busy with builds) until `ready` holds for
/// its rows, sends SIGINT (what Ctrl-C sends) and waits for the exit.
fn run_until(dir: &Path, tz: &str, ready: impl Fn(&[Row]) -> bool) -> Ended {
    let out = |name: &str| {
        std::fs::File::create(dir.join(name)).unwrap_or_else(|e| panic!("create {name}: {e}"))
    };
    let mut child = Command::new(EXE)
        .current_dir(dir)
        .env("TZ", tz)
        .stdin(Stdio::null())
        .stdout(out("stdout.txt"))
        .stderr(out("stderr.txt"))
        .spawn()
        .unwrap_or_else(|e| panic!("start the advanced example ({EXE}): {e}"));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();

    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready(&rows(&read("log/tasks.csv"))) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the example exited early with {status}; stderr:\n{}",
                read("stderr.txt")
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "the expected runs are not in log/tasks.csv after 60 s:\n{}",
                read("log/tasks.csv")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("run `kill -INT`: {e}"));
    assert!(sent.success(), "kill -INT failed: {sent}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                panic!("the example did not stop within 30 s of SIGINT");
            }
            Err(e) => panic!("wait for the example: {e}"),
        }
    };
    Ended {
        status,
        stdout: read("stdout.txt"),
        stderr: read("stderr.txt"),
    }
}

/// The ISO week (year, week) of a CSV timestamp in the zone it was written in: the
/// example's local zone, whose offset every timestamp carries.
fn local_week(created: &str) -> Option<(i32, u32)> {
    week_of(DateTime::parse_from_rfc3339(created).ok()?)
}

fn week_of(at: DateTime<FixedOffset>) -> Option<(i32, u32)> {
    Some((at.iso_week().year(), at.iso_week().week()))
}

#[test]
fn shows_tasks_within_seconds_and_stops_cleanly_on_sigint() {
    let dir = temp_dir("sigint");
    let tz = noon_zone();
    // The heartbeat and a whole pipeline round start at once and take well under a second.
    let first = run_until(&dir, &tz, |rows| {
        has(rows, "heartbeat", "success")
            && has(rows, "store_data", "success")
            && has(rows, "check_pulse", "success")
            && has(rows, "write_report", "run")
            && has(rows, "disk_usage", "run")
    });
    assert_eq!(
        first.status.code(),
        Some(0),
        "exit status after SIGINT; stderr:\n{}",
        first.stderr
    );

    // The CSV log: the header once, then rows of the Advanced Guide's tasks and the
    // demo additions.
    let csv = std::fs::read_to_string(dir.join("log/tasks.csv")).unwrap_or_default();
    assert_eq!(csv.lines().next(), Some(CSV_HEADER));
    assert_eq!(csv.matches(CSV_HEADER).count(), 1, "header written once");
    let logged = rows(&csv);
    for task in [
        "heartbeat",
        "get_data",
        "transform_data",
        "store_data",
        "process_data",
        "report_news",
        "check_pulse",
        "check_emails",
        "write_report",
        "disk_usage",
    ] {
        assert!(has(&logged, task, "run"), "{task} run row missing:\n{csv}");
        assert!(
            has(&logged, task, "success"),
            "{task} success row missing:\n{csv}"
        );
    }
    // check_mail (weekly, execution = "process") ran in a child process at start-up; a run
    // still going at SIGINT is waited for by the graceful shutdown. Its end_cond window
    // (16:00 to 20:00 local) is closed at noon, so nothing terminates it.
    assert!(
        has(&logged, "check_mail", "success"),
        "check_mail (process) must succeed:\n{csv}\nstderr:\n{}",
        first.stderr
    );
    // A graceful shutdown leaves no run open: one finish row per run row, per task.
    let mut open = std::collections::HashMap::<&str, i32>::new();
    for row in &logged {
        *open.entry(row.task.as_str()).or_default() += if row.action == "run" { 1 } else { -1 };
    }
    assert!(
        open.values().all(|n| *n == 0),
        "unfinished runs: {open:?}\n{csv}"
    );

    // The console: the guide's format (asctime, level padded to 8, task name, message).
    assert!(
        first
            .stdout
            .contains(" INFO     heartbeat Task 'heartbeat' status: 'success'"),
        "console lines in the guide's format expected on stdout:\n{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("shutting down"),
        "shutdown not logged:\n{}",
        first.stdout
    );
    // The tasks' output files live under the log directory; nothing else is written.
    for file in ["store.txt", "report.txt", "disk_usage.txt"] {
        let path = dir.join("log/data").join(file);
        assert!(path.exists(), "log/data/{file} missing");
    }
    // The working directory holds `log/` and the two files this test made, nothing else
    // (the README says everything the example writes goes under `log/`).
    let mut entries: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    assert_eq!(
        entries,
        ["log", "stderr.txt", "stdout.txt"],
        "the example wrote outside log/"
    );

    // Started again on the same log, the scheduler continues where it stopped: check_mail
    // ran this week, so it does not run again (unless the week turned in between).
    let heartbeats = count(&logged, "heartbeat", "run");
    let second = run_until(&dir, &tz, |rows| {
        count(rows, "heartbeat", "success") > heartbeats
    });
    assert_eq!(
        second.status.code(),
        Some(0),
        "second run; stderr:\n{}",
        second.stderr
    );
    let csv = std::fs::read_to_string(dir.join("log/tasks.csv")).unwrap_or_default();
    let logged = rows(&csv);
    let mail: Vec<&Row> = logged
        .iter()
        .filter(|r| r.task == "check_mail" && r.action == "run")
        .collect();
    let first_mail = mail
        .first()
        .and_then(|r| DateTime::parse_from_rfc3339(&r.created).ok());
    let now_there = first_mail.map(|at| Utc::now().with_timezone(at.offset()));
    let week_turned =
        mail.first().and_then(|r| local_week(&r.created)) != now_there.and_then(week_of);
    if !week_turned {
        assert_eq!(mail.len(), 1, "check_mail is weekly:\n{csv}");
    }
    assert_eq!(
        csv.matches(CSV_HEADER).count(),
        1,
        "header still written once"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `exe args…` in `dir` to completion: (exit code, stdout, stderr).
fn command(exe: &str, dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {exe} {args:?}: {e}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The README's `check` and `list` examples, as written there.
#[test]
fn the_readme_cli_examples_answer_as_documented() {
    let dir = temp_dir("cli");
    let (code, out, err) = command(
        EXE,
        &dir,
        &["check", "go_to_work", "--at", "2024-01-01T09:30"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("go_to_work: would start"), "{out}");
    let (code, out, err) = command(
        EXE,
        &dir,
        &["check", "go_to_work", "--at", "2024-01-06T09:30"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("go_to_work: would not start"), "{out}");
    assert!(
        out.contains("time of week between Monday and Friday = false"),
        "{out}"
    );
    let (code, out, err) = command(EXE, &dir, &["list"]);
    assert_eq!(code, Some(0), "{err}");
    for task in [
        "wake_up",
        "wash_teeth",
        "go_to_work",
        "get_data",
        "transform_data",
        "store_data",
        "report_errors",
        "check_pulse",
        "check_emails",
        "check_mail",
        "report_news",
        "announce",
        "process_data",
        "heartbeat",
        "write_report",
        "disk_usage",
    ] {
        assert!(
            out.contains(&format!("\n{task} ")),
            "{task} not listed:\n{out}"
        );
    }
    let readme = include_str!("../README.md");
    for example in [
        "-- check go_to_work --at 2024-01-01T09:30",
        "-- check go_to_work --at 2024-01-06T09:30",
        "-- list",
    ] {
        assert!(
            readme.contains(example),
            "README.md should show `{example}`"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every example's session builds and passes the start-up checks (`check` runs ignite,
/// then explains each task without running anything).
#[test]
fn every_example_session_passes_its_start_up_checks() {
    let dir = temp_dir("check");
    for exe in [
        EXE,
        env!("CARGO_BIN_EXE_example_hello"),
        env!("CARGO_BIN_EXE_example_pipeline"),
        env!("CARGO_BIN_EXE_example_parallel"),
    ] {
        let (code, out, err) = command(exe, &dir, &["check"]);
        assert_eq!(code, Some(0), "{exe} check:\n{out}\n{err}");
        assert!(
            out.contains("start_cond:"),
            "{exe} check explains its tasks:\n{out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
