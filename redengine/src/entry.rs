//! Process-level entry points: restart by re-executing the binary (RUNTIME.md §4.6).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Set once this binary's `main` went through [`run`] or [`run_child_if_requested`]: only
/// then does re-executing it reach the child side, so only then may the scheduler start
/// process children. (A test harness re-executed with `REDENGINE_TASK` would run every
/// test again instead.)
static SERVES_CHILDREN: AtomicBool = AtomicBool::new(false);

/// Whether this binary's `main` runs process children when re-executed.
pub(crate) fn serves_children() -> bool {
    SERVES_CHILDREN.load(Ordering::SeqCst)
}

/// For a hand-written `main`: if this process was started by the scheduler as a
/// process-task child, runs that task and returns the exit code to return from `main`
/// (likewise as a command task's supervisor, see `docs/processes.md`); otherwise returns
/// `None` and marks the binary as able to run process tasks.
///
/// Call it first thing in `main`, before anything with side effects, with the function
/// that builds the session: the child builds the same session (same tasks, parameters,
/// hooks) but never schedules. `#[redengine::main]` does this for you.
///
/// ```
/// use std::process::ExitCode;
/// use redengine::{Session, Task};
///
/// fn session() -> Session {
///     Session::builder()
///         .log_memory()
///         .shut_cond("true")
///         .task(Task::builder("hello").start_cond("true").run(|_| println!("hello")))
///         .build()
///         .expect("a valid session")
/// }
///
/// fn main() -> ExitCode {
///     if let Some(code) = redengine::run_child_if_requested(session) {
///         return code; // we were a process task's child: its outcome is reported
///     }
///     match session().run() {
///         Ok(()) => ExitCode::SUCCESS,
///         Err(e) => {
///             eprintln!("error: {e}");
///             ExitCode::FAILURE
///         }
///     }
/// }
/// ```
///
/// # The child protocol
///
/// The scheduler re-executes `std::env::current_exe()` with the same arguments, in a new
/// process group, with `REDENGINE_TASK` (the task's name) and `REDENGINE_RUN` (the run's
/// id) set and a connected Unix socket as standard input. It writes one JSON line (the
/// task's serialized value parameters and `Return` values, and which parameters are
/// `#[param]` functions to call here); the child moves the socket off standard input
/// (`/dev/null` takes its place), runs the task-execute hooks, the parameter functions
/// and the body, and answers with one JSON line: outcome, error text, finish instant and
/// the serialized return value. Standard output is inherited; standard error is forwarded
/// line by line to the scheduler's log facade (target `redengine::task`), and its tail is
/// kept for the `fail` record of a child that dies without answering.
pub fn run_child_if_requested<S: IntoSession>(make: fn() -> S) -> Option<ExitCode> {
    SERVES_CHILDREN.store(true, Ordering::SeqCst);
    #[cfg(unix)]
    if let Some(code) = crate::procctl::supervisor::serve_if_requested() {
        return Some(code);
    }
    std::env::var_os(TASK_ENV)?;
    #[cfg(unix)]
    {
        Some(crate::execution::process::child::serve(make))
    }
    #[cfg(not(unix))]
    {
        let _ = make;
        eprintln!(
            "error: {TASK_ENV} is set, but process tasks need a Unix system; unset {TASK_ENV}"
        );
        Some(ExitCode::from(2))
    }
}

/// What `#[redengine::main]` expands to: in a process-task child, run that task and
/// report ([`run_child_if_requested`]); otherwise the command line (`run`, `list`,
/// `check`, `run-task`, `--log`, `--help`; see `crate::cli`) with the session the user's
/// function builds. The exit code reports how it ended.
pub fn run<S: IntoSession>(make: fn() -> S) -> ExitCode {
    if let Some(code) = run_child_if_requested(make) {
        return code;
    }
    crate::cli::main(std::env::args_os(), || make().into_session())
}
