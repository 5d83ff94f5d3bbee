//! The environment variable that marks a process-task child.
//!
//! A leaf of its own because both ends of the process executor read it (the scheduler
//! sets it when it spawns a child, the child's `main` looks for it first), and so does the
//! console logger, which a child must not install: a child's standard error is forwarded
//! to its scheduler's log, which formats it once.

/// The environment variable that marks a process-executor child: it names the task.
pub const TASK_ENV: &str = "REDENGINE_TASK";

/// Whether this process is a process-task child (its scheduler set [`TASK_ENV`]).
pub(crate) fn in_task_child() -> bool {
    std::env::var_os(TASK_ENV).is_some()
}
