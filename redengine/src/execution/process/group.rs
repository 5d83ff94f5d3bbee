//! Terminating a child's whole process group (RUNTIME.md §6): SIGTERM to the group, then
//! SIGKILL if any member is still alive [`KILL_GRACE`] later.
//!
//! The child is started with `process_group(0)`, so its pid is the group id and everything
//! it starts (`sh -c 'sleep 60'`) is in the group unless it moves itself out. The group is
//! signalled, not the pid, so grandchildren die with it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::context::TerminationReason;

/// How long the group gets between SIGTERM and SIGKILL.
pub(crate) const KILL_GRACE: Duration = Duration::from_secs(5);

/// How often the escalation thread checks whether the group is gone.
const POLL: Duration = Duration::from_millis(20);

/// A child's process group.
pub(crate) struct Group {
    pgid: Pid,
    task: String,
    /// The direct child was reaped (its pid may be reused once the group is empty).
    reaped: AtomicBool,
}

impl Group {
    pub(crate) fn new(pid: u32, task: &str) -> Arc<Group> {
        Arc::new(Group {
            pgid: Pid::from_raw(i32::try_from(pid).unwrap_or(i32::MAX)),
            task: task.to_string(),
            reaped: AtomicBool::new(false),
        })
    }

    /// Records that the direct child was reaped.
    pub(crate) fn mark_reaped(&self) {
        self.reaped.store(true, Ordering::SeqCst);
    }

    /// SIGKILL to the group at once (a child nobody can supervise).
    pub(crate) fn kill_now(&self) {
        let _ = killpg(self.pgid, Signal::SIGKILL);
    }

    /// Whether any member of the group is alive (or a zombie not reaped yet).
    fn alive(&self) -> bool {
        !matches!(killpg(self.pgid, None), Err(Errno::ESRCH))
    }

    /// SIGTERM to the group now; SIGKILL from a helper thread if a member is still alive
    /// after [`KILL_GRACE`]. Never blocks the caller (the scheduler thread).
    pub(crate) fn terminate(self: &Arc<Self>, reason: TerminationReason) {
        if self.reaped.load(Ordering::SeqCst) && !self.alive() {
            return;
        }
        ::log::info!(
            target: "redengine::scheduler",
            "terminating task '{}' ({reason}): SIGTERM to process group {}",
            self.task,
            self.pgid
        );
        if let Err(e) = killpg(self.pgid, Signal::SIGTERM) {
            if e != Errno::ESRCH {
                ::log::error!(
                    target: "redengine::scheduler",
                    "cannot signal process group {} of task '{}': {e}",
                    self.pgid,
                    self.task
                );
            }
            return;
        }
        let group = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("redengine:kill:{}", self.pgid))
            .spawn(move || group.escalate());
        if let Err(e) = spawned {
            ::log::error!(
                target: "redengine::scheduler",
                "cannot start the SIGKILL timer for task '{}' ({e}); sending SIGKILL now",
                self.task
            );
            let _ = killpg(self.pgid, Signal::SIGKILL);
        }
    }

    /// Waits for the group to empty, up to [`KILL_GRACE`], then SIGKILLs what is left.
    fn escalate(&self) {
        let until = Instant::now() + KILL_GRACE;
        while Instant::now() < until {
            if !self.alive() {
                return;
            }
            std::thread::park_timeout(POLL);
        }
        if self.alive() {
            ::log::warn!(
                target: "redengine::scheduler",
                "task '{}' still runs {}s after SIGTERM: SIGKILL to process group {}",
                self.task,
                KILL_GRACE.as_secs(),
                self.pgid
            );
            if let Err(e) = killpg(self.pgid, Signal::SIGKILL) {
                if e != Errno::ESRCH {
                    ::log::error!(
                        target: "redengine::scheduler",
                        "cannot SIGKILL process group {} of task '{}': {e}",
                        self.pgid,
                        self.task
                    );
                }
            }
        }
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
