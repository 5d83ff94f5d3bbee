//! Task kinds: a custom kind under each execution it supports, refused under
//! one it does not, timing out, receiving parameters; the command kind with real commands.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redengine::kind::CommandTask;
use redengine::{Action, Execution, LogStore, Outcome, Task, TaskContext, TaskKind};

use common::{builder, count, monday, of};

/// A custom kind: greets the session parameter `who`, counting its runs.
struct Greet {
    runs: Arc<AtomicUsize>,
    seen: Arc<std::sync::Mutex<Vec<String>>>,
}

impl TaskKind for Greet {
    fn kind_name(&self) -> &str {
        "greet"
    }

    fn executions(&self) -> &[Execution] {
        &[Execution::Main, Execution::Thread]
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        self.runs.fetch_add(1, Ordering::SeqCst);
        match ctx.param::<String>("who") {
            Ok(who) => {
                if let Ok(mut seen) = self.seen.lock() {
                    seen.push(format!("hello {who} from {}", ctx.task_name()));
                }
                Outcome::Success(None)
            }
            Err(e) => Outcome::Fail(e.to_string()),
        }
    }
}

fn greet() -> (Greet, Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    (
        Greet {
            runs: runs.clone(),
            seen: seen.clone(),
        },
        runs,
        seen,
    )
}

#[test]
fn a_custom_kind_runs_under_main_and_thread_with_session_params() {
    for execution in [Execution::Main, Execution::Thread] {
        let (b, _clock, log) = builder(monday(8, 0));
        let (kind, runs, seen) = greet();
        b.param("who", "ann".to_string())
            .shut_cond("task 'hi' has succeeded")
            .task(
                Task::builder("hi")
                    .start_cond("daily")
                    .execution(execution)
                    .arg::<String>("who")
                    .kind(kind),
            )
            .build()
            .unwrap()
            .run()
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{execution}");
        assert_eq!(count(&log, "hi", Action::Success), 1, "{execution}");
        assert_eq!(*seen.lock().unwrap(), vec!["hello ann from hi".to_string()]);
    }
}

#[test]
fn an_unsupported_execution_is_refused_at_ignite() {
    let (b, _clock, log) = builder(monday(8, 0));
    let (kind, runs, _) = greet();
    let err = b
        .param("who", "ann".to_string())
        .task_execution(Execution::Process)
        .task(
            Task::builder("hi")
                .start_cond("daily")
                .arg::<String>("who")
                .kind(kind),
        )
        .build()
        .unwrap()
        .run()
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.problems().len(), 1, "{text}");
    assert!(text.contains("kinds.rs:"), "location: {text}");
    assert!(
        text.contains(
            "task 'hi' is a `greet` task, which cannot run with execution `process`; it \
             supports `main`, `thread`"
        ),
        "{text}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(log.records().is_empty());
}

/// A kind that works until its termination flag is set (cooperative timeout).
struct Patient;

impl TaskKind for Patient {
    fn kind_name(&self) -> &str {
        "patient"
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        while !ctx.termination().is_set() {
            std::thread::park_timeout(Duration::from_millis(1));
        }
        Outcome::Terminated
    }
}

#[test]
fn a_custom_kind_times_out_cooperatively() {
    let (b, clock, log) = builder(monday(8, 0));
    b.clock(clock.with_grace(Duration::from_millis(5)))
        .shut_cond("task 'wait' has terminated")
        .task(
            Task::builder("wait")
                .start_cond("daily")
                .execution(Execution::Thread)
                .timeout("10 seconds")
                .kind(Patient),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    let t = &of(&log, "wait", Action::Terminate)[0];
    assert_eq!(t.message, "timeout");
    assert_eq!(t.created.format("%H:%M:%S").to_string(), "08:00:10");
}

#[test]
fn function_tasks_are_a_kind_too() {
    let task = Task::builder("f").run(|_| Ok::<_, String>(3_u8));
    assert_eq!(task.kind().kind_name(), "function");
    assert_eq!(task.kind().describe(), "function returning `u8`");
}

// ---- the command kind, with real commands ----

/// Runs one thread command task `name` until it finishes; returns the log.
///
/// The manual clock lets virtual time jump only after a run in flight had `grace` of real
/// time to finish: long enough for a real command on a loaded machine, except where a
/// test wants the jump (a timeout).
fn run_command(name: &str, task: Task) -> redengine::MemoryLog {
    run_command_with_grace(name, task, Duration::from_secs(30))
}

fn run_command_with_grace(name: &str, task: Task, grace: Duration) -> redengine::MemoryLog {
    let (b, clock, log) = builder(monday(8, 0));
    b.clock(clock.with_grace(grace))
        .param("session_word", "from-session".to_string())
        .shut_cond(format!(
            "task '{name}' has succeeded | task '{name}' has failed | task '{name}' has terminated"
        ))
        .task(task)
        .build()
        .unwrap()
        .run()
        .unwrap();
    log
}

/// A daily thread task builder.
fn thread_task(name: &str) -> redengine::TaskBuilder {
    Task::builder(name)
        .start_cond("daily")
        .execution(Execution::Thread)
}

#[test]
fn command_exit_codes_map_to_success_and_fail() {
    let log = run_command(
        "ok",
        thread_task("ok").kind(CommandTask::new("sh").args(["-c", "exit 0"])),
    );
    assert_eq!(count(&log, "ok", Action::Success), 1, "{:?}", log.records());
    let log = run_command(
        "bad",
        thread_task("bad").kind(CommandTask::new("sh").args(["-c", "exit 3"])),
    );
    let fail = &of(&log, "bad", Action::Fail)[0];
    assert_eq!(
        fail.exc_text,
        "command `sh -c \"exit 3\"` exited with code 3"
    );
    let log = run_command(
        "missing",
        thread_task("missing").kind(CommandTask::new("/nonexistent/redengine-no-such-program")),
    );
    let fail = &of(&log, "missing", Action::Fail)[0];
    assert!(
        fail.exc_text.contains("cannot start command")
            && fail.exc_text.contains("exists and is executable"),
        "{}",
        fail.exc_text
    );
}

#[test]
fn command_output_tails_go_into_the_fail_message() {
    let script = "echo to-stdout; echo to-stderr >&2; head -c 10000 /dev/zero | tr '\\0' x >&2; \
                  echo last-line >&2; exit 1";
    let log = run_command(
        "noisy",
        thread_task("noisy").kind(CommandTask::new("sh").args(["-c", script])),
    );
    let fails = of(&log, "noisy", Action::Fail);
    assert_eq!(fails.len(), 1, "{:?}", log.records());
    let text = &fails[0].exc_text;
    assert!(text.contains("exited with code 1"), "{text}");
    assert!(text.contains("--- stderr (last 4 KiB) ---\n…xxx"), "{text}");
    assert!(text.contains("last-line"), "{text}");
    let stderr = text.split("--- stderr").nth(1).unwrap_or_default();
    let stderr = stderr.split("--- stdout").next().unwrap_or_default();
    assert!(
        !stderr.contains("to-stderr"),
        "only the tail is kept: {text}"
    );
    assert!(
        text.contains("--- stdout (last 4 KiB) ---\nto-stdout"),
        "{text}"
    );
    assert!(text.len() < 9000, "{}", text.len());
}

#[test]
fn command_parameters_reach_arguments_and_environment() {
    let dir = temp_dir("params");
    let out = dir.join("out.txt");
    let script = format!(
        "printf '%s|%s|%s|%s' \"$1\" \"$2\" \"$REDENGINE_PARAM_TARGET_DAY\" \
         \"$REDENGINE_PARAM_SESSION_WORD\" > '{}'",
        out.display()
    );
    let log = run_command(
        "args",
        thread_task("args")
            .param("target-day", "monday".to_string())
            .arg::<String>("session_word")
            .kind(
                CommandTask::new("sh")
                    .args(["-c", &script, "sh", "day={target-day}", "{{literal}}"])
                    .env("EXTRA", "1"),
            ),
    );
    assert_eq!(
        count(&log, "args", Action::Success),
        1,
        "{:?}",
        log.records()
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, "day=monday|{literal}|monday|from-session");
}

#[test]
fn a_bad_placeholder_fails_the_run_with_a_hint() {
    let log = run_command(
        "typo",
        thread_task("typo")
            .param("day", "mon".to_string())
            .kind(CommandTask::new("echo").arg("{dya}")),
    );
    let text = &of(&log, "typo", Action::Fail)[0].exc_text;
    assert!(text.contains("did you mean `{day}`"), "{text}");
}

#[test]
fn a_terminated_command_kills_its_whole_process_group() {
    let dir = temp_dir("group");
    let pid_file = dir.join("pid");
    let script = format!("sleep 60 & echo $! > '{}'; wait", pid_file.display());
    let log = run_command_with_grace(
        "slow",
        thread_task("slow").timeout("5 seconds").kind(
            CommandTask::new("sh")
                .args(["-c", &script])
                .grace(Duration::from_secs(2)),
        ),
        Duration::from_secs(1),
    );
    let t = &of(&log, "slow", Action::Terminate)[0];
    assert_eq!(t.message, "timeout");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let stat = PathBuf::from(format!("/proc/{}/stat", pid.trim()));
    // The grandchild got the group's SIGTERM; it is gone (or a zombie awaiting init).
    let gone = (0..500).any(|_| {
        let dead = std::fs::read_to_string(&stat)
            .map(|s| {
                s.split(") ")
                    .nth(1)
                    .is_some_and(|rest| rest.starts_with('Z'))
            })
            .unwrap_or(true);
        if !dead {
            std::thread::park_timeout(Duration::from_millis(10));
        }
        dead
    });
    assert!(gone, "the backgrounded sleep survived the termination");
}

#[test]
fn command_tasks_refuse_process_execution() {
    let (b, _clock, _log) = builder(monday(8, 0));
    let err = b
        .task(
            Task::builder("cmd")
                .execution(Execution::Process)
                .kind(CommandTask::new("true")),
        )
        .build()
        .unwrap()
        .ignite()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`command` task, which cannot run with execution `process`"),
        "{err}"
    );
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redengine-kinds-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- the example's custom kind (examples/advanced/models/tasks.rs) ----

#[path = "../examples/advanced/models/tasks.rs"]
mod example_kinds;

#[test]
fn the_example_write_file_kind_renders_and_writes() {
    let dir = temp_dir("write-file");
    let path = dir.join("out/report.txt");
    let (b, _clock, log) = builder(monday(18, 0));
    b.task_execution(Execution::Thread)
        .param("receiver", "boss@example.com".to_string())
        .shut_cond("task 'write_report' has succeeded")
        .task(
            Task::builder("write_report")
                .start_cond("daily after 18:00")
                .arg::<String>("receiver")
                .kind(example_kinds::WriteFile::new(
                    &path,
                    "report from {task} for {receiver}\n",
                )),
        )
        .build()
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(count(&log, "write_report", Action::Success), 1);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "report from write_report for boss@example.com\n"
    );
    let (b, _clock, log) = builder(monday(18, 0));
    let kind = example_kinds::WriteFile::new(dir.join("x.txt"), "{nobody}");
    assert_eq!(
        kind.describe(),
        format!("write {}", dir.join("x.txt").display())
    );
    b.task_execution(Execution::Main)
        .shut_cond("task 'broken' has failed")
        .task(Task::builder("broken").start_cond("daily").kind(kind))
        .build()
        .unwrap()
        .run()
        .unwrap();
    let text = &of(&log, "broken", Action::Fail)[0].exc_text;
    assert!(text.contains("no string parameter `nobody`"), "{text}");
}

#[test]
fn a_custom_kind_runs_in_a_process_child() {
    let dir = temp_dir("process");
    let log = dir.join("log/tasks.csv");
    let out = dir.join("stamp.txt");
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_file(&out);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kind_tasks"))
        .env("RE_LOG", &log)
        .env("RE_OUT", &out)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let scheduler = child.id();
    // Bounded: the session shuts down as soon as the task finished.
    let until = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            panic!("the kind_tasks scheduler did not finish");
        }
        std::thread::park_timeout(Duration::from_millis(10));
    };
    assert!(status.success(), "{status}");
    let records = redengine::CsvLog::new(&log).load().unwrap();
    let Ok(text) = std::fs::read_to_string(&out) else {
        panic!("the task wrote nothing: {records:?}");
    };
    assert!(text.ends_with(" who=ann"), "{text}");
    assert!(
        !text.starts_with(&format!("pid={scheduler} ")),
        "ran in the scheduler: {text}"
    );
    let actions: Vec<Action> = records.iter().map(|r| r.action).collect();
    assert_eq!(actions, [Action::Run, Action::Success], "{records:?}");
}
