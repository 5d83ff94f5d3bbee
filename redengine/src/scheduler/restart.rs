//! One `run()`: the scheduler's lifetime, repeated in-process on a `recall` restart, or
//! replaced by a fresh process on a `replace` restart (docs/runtime.md, "Restart").

use std::sync::atomic::Ordering;

use super::Scheduler;
use crate::config::Restarting;
use crate::error::{Error, ErrorKind, Result};
use crate::session::Session;

/// `run()` and `run_tasks()`: ignite, start-up, loop, shutdown, restart.
pub(super) fn run(session: &mut Session, only: Option<(Vec<String>, bool)>) -> Result<()> {
    loop {
        let mut sched = Scheduler::new(session, only.as_ref())?;
        let guard = crate::signals::install(
            &sched.s.control,
            sched.s.config.handle_signals,
            &sched.alarm,
        );
        let result = sched.lifetime();
        drop(guard);
        let control = &session.control;
        control.signals.store(0, Ordering::SeqCst);
        let restart = control.restart.swap(false, Ordering::SeqCst);
        control.shutdown.store(false, Ordering::SeqCst);
        if result.is_err() || !restart {
            return result;
        }
        // A restart starts with no return values, as a new process would.
        session.returns.clear();
        if session.config.restarting == Restarting::Replace {
            return exec_self();
        }
    }
}

/// Replaces this process with a fresh run of the same executable, arguments and
/// environment (`restarting = replace`). Returns only if that fails.
fn exec_self() -> Result<()> {
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
