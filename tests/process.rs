//! The process executor with real child processes: the scheduler binary
//! `process_tasks` (tests/bin) runs one scenario per test, and its CSV log, exit status
//! and the evidence its tasks leave are checked here.

#![cfg(unix)]

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use redengine::{Action, CsvLog, LogStore, TaskRecord};

/// The most any scenario may take before the test gives up (a safety net, not a timing
/// assertion: the scenarios end on their own much sooner).
const LIMIT: Duration = Duration::from_secs(30);

struct Scenario {
    dir: PathBuf,
}

impl Scenario {
    fn new(name: &str) -> Scenario {
        let dir =
            std::env::temp_dir().join(format!("redengine-process-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("out")).unwrap();
        Scenario { dir }
    }

    fn log(&self) -> PathBuf {
        self.dir.join("log").join("tasks.csv")
    }

    fn start(&self, scenario: &str) -> Child {
        Command::new(env!("CARGO_BIN_EXE_process_tasks"))
            .env("RE_SCENARIO", scenario)
            .env("RE_LOG", self.log())
            .env("RE_OUT", self.dir.join("out"))
            .stdin(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs the scenario to its end.
    fn run(&self, scenario: &str) -> (ExitStatus, Vec<TaskRecord>) {
        let child = self.start(scenario);
        let status = finish(child);
        (status, self.records())
    }

    fn records(&self) -> Vec<TaskRecord> {
        CsvLog::new(self.log()).peek().unwrap()
    }

    fn evidence(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join("out").join(name)).ok()
    }

    /// Waits (bounded) until a task left `name`.
    fn await_evidence(&self, name: &str) -> String {
        let until = Instant::now() + LIMIT;
        loop {
            if let Some(text) = self.evidence(name) {
                if !text.is_empty() {
                    return text;
                }
            }
            assert!(Instant::now() < until, "no evidence `{name}` appeared");
            std::thread::park_timeout(Duration::from_millis(10));
        }
    }
}

/// Waits for the scheduler to exit, killing it if it outlives [`LIMIT`].
fn finish(mut child: Child) -> ExitStatus {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            panic!("the scheduler did not finish within {LIMIT:?}");
        }
    }
}

fn of<'a>(records: &'a [TaskRecord], task: &str, action: Action) -> Vec<&'a TaskRecord> {
    records
        .iter()
        .filter(|r| r.task_name == task && r.action == action)
        .collect()
}

/// Whether the process `id` (or, with `group`, every process of the group `id`) is gone.
/// A zombie counts as gone: it runs nothing, and in a container whose init does not reap
/// orphans, killed grandchildren stay zombies.
fn gone(id: &str, group: bool) -> bool {
    let id: i32 = id.trim().parse().unwrap();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        // No procfs: fall back to signal 0 (zombies then count as alive).
        let pid = Pid::from_raw(id);
        let probe = if group {
            killpg(pid, None)
        } else {
            kill(pid, None)
        };
        return probe == Err(Errno::ESRCH);
    };
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp …; comm may contain spaces, so split after ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let pid: i32 = head.split(' ').next().unwrap_or("").parse().unwrap_or(-1);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (state, pgrp) = (fields[0], fields[2].parse::<i32>().unwrap_or(-1));
        let member = if group { pgrp == id } else { pid == id };
        if member && state != "Z" && state != "X" {
            return false;
        }
    }
    true
}

/// Every run is one `run` followed by one finish record, per task.
fn complete(records: &[TaskRecord]) {
    let mut open: Vec<&str> = Vec::new();
    for r in records {
        if r.action == Action::Run {
            assert!(!open.contains(&r.task_name.as_str()), "{records:#?}");
            open.push(&r.task_name);
        } else {
            let at = open.iter().position(|n| *n == r.task_name);
            assert!(at.is_some(), "finish without run: {r:?}");
            open.remove(at.unwrap());
        }
    }
    assert!(open.is_empty(), "unfinished runs {open:?}: {records:#?}");
}

#[test]
fn return_values_and_parameters_cross_the_process_boundary() {
    let s = Scenario::new("returns");
    let child = s.start("returns");
    let scheduler = child.id();
    let status = finish(child);
    let records = s.records();
    assert!(status.success(), "{status}");
    complete(&records);
    assert_eq!(
        of(&records, "produce", Action::Success).len(),
        1,
        "{records:#?}"
    );
    assert_eq!(
        of(&records, "consume", Action::Success).len(),
        1,
        "{records:#?}"
    );
    assert_eq!(
        of(&records, "check_doubled", Action::Success).len(),
        1,
        "{records:#?}"
    );
    let got = s.evidence("consume").unwrap();
    // The body ran in a child, got the upstream child's return value, the session value,
    // the task value, and a #[param] function's value computed in its own process.
    let pid: u32 = got["pid=".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(pid, scheduler);
    assert!(got.contains("report=Report { rows: 3, made_by: "), "{got}");
    assert!(!got.contains(&format!("made_by: {scheduler} ")), "{got}");
    assert!(got.contains("greeting=hello"), "{got}");
    assert!(
        got.contains(&format!("friends=[\"computed in {pid}\"]")),
        "{got}"
    );
    assert!(got.contains("limit=10"), "{got}");
    // The task's own sub-processes do not inherit the child markers.
    assert!(got.contains("task_env=None"), "{got}");
    assert_eq!(s.evidence("check_doubled").as_deref(), Some("Some(6)"));
    // A builder task's `run_serde` value came back from its child (another pid).
    let built = s.evidence("built_consume").unwrap();
    assert!(built.starts_with("Ok(Some(["), "{built}");
    assert!(built.ends_with(", 7]))"), "{built}");
    assert!(!built.contains(&format!("[{scheduler},")), "{built}");
}

#[test]
fn a_timeout_kills_the_child_and_its_grandchild() {
    let s = Scenario::new("timeout");
    let (status, records) = s.run("timeout");
    assert!(status.success(), "{status}");
    complete(&records);
    let ended = of(&records, "sleepy", Action::Terminate);
    assert_eq!(ended.len(), 1, "{records:#?}");
    assert_eq!(ended[0].message, "timeout", "{:?}", ended[0]);
    let took = ended[0].created - ended[0].start.unwrap();
    assert!(
        took < chrono::TimeDelta::seconds(2),
        "terminated after {took}"
    );
    let pids = s.evidence("sleepy").unwrap();
    let (child, grandchild) = pids.split_once(' ').unwrap();
    assert!(gone(child, true), "the child's process group survived");
    assert!(
        gone(grandchild, false),
        "the grandchild `sh -c 'sleep 60'` survived"
    );
}

#[test]
fn end_cond_terminates_a_process_run() {
    let s = Scenario::new("end_cond");
    let (status, records) = s.run("end_cond");
    assert!(status.success(), "{status}");
    complete(&records);
    let ended = of(&records, "watched", Action::Terminate);
    assert_eq!(ended.len(), 1, "{records:#?}");
    assert!(ended[0].message.contains("end_cond"), "{:?}", ended[0]);
    assert!(
        gone(&s.evidence("watched").unwrap(), true),
        "the child survived"
    );
}

#[test]
fn requests_and_stderr_larger_than_their_buffers_and_held_stderr_do_not_stall_a_run() {
    let s = Scenario::new("streams");
    let (status, records) = s.run("streams");
    // The grandchild that kept `holds_stderr`'s stderr open: the run ended without it.
    let sleeper = s.evidence("holds_stderr");
    if let Some(pid) = &sleeper {
        let _ = kill(Pid::from_raw(pid.trim().parse().unwrap()), Signal::SIGKILL);
    }
    assert!(status.success(), "{status}");
    complete(&records);
    assert_eq!(
        of(&records, "holds_stderr", Action::Success).len(),
        1,
        "{records:#?}"
    );
    assert!(sleeper.is_some());
    assert_eq!(
        of(&records, "chatty", Action::Success).len(),
        1,
        "{records:#?}"
    );
    assert_eq!(s.evidence("chatty").as_deref(), Some("300000"));
    let died = of(&records, "chatty_dies", Action::Fail)[0]
        .exc_text
        .clone();
    assert!(died.contains("exited with code 3"), "{died}");
    assert!(died.ends_with("the last words"), "{died}");
    assert!(died.contains("dying line 3999"), "{died}");
    assert!(
        !died.contains("dying line 0 "),
        "the tail keeps the last lines: {died}"
    );
}

#[test]
fn panics_aborts_and_kills_are_failures_with_their_cause() {
    let s = Scenario::new("crashes");
    let (status, records) = s.run("crashes");
    assert!(status.success(), "{status}");
    complete(&records);
    let text = |task| of(&records, task, Action::Fail)[0].exc_text.clone();
    let panicked = text("panics");
    assert!(panicked.contains("boom in the child"), "{panicked}");
    let aborted = text("aborts");
    assert!(aborted.contains("signal 6 (SIGABRT"), "{aborted}");
    assert!(aborted.contains("about to abort"), "{aborted}");
    let killed = text("killed");
    assert!(killed.contains("signal 9 (SIGKILL)"), "{killed}");
    assert!(killed.contains("about to be killed"), "{killed}");
    // The scheduler carried on.
    assert_eq!(of(&records, "survivor", Action::Success).len(), 1);
}

/// A child that dies is a failure that is retried in a new child: each record carries the
/// task's name, its status and the attempt (the scheduler rebuilds its records in place).
#[test]
fn a_child_that_dies_is_retried_and_each_record_says_which_attempt() {
    let s = Scenario::new("retried");
    let (status, records) = s.run("retried");
    assert!(status.success(), "{status}");
    complete(&records);
    let mine: Vec<(Action, u32, &str)> = records
        .iter()
        .filter(|r| r.task_name == "dies_once")
        .map(|r| (r.action, r.attempt, r.message.as_str()))
        .collect();
    assert_eq!(mine.len(), 4, "{mine:?}");
    assert_eq!(mine[0], (Action::Run, 1, "Task 'dies_once' status: 'run'"));
    assert_eq!((mine[1].0, mine[1].1), (Action::Fail, 1));
    assert!(
        mine[1]
            .2
            .starts_with("Task 'dies_once' status: 'fail' (attempt 1 of 3, retry at "),
        "{mine:?}"
    );
    let died = &of(&records, "dies_once", Action::Fail)[0].exc_text;
    assert!(died.contains("signal 6 (SIGABRT"), "{died}");
    assert_eq!(
        mine[2],
        (
            Action::Run,
            2,
            "Task 'dies_once' status: 'run' (attempt 2 of 3)"
        )
    );
    assert_eq!(
        mine[3],
        (
            Action::Success,
            2,
            "Task 'dies_once' status: 'success' (attempt 2 of 3)"
        )
    );
    assert_eq!(s.await_evidence("dies_once"), "2");
}

#[test]
fn max_process_count_is_exact() {
    let s = Scenario::new("limit");
    let (status, records) = s.run("limit");
    assert!(status.success(), "{status}");
    complete(&records);
    let (mut alive, mut most) = (0, 0);
    for r in &records {
        if r.action == Action::Run {
            alive += 1;
            most = most.max(alive);
        } else {
            alive -= 1;
        }
    }
    assert_eq!(most, 2, "{records:#?}");
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == Action::Success)
            .count(),
        4
    );
}

#[test]
fn sigterm_lets_a_running_child_finish_then_exits_cleanly() {
    let s = Scenario::new("sigterm");
    let child = s.start("sigterm");
    let scheduler = Pid::from_raw(child.id() as i32);
    let worker = s.await_evidence("long_job.started");
    kill(scheduler, Signal::SIGTERM).unwrap();
    let status = finish(child);
    assert!(status.success(), "{status}");
    let records = s.records();
    complete(&records);
    assert_eq!(
        of(&records, "long_job", Action::Success).len(),
        1,
        "{records:#?}"
    );
    assert_eq!(s.evidence("long_job.done").as_deref(), Some("done"));
    assert_eq!(
        of(&records, "closing", Action::Success).len(),
        1,
        "{records:#?}"
    );
    assert!(
        gone(&worker, true),
        "the child's process group is still alive"
    );
}

/// A child that reported its run but does not end (a destructor at its exit never
/// returns) is killed once the grace after its reply is over, instead of lingering
/// unseen: the run is over for the scheduler, which no longer times it out or counts it.
#[test]
fn a_child_that_replied_but_does_not_exit_is_killed_after_the_grace() {
    let s = Scenario::new("lingers");
    let child = s.start("lingers");
    let scheduler = Pid::from_raw(child.id() as i32);
    let pid = s.await_evidence("lingers");
    let until = Instant::now() + LIMIT;
    while !gone(&pid, true) {
        if Instant::now() > until {
            let _ = kill(scheduler, Signal::SIGKILL);
            panic!("the child that replied (pid {pid}) still runs after {LIMIT:?}");
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
    let records = s.records();
    kill(scheduler, Signal::SIGTERM).unwrap();
    let status = finish(child);
    assert!(status.success(), "{status}");
    assert_eq!(
        of(&records, "lingers", Action::Success).len(),
        1,
        "{records:#?}"
    );
}

#[test]
fn a_second_sigterm_terminates_children_at_once() {
    let s = Scenario::new("stubborn");
    let child = s.start("stubborn");
    let scheduler = Pid::from_raw(child.id() as i32);
    let pids = s.await_evidence("stubborn.started");
    kill(scheduler, Signal::SIGTERM).unwrap();
    // The first signal starts the graceful wait (the on_shutdown task runs in it); the
    // second one ends the wait.
    let until = Instant::now() + LIMIT;
    while !s.log().exists() || !s.records().iter().any(|r| r.task_name == "closing") {
        assert!(Instant::now() < until);
        std::thread::park_timeout(Duration::from_millis(10));
    }
    kill(scheduler, Signal::SIGTERM).unwrap();
    let status = finish(child);
    assert!(status.success(), "{status}");
    let records = s.records();
    complete(&records);
    let ended = of(&records, "stubborn", Action::Terminate);
    assert_eq!(ended.len(), 1, "{records:#?}");
    assert!(ended[0].message.contains("shutdown"), "{:?}", ended[0]);
    let (child, grandchild) = pids.split_once(' ').unwrap();
    assert!(
        gone(child, true) && gone(grandchild, false),
        "children survived"
    );
}

#[test]
fn a_signal_sets_the_flag_of_a_main_run_in_progress() {
    let s = Scenario::new("inline_signal");
    let (status, records) = s.run("inline_signal");
    assert!(status.success(), "{status}");
    complete(&records);
    let ended = of(&records, "inline_job", Action::Terminate);
    assert_eq!(ended.len(), 1, "{records:#?}");
    assert_eq!(ended[0].message, "shutdown");
}

#[test]
fn a_restart_execs_the_same_binary_and_process_tasks_still_run() {
    let s = Scenario::new("restart");
    let child = s.start("restart");
    let scheduler = child.id();
    let status = finish(child);
    assert!(status.success(), "{status}");
    let starts = s.evidence("starts").unwrap();
    // Two start-ups in the same process: `restarting = replace` execs in place.
    assert_eq!(starts, format!("{scheduler}\n{scheduler}\n"));
    let records = s.records();
    complete(&records);
    assert_eq!(
        of(&records, "after_restart", Action::Success).len(),
        1,
        "{records:#?}"
    );
}

#[test]
fn a_permanent_process_task_has_no_timeout_and_is_terminated_at_shutdown() {
    let s = Scenario::new("permanent");
    let (status, records) = s.run("permanent");
    assert!(status.success(), "{status}");
    complete(&records);
    assert_eq!(
        of(&records, "outlive", Action::Success).len(),
        1,
        "{records:#?}"
    );
    let ended = of(&records, "forever", Action::Terminate);
    assert_eq!(ended.len(), 1, "{records:#?}");
    // It outlived its 1 s `timeout` (ignored for permanent tasks) and was stopped by the
    // shutdown, not by the timeout.
    assert_eq!(ended[0].message, "shutdown", "{:?}", ended[0]);
    assert!(
        gone(&s.evidence("forever").unwrap(), true),
        "the child survived"
    );
}
