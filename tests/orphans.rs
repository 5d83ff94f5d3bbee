//! Nothing a scheduler started outlives it: the scheduler binary `orphans` (tests/bin)
//! runs a process task, a thread command task, a main command task and a command task
//! from a task file, each with grandchildren; after a kill -9 of the scheduler every one of those processes must be
//! gone within 3 s. Command tasks run under a supervisor process, so their outcomes are
//! checked here too, with real commands.

#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use redengine::{Action, CsvLog, LogStore, TaskRecord};

/// A safety net for waiting on the scheduler's evidence (not a timing assertion).
const LIMIT: Duration = Duration::from_secs(30);

/// How long the processes of a killed scheduler may take to disappear.
const CLEANUP: Duration = Duration::from_secs(3);

struct Scenario {
    dir: PathBuf,
}

impl Scenario {
    fn new(name: &str) -> Scenario {
        let dir =
            std::env::temp_dir().join(format!("redengine-orphans-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("out")).unwrap();
        Scenario { dir }
    }

    fn start(&self, scenario: &str) -> Child {
        // A task file for the file loader: a command task like the others.
        let files = self.dir.join("tasks");
        std::fs::create_dir_all(&files).unwrap();
        let out = self.dir.join("out").join("file_cmd");
        let task = format!(
            "[[task]]\nname = \"file_cmd\"\nstart_cond = \"~has started\"\ncommand = '''\
             sleep 60 & echo \"$PPID $$ $!\" > '{0}.tmp' && mv '{0}.tmp' '{0}'; wait'''\n",
            out.display()
        );
        std::fs::write(files.join("file.toml"), task).unwrap();
        Command::new(env!("CARGO_BIN_EXE_orphans"))
            .env("RE_TASKS", files)
            .env("RE_SCENARIO", scenario)
            .env("RE_LOG", self.dir.join("log").join("tasks.csv"))
            .env("RE_OUT", self.dir.join("out"))
            .stdin(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn records(&self) -> Vec<TaskRecord> {
        CsvLog::new(self.dir.join("log").join("tasks.csv"))
            .load()
            .unwrap()
    }

    /// Waits (bounded) until a task left the evidence file `name`.
    fn await_evidence(&self, name: &str, scheduler: &mut Child) -> String {
        let until = Instant::now() + LIMIT;
        loop {
            if let Ok(text) = std::fs::read_to_string(self.dir.join("out").join(name)) {
                if !text.trim().is_empty() {
                    return text;
                }
            }
            if let Some(status) = scheduler.try_wait().unwrap() {
                panic!("the scheduler ended ({status}) before `{name}` appeared");
            }
            if Instant::now() > until {
                let _ = scheduler.kill();
                panic!("no evidence `{name}` appeared");
            }
            std::thread::park_timeout(Duration::from_millis(10));
        }
    }
}

/// Whether process `pid` is gone. A zombie counts as gone: it runs nothing, and in a
/// container whose init does not reap orphans, killed processes stay zombies.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// Waits for the scheduler to exit, killing it if it outlives [`LIMIT`].
fn finish(child: &mut Child) -> std::process::ExitStatus {
    let until = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the scheduler did not finish within {LIMIT:?}");
        }
        std::thread::park_timeout(Duration::from_millis(10));
    }
}

fn pids(text: &str) -> Vec<i32> {
    text.split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

#[test]
fn a_killed_scheduler_leaves_no_process_behind() {
    let s = Scenario::new("kill9");
    let mut scheduler = s.start("orphans");
    let me = scheduler.id() as i32;
    let mut watched = Vec::new();
    for task in [
        "proc_job",
        "thread_cmd",
        "stubborn_cmd",
        "file_cmd",
        "main_cmd",
    ] {
        // `<parent of the shell> <shell> <sleep 60>`: the parent is the process child, or
        // the command's supervisor.
        let found = pids(&s.await_evidence(task, &mut scheduler));
        assert_eq!(found.len(), 3, "{task}: {found:?}");
        watched.extend(found.into_iter().filter(|p| *p != me).map(|p| (task, p)));
    }
    kill(Pid::from_raw(me), Signal::SIGKILL).unwrap();
    scheduler.wait().unwrap();
    let until = Instant::now() + CLEANUP;
    let survivors = loop {
        let alive: Vec<(&str, i32)> = watched.iter().copied().filter(|(_, p)| !gone(*p)).collect();
        if alive.is_empty() || Instant::now() > until {
            break alive;
        }
        std::thread::park_timeout(Duration::from_millis(20));
    };
    for (_, pid) in &survivors {
        let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
    }
    assert!(
        survivors.is_empty(),
        "still running {CLEANUP:?} after the scheduler was killed: {survivors:?}"
    );
}

fn fail_text(records: &[TaskRecord], task: &str) -> String {
    let fails: Vec<&TaskRecord> = records
        .iter()
        .filter(|r| r.task_name == task && r.action == Action::Fail)
        .collect();
    assert_eq!(fails.len(), 1, "{task}: {records:#?}");
    fails[0].exc_text.clone()
}

#[test]
fn supervised_commands_report_exit_codes_signals_and_output_tails() {
    let s = Scenario::new("supervised");
    let mut scheduler = s.start("supervised");
    let status = finish(&mut scheduler);
    assert!(status.success(), "{status}");
    let records = s.records();
    let has = |task: &str, action| {
        records
            .iter()
            .filter(|r| r.task_name == task && r.action == action)
            .count()
    };
    assert_eq!(has("ok", Action::Success), 1, "{records:#?}");
    assert_eq!(
        fail_text(&records, "bad"),
        "command `sh -c \"exit 3\"` exited with code 3"
    );
    assert_eq!(
        fail_text(&records, "signalled"),
        "command `sh -c \"kill -KILL $$\"` was killed by signal 9"
    );
    let missing = fail_text(&records, "missing");
    assert!(
        missing.starts_with(
            "cannot start command `/nonexistent/redengine-no-such-program`: No such file or \
             directory (os error 2); check that"
        ),
        "{missing}"
    );
    let noisy = fail_text(&records, "noisy");
    assert!(noisy.starts_with("command `sh -c "), "{noisy}");
    assert!(
        noisy.contains("` exited with code 1\n--- stderr (last 4 KiB) ---\n…xxx"),
        "{noisy}"
    );
    assert!(
        noisy.ends_with("xlast-line\n--- stdout (last 4 KiB) ---\nto-stdout"),
        "{noisy}"
    );
    // Terminated: by SIGTERM (`slow`), by SIGKILL after the grace (`stubborn`); the
    // supervisor, the shell and its `sleep` are all gone.
    for task in ["slow", "stubborn"] {
        let terminated: Vec<&TaskRecord> = records
            .iter()
            .filter(|r| r.task_name == task && r.action == Action::Terminate)
            .collect();
        assert_eq!(terminated.len(), 1, "{task}: {records:#?}");
        assert_eq!(terminated[0].message, "timeout");
        let found = std::fs::read_to_string(s.dir.join("out").join(task)).unwrap();
        let until = Instant::now() + CLEANUP;
        while !pids(&found).into_iter().all(gone) {
            assert!(
                Instant::now() < until,
                "terminated `{task}` survived: {found}"
            );
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }
    // Parameters and `env` reach the command; the supervisor's marker does not.
    let env = std::fs::read_to_string(s.dir.join("out").join("env")).unwrap();
    assert_eq!(env, "from-param|1|unset");
}

/// Starts the `orphans` binary the way a scheduler starts a child, with `env` set, but
/// with a lifeline whose scheduler end is already closed: the scheduler died before the
/// child could even start watching.
fn start_orphaned(envs: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> Child {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    use std::os::unix::process::CommandExt;
    let (ours, theirs) = UnixStream::pair().unwrap();
    drop(ours);
    Command::new(env!("CARGO_BIN_EXE_orphans"))
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .process_group(0)
        .spawn()
        .unwrap()
}

#[test]
fn a_supervisor_whose_scheduler_is_already_gone_leaves_nothing_running() {
    use std::os::unix::process::ExitStatusExt;
    let s = Scenario::new("late-supervisor");
    let file = s.dir.join("out").join("late");
    let script = format!("echo $$ > '{}'; exec sleep 60", file.display());
    let grace = std::ffi::OsStr::new("2000");
    let mut supervisor = start_orphaned(&[("REDENGINE_SUPERVISE", grace)], &["sh", "-c", &script]);
    let status = finish(&mut supervisor);
    // The supervisor terminated its group, itself included.
    assert_eq!(status.signal(), Some(9), "{status}");
    // An empty or missing file: the shell was killed before it wrote its pid, so before
    // it could exec `sleep` (under load the supervisor can be that quick).
    let written = std::fs::read_to_string(&file).ok();
    if let Some(pid) = written.and_then(|text| text.trim().parse::<i32>().ok()) {
        let until = Instant::now() + CLEANUP;
        while !gone(pid) {
            assert!(
                Instant::now() < until,
                "the command outlived its supervisor"
            );
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_process_child_whose_scheduler_is_already_gone_runs_nothing() {
    let s = Scenario::new("late-child");
    let mut child = Command::new(env!("CARGO_BIN_EXE_orphans"))
        .env("REDENGINE_TASK", "proc_job")
        .env("RE_OUT", s.dir.join("out"))
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Standard input that is not a socket: refused outright.
    assert_eq!(finish(&mut child).code(), Some(2));
    let out = s.dir.join("out");
    let task = std::ffi::OsStr::new("proc_job");
    let mut child = start_orphaned(
        &[("REDENGINE_TASK", task), ("RE_OUT", out.as_os_str())],
        &[],
    );
    let status = finish(&mut child);
    assert!(!status.success(), "{status}");
    assert!(
        std::fs::read_dir(s.dir.join("out"))
            .unwrap()
            .next()
            .is_none(),
        "the task ran without a scheduler"
    );
}
