//! The command line of a `#[redengine::main]` binary: `run` (the default), `list`,
//! `check`, `run-task`, `--log` and `--help`.
//!
//! The generated `main` calls `entry::run`, which hands the arguments
//! here. Usage errors exit with 2 before the session is even built; a session that does
//! not build or ignite, a log that cannot be read, or a task that did not succeed under
//! `run-task` exit with 1.

mod args;
mod next;
mod run_task;
mod time;
mod view;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::error::Result;
use crate::log::CsvLog;
use crate::session::Session;

use self::args::{Command, UsageError};

/// Why a command stopped: a usage error (exit 2) or a runtime failure (exit 1).
#[derive(Debug)]
enum Failure {
    /// The command line (or a name or time in it) is wrong.
    Usage(UsageError),
    /// The session, its log or a task failed; the text is the whole message.
    Runtime(String),
}

/// Parses `args` (the program name first), builds the session with `make` unless the
/// command line is wrong or asks for help, and runs the command.
pub(crate) fn main(
    args: impl IntoIterator<Item = OsString>,
    make: impl FnOnce() -> Result<Session>,
) -> ExitCode {
    let mut args = args.into_iter();
    let program = args
        .next()
        .and_then(|p| {
            Path::new(&p)
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "scheduler".to_string());
    let invocation = match args::parse(args) {
        Ok(invocation) => invocation,
        Err(e) => return fail(&program, Failure::Usage(e)),
    };
    if invocation.command == Command::Help {
        print(&usage(&program));
        return ExitCode::SUCCESS;
    }
    let mut session = match make() {
        Ok(session) => session,
        Err(e) => return fail(&program, Failure::Runtime(e.to_string())),
    };
    let log = invocation.log.as_deref();
    if let Some(path) = log {
        session.store = Box::new(CsvLog::new(path));
    }
    let outcome = match &invocation.command {
        Command::Run | Command::Help => session
            .run()
            .map(|()| (String::new(), true))
            .map_err(|e| Failure::Runtime(e.to_string())),
        Command::List { at } => view::list(&mut session, at.as_deref()).map(|s| (s, true)),
        Command::Check { tasks, at } => {
            view::check(&mut session, tasks, at.as_deref()).map(|s| (s, true))
        }
        Command::RunTask { tasks } => run_task::run(&mut session, tasks),
    };
    match outcome {
        Ok((text, ok)) => {
            print(&text);
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(failure) => fail(&program, failure),
    }
}

/// Reports `failure` on stderr and returns its exit code.
fn fail(program: &str, failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(e) => {
            eprintln!("{e}\n\nRun `{program} --help` for the commands and options.");
            ExitCode::from(2)
        }
        Failure::Runtime(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout; a closed pipe (`list | head`) is not an error worth a panic.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The `--help` text.
fn usage(program: &str) -> String {
    format!(
        "\
{program}: a redengine scheduler

Usage: {program} [--log PATH] [COMMAND]

Commands:
  run                          start the scheduler (the default)
  list [--at TIME]             every task: execution, priority, flags, last outcome in the
                               log, when its start condition can next become true, and its
                               start and end conditions
  check [TASK...] [--at TIME]  explain the start condition of each task (all by default)
                               now, or at TIME, against the log: why did or didn't it run?
  run-task NAME...             run the named tasks once, now, with their parameters; the
                               runs are logged, and the exit code is 1 unless all succeeded
  help                         print this help

Options:
  --log PATH                   use the CSV task log at PATH instead of the session's log
                               (before or after the command)
  --at TIME                    the instant `list` and `check` look at: {forms},
                               in the session's time zone
  -h, --help                   print this help

Exit codes: 0 success, 1 failure (the session, the log or a task), 2 wrong command line.
",
        forms = time::AT_FORMS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_names_every_command() {
        let text = usage("demo");
        for command in args::COMMANDS {
            assert!(
                text.contains(&format!("\n  {command} ")),
                "{command} missing"
            );
        }
        assert!(text.starts_with("demo: a redengine scheduler"));
    }
}
