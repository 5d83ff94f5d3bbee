//! The scheduler inside a tokio program (`tests/bin/async_tokio.rs`), as real processes:
//! stopped by the program, signals left to the program, async tasks in process children.

#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use redengine::{Action, CsvLog, LogStore};

const EXE: &str = env!("CARGO_BIN_EXE_async_tokio");

/// SIGINT's and SIGTERM's bits in a `SigCgt` mask.
const SIGINT_BIT: u64 = 1 << (2 - 1);
const SIGTERM_BIT: u64 = 1 << (15 - 1);

/// Waits (bounded) for `child` to exit.
fn wait(child: &mut Child) -> ExitStatus {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the async_tokio program did not finish");
        }
        std::thread::park_timeout(Duration::from_millis(10));
    }
}

/// Runs the program in `mode` until `ready`, returns the signals it caught while the
/// scheduler ran, then sends SIGINT and returns its output after it exits.
fn embedded(mode: &str) -> (u64, ExitStatus, Vec<String>, String) {
    let dir = common::scratch_dir("async-embed", mode);
    let mut child = Command::new(EXE)
        .env("RE_MODE", mode)
        .env("RE_LOG", dir.join("tasks.csv"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let mut caught = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(hex) = line.strip_prefix("caught ") {
            caught = u64::from_str_radix(hex, 16).ok();
        }
        let ready = line == "ready";
        seen.push(line);
        if ready {
            break;
        }
    }
    assert!(seen.iter().any(|l| l == "ready"), "{seen:?}");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = wait(&mut child);
    seen.extend(lines.map(|l| l.unwrap()));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (
        caught.expect("the program printed its caught signals"),
        status,
        seen,
        stderr,
    )
}

#[test]
fn embedded_in_tokio_main_with_signals_off_the_program_owns_sigint() {
    let (caught, status, out, stderr) = embedded("embed");
    assert_eq!(
        caught & (SIGINT_BIT | SIGTERM_BIT),
        0,
        "caught {caught:x}: {stderr}"
    );
    assert!(status.success(), "{status}: {out:?} {stderr}");
    assert!(out.iter().any(|l| l == "the program got SIGINT"), "{out:?}");
    assert!(out.iter().any(|l| l == "the scheduler stopped"), "{out:?}");
    assert!(!stderr.contains("received signal"), "{stderr}");
}

#[test]
fn with_signals_on_the_scheduler_catches_sigint_too() {
    // The control for the test above: the same program with the default shows the bits.
    let (caught, _status, _out, _stderr) = embedded("embed-signals");
    assert_eq!(
        caught & (SIGINT_BIT | SIGTERM_BIT),
        SIGINT_BIT | SIGTERM_BIT,
        "{caught:x}"
    );
}

#[test]
fn an_async_fn_task_with_execution_process_runs_in_a_child() {
    let dir = common::scratch_dir("async-embed", "process");
    let (log, out) = (dir.join("tasks.csv"), dir.join("stamp.txt"));
    let mut child = Command::new(EXE)
        .env("RE_MODE", "process")
        .env("RE_LOG", &log)
        .env("RE_OUT", &out)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let scheduler = child.id();
    let status = wait(&mut child);
    assert!(status.success(), "{status}");
    let records = CsvLog::new(&log).load().unwrap();
    let actions: Vec<Action> = records.iter().map(|r| r.action).collect();
    assert_eq!(actions, [Action::Run, Action::Success], "{records:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("pid=") && text != format!("pid={scheduler}"),
        "{text}"
    );
}
