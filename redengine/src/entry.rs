//! Process-level entry points: the generated `main`, and the process-child dispatch a
//! hand-written `main` calls first.

use std::process::ExitCode;

#[cfg(unix)]
mod child;

pub use crate::task_env::TASK_ENV;

pub use crate::session::IntoSession;

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
///     // Task events on the console, as the generated `main` shows them (kept off if a
///     // logger is installed already).
///     redengine::console::init();
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
    crate::procctl::mark_serving_children();
    #[cfg(unix)]
    if let Some(code) = crate::procctl::supervisor::serve_if_requested() {
        return Some(code);
    }
    if !crate::task_env::in_task_child() {
        return None;
    }
    #[cfg(unix)]
    {
        Some(child::serve(make))
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

/// What `#[redengine::main]` expands to, and the entry point of a hand-written `main`
/// that wants the same program: in a process-task child, run that task and report
/// ([`run_child_if_requested`]); otherwise the command line (`run`, `list`, `check`,
/// `run-task`, `--log`, `--help`, read from the process's arguments) with the session
/// `make` builds, and the [console logger](crate::console) unless `make` installed a
/// logger. The exit code reports how it ended.
///
/// ```no_run
/// use std::process::ExitCode;
/// use redengine::{Session, SessionBuilder};
///
/// fn session() -> SessionBuilder {
///     Session::from_registry().log_memory()
/// }
///
/// fn main() -> ExitCode {
///     // … anything without side effects: process children run this `main` too …
///     redengine::run_cli(session)
/// }
/// ```
pub fn run<S: IntoSession>(make: fn() -> S) -> ExitCode {
    run_with_args(std::env::args_os(), make)
}

/// Like [`run_cli`](crate::run_cli), with the command line given: `args` starts with the
/// program's name, then the command and its options (`["app", "list", "--json"]`). For
/// a program whose own command line hands the rest of its arguments to the scheduler.
/// Process children re-execute the program with its original arguments, so the program
/// must reach this call (or [`run_child_if_requested`]) again in the child.
pub fn run_with_args<S: IntoSession>(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    make: fn() -> S,
) -> ExitCode {
    if let Some(code) = run_child_if_requested(make) {
        return code;
    }
    crate::cli::main(args, || {
        let session = make().into_session();
        // After the user's function: a logger it installed is kept.
        crate::console::install_default();
        session
    })
}
