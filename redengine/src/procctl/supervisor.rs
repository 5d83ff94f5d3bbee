//! The command kind's supervisor: the scheduler's own binary, re-executed, standing
//! between the scheduler and a command so that the command dies with the scheduler.
//!
//! A command cannot watch a [`lifeline`](super::lifeline) itself, and without `unsafe`
//! nothing can be run in it between fork and exec. So the scheduler starts its own
//! executable with [`SUPERVISE_ENV`] set, the command's program and arguments as the
//! arguments, the command's environment and working directory, the output pipes and the
//! lifeline as standard input, in a new process group. The supervisor (reached through
//! `run_child_if_requested`, first thing in `main`):
//!
//! 1. takes the lifeline off standard input;
//! 2. sets SIGTERM to be recorded rather than fatal, so a termination of the group reaches
//!    the command while the supervisor stays to report how it ended, and starts watching
//!    the lifeline;
//! 3. starts the command, which inherits the supervisor's process group and the output
//!    pipes, and waits for it;
//! 4. writes one line on the lifeline: `status <raw wait status>`, or `spawn <error>` if
//!    the command could not be started, and exits.
//!
//! The scheduler reads that line after reaping the supervisor, so the run's outcome is the
//! command's, exactly as if it had been started directly.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::lifeline;

/// Marks a supervisor; its value is the grace period in milliseconds.
pub(crate) const SUPERVISE_ENV: &str = "REDENGINE_SUPERVISE";

/// Exit code of a supervisor that was not started by a scheduler.
const NO_LIFELINE: u8 = 2;

/// How a supervised command ended, as its supervisor reported it.
pub(crate) enum Report {
    /// The command ran and ended with this status.
    Ended(ExitStatus),
    /// The command could not be started (the text of the error).
    NotStarted(String),
}

/// The supervisor's command line for `program args…` and the scheduler's end of its
/// lifeline, to keep until the supervisor is reaped. The caller adds the command's
/// environment, directory and output pipes, and starts it in a new process group. `grace`
/// is what the command gets between SIGTERM and SIGKILL if the scheduler dies.
///
/// `None` if this binary does not run supervisors (its `main` does not call
/// `run_child_if_requested`, e.g. a test harness): the caller then starts the command
/// directly, without this protection.
pub(crate) fn command(
    program: &str,
    args: &[String],
    grace: Duration,
) -> std::io::Result<Option<(Command, UnixStream)>> {
    if !super::serves_children() {
        return Ok(None);
    }
    let exe = std::env::current_exe()?;
    let (ours, theirs) = UnixStream::pair()?;
    let mut command = Command::new(exe);
    command
        .arg(program)
        .args(args)
        .env(SUPERVISE_ENV, grace.as_millis().to_string())
        .stdin(Stdio::from(OwnedFd::from(theirs)));
    Ok(Some((command, ours)))
}

/// Reads the supervisor's report once it has exited; `None` if it died without one
/// (killed with its group).
pub(crate) fn report(lifeline: &UnixStream) -> Option<Report> {
    let mut line = String::new();
    BufReader::new(lifeline).read_line(&mut line).ok()?;
    let line = line.strip_suffix('\n')?;
    if let Some(raw) = line.strip_prefix("status ") {
        return raw
            .parse()
            .ok()
            .map(|raw| Report::Ended(ExitStatus::from_raw(raw)));
    }
    line.strip_prefix("spawn ")
        .map(|text| Report::NotStarted(text.to_string()))
}

/// The supervisor side: in a process started as a supervisor, supervises the command and
/// returns the exit code for `main`; otherwise `None`.
pub(crate) fn serve_if_requested() -> Option<ExitCode> {
    let grace = std::env::var(SUPERVISE_ENV).ok()?;
    // Still single-threaded: the command must not see the marker.
    std::env::remove_var(SUPERVISE_ENV);
    let grace = Duration::from_millis(grace.parse().unwrap_or(5000));
    Some(serve(grace))
}

fn serve(grace: Duration) -> ExitCode {
    let lifeline = match lifeline::take_from_stdin() {
        Ok(lifeline) => lifeline,
        Err(e) => {
            eprintln!(
                "error: {SUPERVISE_ENV} is set, but this process was not started by a \
                 redengine scheduler ({e}); unset {SUPERVISE_ENV} to run the program normally"
            );
            return ExitCode::from(NO_LIFELINE);
        }
    };
    // A SIGTERM to the group is for the command; this process stays to report.
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGTERM,
        Arc::new(AtomicBool::new(false)),
    );
    let watch = lifeline::watch(&lifeline, grace).ok();
    let mut args = std::env::args_os().skip(1);
    let report = match args.next() {
        None => "spawn no program to supervise".to_string(),
        Some(program) => match Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .spawn()
        {
            Err(e) => format!("spawn {}", e.to_string().replace('\n', " ")),
            Ok(mut child) => match child.wait() {
                Ok(status) => format!("status {}", status.into_raw()),
                Err(e) => format!("spawn lost track of the command: {e}"),
            },
        },
    };
    // The scheduler may be gone: then nobody reads this.
    let _ = (&lifeline).write_all(format!("{report}\n").as_bytes());
    if let Some(watch) = watch {
        watch.settle();
    }
    ExitCode::SUCCESS
}
