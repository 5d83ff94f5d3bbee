//! Scheduler defects found by fault injection, with real child processes: fair process
//! slots, a builder `Return` value crossing to a process child, and a value that cannot
//! cross refused at start-up instead of failing at the first launch.

#![cfg(unix)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use redengine::{Action, CsvLog, LogStore, TaskRecord};

/// The most a scenario may take before the test gives up (a safety net, not a timing
/// assertion: each ends on its own within a second or two).
const LIMIT: Duration = Duration::from_secs(60);

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-checks-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("out")).unwrap();
    dir
}

/// Runs `exe` with `args` in a scenario directory to its end (killed past [`LIMIT`]).
fn run(exe: &str, dir: &Path, scenario: &str, args: &[&str]) -> (Output, Vec<TaskRecord>) {
    let log = dir.join("log/tasks.csv");
    let child = Command::new(exe)
        .args(args)
        .env("RE_SCENARIO", scenario)
        .env("RE_LOG", &log)
        .env("RE_OUT", dir.join("out"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(LIMIT) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("`{exe} {scenario}` did not finish within {LIMIT:?}");
        }
    };
    let records = CsvLog::new(&log).peek().unwrap_or_default();
    (output, records)
}

/// Twelve always-due process tasks and two slots: before the fix a freed slot always went
/// to the first task in check order, so t02…t11 never ran and the scenario never ended.
/// Now every task runs, and none runs more than a bounded number of times first.
#[test]
fn a_freed_process_slot_goes_to_the_longest_waiting_task() {
    let d = dir("fair");
    let (output, records) = run(env!("CARGO_BIN_EXE_slot_tasks"), &d, "fair", &[]);
    assert!(output.status.success(), "{output:?}");
    let mut runs: HashMap<&str, usize> = HashMap::new();
    let mut first_runs = 0;
    for r in records.iter().filter(|r| r.action == Action::Run) {
        let n = runs.entry(r.task_name.as_str()).or_default();
        *n += 1;
        if *n == 1 {
            first_runs += 1;
            if first_runs == 12 {
                break;
            }
        }
    }
    assert_eq!(first_runs, 12, "not every task ran: {runs:?}");
    let most = runs.values().max().copied().unwrap_or(0);
    assert!(
        most <= 2,
        "a task ran {most} times before every task had run once: {runs:?}"
    );
}

/// A builder `returned_from::<String>` binding on a process task: the value is sent with
/// the upstream's codec (it was built with `run_serde`). Before the fix the dispatch
/// failed ("derive `serde::Serialize` … for `alloc::string::String`").
#[test]
fn a_builder_return_value_reaches_a_process_task() {
    let d = dir("returned");
    let (output, records) = run(env!("CARGO_BIN_EXE_slot_tasks"), &d, "returned", &[]);
    assert!(output.status.success(), "{output:?}");
    let take: Vec<_> = records.iter().filter(|r| r.task_name == "take").collect();
    assert_eq!(
        take.last().map(|r| r.action),
        Some(Action::Success),
        "{take:#?}"
    );
    let evidence = std::fs::read_to_string(d.join("out/take")).unwrap_or_default();
    assert_eq!(evidence, "Some(\"made in a child\")");
}

/// A `#[task]` with the default execution taking an `Arc<Mutex<Vec<u8>>>`: refused at
/// start-up (and by `check`) with the task, the value, its type and both fixes, before
/// any launch. Before the fix it logged `fail` at its first launch.
#[test]
fn a_value_that_cannot_cross_to_a_child_is_refused_at_start_up() {
    let d = dir("opaque");
    let exe = env!("CARGO_BIN_EXE_default_process");
    let (output, records) = run(exe, &d, "", &[]);
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "task 'record' runs as a process",
        "`buffer`",
        "`Arc<Mutex<Vec<u8>>>`",
        "derive `Serialize` and `Deserialize`",
        "execution = \"thread\"",
    ] {
        assert!(stderr.contains(needle), "missing `{needle}` in:\n{stderr}");
    }
    assert!(records.is_empty(), "nothing may be launched: {records:#?}");
    let (check, _) = run(exe, &d, "", &["check"]);
    assert!(!check.status.success(), "{check:?}");
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("task 'record' runs as a process"),
        "{stderr}"
    );
}
