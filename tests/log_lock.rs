//! One scheduler per CSV log: the instance lock, between two stores of one process and
//! between two real processes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::DateTime;
use redengine::log::{Action, CsvLog, LogErrorKind, LogStore, TaskRecord};

fn temp_log(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-lock-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("tasks.csv")
}

fn record() -> TaskRecord {
    let at = DateTime::parse_from_rfc3339("2024-01-03T08:00:00+01:00").unwrap();
    TaskRecord::finish("a", Action::Success, at, at, "")
}

fn program(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_log_startup"));
    command.args(args);
    command
}

#[test]
fn a_second_store_on_a_log_in_use_is_refused_and_readers_still_read() {
    let path = temp_log("in-process");
    let mut first = CsvLog::new(&path);
    first.load().unwrap();
    first.append(&record()).unwrap();

    let mut second = CsvLog::new(&path);
    let err = second.load().unwrap_err();
    let pid = Some(std::process::id()).filter(|_| cfg!(target_os = "linux"));
    assert_eq!(err.kind(), &LogErrorKind::Locked { pid });
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("in use by another scheduler"), "{text}");
    if let Some(pid) = pid {
        assert!(text.contains(&format!("process {pid}")), "{text}");
    }
    assert!(
        second.append(&record()).is_err(),
        "appending is refused too"
    );

    // Readers take no lock.
    assert_eq!(CsvLog::new(&path).peek().unwrap(), [record()]);
    let mut heads = 0;
    CsvLog::new(&path).peek_heads(&mut |_| heads += 1).unwrap();
    assert_eq!(heads, 1);

    drop(first);
    assert_eq!(
        second.load().unwrap(),
        [record()],
        "the lock goes with its store"
    );
}

/// Starts `log_startup hold PATH` and waits until it holds the lock.
fn holder(path: &str) -> Child {
    let mut child = program(&["hold", path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n", "the holder did not start");
    child
}

#[test]
fn a_second_scheduler_process_refuses_to_start_until_the_first_dies() {
    let path = temp_log("two-processes");
    let text = path.to_str().unwrap();
    let mut first = holder(text);

    let second = program(&["start", text]).output().unwrap();
    assert!(!second.status.success(), "the second scheduler started");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains(text), "{stderr}");
    assert!(stderr.contains("in use by another scheduler"), "{stderr}");
    if cfg!(target_os = "linux") {
        assert!(
            stderr.contains(&format!("process {}", first.id())),
            "{stderr}"
        );
    }

    // `list`/`check` read through `peek`, which a lock does not stop.
    assert!(CsvLog::new(&path).peek().unwrap().is_empty());

    // The kernel releases the lock of a killed process: no stale lock.
    first.kill().unwrap();
    first.wait().unwrap();
    let third = program(&["start", text]).output().unwrap();
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
}
