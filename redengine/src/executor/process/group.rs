//! The process executor's use of a child's process group (see [`crate::procctl`]):
//! terminated from the scheduler thread without blocking it, with [`KILL_GRACE`] between
//! SIGTERM and SIGKILL.

use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::context::TerminationReason;
use crate::procctl;

/// How long the group gets between SIGTERM and SIGKILL.
pub(crate) const KILL_GRACE: Duration = Duration::from_secs(5);

/// A child's process group.
pub(crate) struct Group(Arc<procctl::Group>);

impl Group {
    pub(crate) fn new(pid: u32, task: &str) -> Arc<Group> {
        Arc::new(Group(procctl::Group::new(pid, task)))
    }

    /// Records that the direct child was reaped.
    pub(crate) fn mark_reaped(&self) {
        self.0.mark_reaped();
    }

    /// SIGKILL to the group at once (a child nobody can supervise).
    pub(crate) fn kill_now(&self) {
        self.0.kill();
    }

    /// SIGTERM to the group now; SIGKILL from a timer thread if a member is still alive
    /// after [`KILL_GRACE`]. Never blocks the caller (the scheduler thread).
    pub(crate) fn terminate(&self, reason: TerminationReason) {
        self.0.terminate(KILL_GRACE, reason.as_str());
    }
}

/// A readable description of a child's exit status for `exc_text`.
pub(crate) fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        let name =
            Signal::try_from(signal).map_or_else(|_| "unknown".to_string(), |s| s.to_string());
        let core = if status.core_dumped() {
            ", core dumped"
        } else {
            ""
        };
        format!("killed by signal {signal} ({name}{core})")
    } else {
        match status.code() {
            Some(code) => format!("exited with code {code}"),
            None => format!("ended with status {status}"),
        }
    }
}
