//! Process-level entry points: restart by re-executing the binary (RUNTIME.md §4.6).

use std::process::ExitCode;

use crate::error::{Error, ErrorKind, Result};
use crate::session::Session;

/// Replaces this process with a fresh run of the same executable, arguments and
/// environment (`restarting = replace`). Returns only if that fails.
pub(crate) fn exec_self() -> Result<()> {
    let fail = |what: String| {
        Err(Error::new(ErrorKind::Hook(format!(
            "restart failed: {what}; set the config `restarting` to `recall` to restart in \
             the same process"
        ))))
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return fail(format!("cannot find the current executable: {e}")),
    };
    let mut cmd = std::process::Command::new(&exe);
    cmd.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        fail(format!("cannot exec {}: {e}", exe.display()))
    }
    #[cfg(not(unix))]
    {
        match cmd.status() {
            Ok(status) => std::process::exit(status.code().unwrap_or(1)),
            Err(e) => fail(format!("cannot start {}: {e}", exe.display())),
        }
    }
}

/// The environment variable that marks a process-executor child (RUNTIME.md §6).
pub const TASK_ENV: &str = "REDENGINE_TASK";

/// What a `#[redengine::main]` function may return: the session, or what builds it.
///
/// `fn main() -> Session`, `fn main() -> redengine::Result<Session>` and
/// `fn main() -> SessionBuilder` all work; a build error is reported and the binary exits
/// with a failure code instead of panicking.
pub trait IntoSession {
    /// Builds (or passes on) the session.
    fn into_session(self) -> Result<Session>;
}

impl IntoSession for Session {
    fn into_session(self) -> Result<Session> {
        Ok(self)
    }
}

impl IntoSession for crate::session::SessionBuilder {
    fn into_session(self) -> Result<Session> {
        self.build()
    }
}

impl IntoSession for Result<Session> {
    fn into_session(self) -> Result<Session> {
        self
    }
}

/// What `#[redengine::main]` expands to: the command line (`run`, `list`, `check`,
/// `run-task`, `--log`, `--help`; see `crate::cli`) with the session the user's function
/// builds; the exit code reports how it ended.
///
/// In a process-executor child (`REDENGINE_TASK` set) it refuses to start a scheduler:
/// the process executor is not part of this build yet, and a child must never schedule.
pub fn run<S: IntoSession>(make: fn() -> S) -> ExitCode {
    if let Some(task) = std::env::var_os(TASK_ENV) {
        eprintln!(
            "error: this process was started as a child for task {task:?} \
             ({TASK_ENV} is set), but the process executor is not available in this build; \
             unset {TASK_ENV} to start the scheduler"
        );
        return ExitCode::from(2);
    }
    crate::cli::main(std::env::args_os(), || make().into_session())
}
