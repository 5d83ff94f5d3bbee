//! A scheduler binary for `tests/orphans.rs`: a process task, a thread command task, a
//! main command task and a command task from a task file, each starting grandchildren
//! that would run for a minute. Every process involved writes its pid to a file under
//! `RE_OUT`, so the test can kill -9 this scheduler and then check that none of them
//! outlives it.
//!
//! `RE_SCENARIO=supervised` runs command tasks whose outcome the test checks (exit codes,
//! signals, output tails, a missing program, termination) through the supervisor.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use redengine::kind::CommandTask;
use redengine::{Execution, Session, Task};

fn out(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os("RE_OUT").unwrap_or_default()).join(name)
}

/// A shell script that starts `sleep 60` in the background, records
/// `<parent of the shell> <shell> <sleep>` in `file`, and waits.
fn sleeper(file: &str) -> String {
    format!(
        "sleep 60 & echo \"$PPID $$ $!\" > '{}.tmp' && mv '{0}.tmp' '{0}'; wait",
        out(file).display()
    )
}

/// The orphan scenario: tasks that never end on their own; with `RE_TASKS` set, also the
/// command tasks of the TOML files in that directory (the file loader's).
fn orphans() -> redengine::SessionBuilder {
    let files = std::env::var_os("RE_TASKS");
    // A `main` run blocks the loop: it starts once every other task runs.
    let last = if files.is_some() {
        "~has started & task 'thread_cmd' is running & task 'stubborn_cmd' is running \
         & task 'file_cmd' is running"
    } else {
        "~has started & task 'thread_cmd' is running & task 'stubborn_cmd' is running"
    };
    let builder = match files {
        Some(dir) => Session::builder().load_tasks(dir, "*.toml"),
        None => Session::builder(),
    };
    builder
        .task(
            Task::builder("proc_job")
                .start_cond("~has started")
                .execution(Execution::Process)
                .run(|_| -> Result<(), String> {
                    let mut sh = Command::new("sh")
                        .args(["-c", &sleeper("proc_job")])
                        .spawn()
                        .map_err(|e| e.to_string())?;
                    sh.wait().map_err(|e| e.to_string())?;
                    Ok(())
                }),
        )
        .task(
            Task::builder("thread_cmd")
                .start_cond("~has started")
                .execution(Execution::Thread)
                .kind(CommandTask::new("sh").args(["-c", &sleeper("thread_cmd")])),
        )
        .task(
            // Ignores SIGTERM, as its `sleep` does: only the SIGKILL after the grace ends them.
            Task::builder("stubborn_cmd")
                .start_cond("~has started")
                .execution(Execution::Thread)
                .kind(
                    CommandTask::new("sh")
                        .args(["-c", &format!("trap '' TERM; {}", sleeper("stubborn_cmd"))])
                        .grace(Duration::from_secs(1)),
                ),
        )
        .task(
            Task::builder("main_cmd")
                .start_cond(last)
                .execution(Execution::Main)
                .kind(CommandTask::new("sh").args(["-c", &sleeper("main_cmd")])),
        )
        .shut_cond("false")
}

/// Command tasks through the supervisor, whose outcomes the test reads from the log.
fn supervised() -> redengine::SessionBuilder {
    let noisy = "echo to-stdout; echo to-stderr >&2; head -c 10000 /dev/zero | tr '\\0' x >&2; \
                 echo last-line >&2; exit 1";
    let thread = |name: &str| {
        Task::builder(name)
            .start_cond("~has started")
            .execution(Execution::Thread)
    };
    Session::builder()
        .task(thread("ok").kind(CommandTask::new("sh").args(["-c", "exit 0"])))
        .task(thread("bad").kind(CommandTask::new("sh").args(["-c", "exit 3"])))
        .task(thread("noisy").kind(CommandTask::new("sh").args(["-c", noisy])))
        .task(thread("signalled").kind(CommandTask::new("sh").args(["-c", "kill -KILL $$"])))
        .task(thread("missing").kind(CommandTask::new("/nonexistent/redengine-no-such-program")))
        .task(
            thread("slow").timeout("1 second").kind(
                CommandTask::new("sh")
                    .args(["-c", &sleeper("slow")])
                    .grace(Duration::from_secs(2)),
            ),
        )
        .task(
            // Ignores SIGTERM (and so does its `sleep`, which inherits that): only the
            // SIGKILL at the end of the grace period ends them, and the supervisor.
            thread("stubborn").timeout("1 second").kind(
                CommandTask::new("sh")
                    .args(["-c", &format!("trap '' TERM; {}", sleeper("stubborn"))])
                    .grace(Duration::from_secs(1)),
            ),
        )
        .task(
            Task::builder("env")
                .start_cond("~has started")
                .execution(Execution::Main)
                .param("word", "from-param".to_string())
                .kind(
                    CommandTask::new("sh")
                        .args([
                            "-c",
                            &format!(
                                "printf '%s|%s|%s' \"$REDENGINE_PARAM_WORD\" \"$EXTRA\" \
                         \"${{{{REDENGINE_SUPERVISE:-unset}}}}\" > '{}'",
                                out("env").display()
                            ),
                        ])
                        .env("EXTRA", "1"),
                ),
        )
        .shut_cond(
            "(task 'ok' has finished) & (task 'bad' has finished) & (task 'noisy' has finished) \
             & (task 'signalled' has finished) & (task 'missing' has finished) \
             & (task 'slow' has finished) & (task 'stubborn' has finished) \
             & (task 'env' has finished)",
        )
}

#[redengine::main]
fn main() -> Session {
    let builder = match std::env::var("RE_SCENARIO").as_deref() {
        Ok("supervised") => supervised(),
        _ => orphans(),
    };
    builder
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .build()
        .expect("the test session builds")
}
