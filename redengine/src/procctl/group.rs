//! A process group: SIGTERM to all of it, SIGKILL to what is left after a grace period.
//!
//! Children are started with `process_group(0)`, so a child's pid is its group id and
//! everything it starts (`sh -c 'sleep 60'`) is in the group unless it moves itself out.
//! The group is signalled, not the pid, so grandchildren end with their parent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::{getpgrp, getpid, Pid};

/// How often an escalation checks whether the group is gone.
const POLL: Duration = Duration::from_millis(20);

/// A process group the scheduler (or a supervisor inside it) controls.
pub(crate) struct Group {
    pgid: Pid,
    /// Names the group in log messages (the task's name).
    label: String,
    /// The caller is a member itself (a child terminating its own group): "alive" then
    /// means "has members other than this process", and the final SIGKILL ends the caller.
    inside: bool,
    /// The leader was reaped (its pid may be reused once the group is empty).
    reaped: AtomicBool,
}

impl Group {
    /// The group led by the child `leader` (started with `process_group(0)`).
    pub(crate) fn new(leader: u32, label: &str) -> Arc<Group> {
        Arc::new(Group {
            pgid: Pid::from_raw(i32::try_from(leader).unwrap_or(i32::MAX)),
            label: label.to_string(),
            inside: false,
            reaped: AtomicBool::new(false),
        })
    }

    /// This process's own group, if this process leads it (a child or a supervisor does;
    /// anything else must not signal a group it did not make).
    pub(crate) fn own(label: &str) -> Option<Group> {
        let pgid = getpgrp();
        (pgid == getpid()).then(|| Group {
            pgid,
            label: label.to_string(),
            inside: true,
            reaped: AtomicBool::new(false),
        })
    }

    /// Records that the leader was reaped.
    pub(crate) fn mark_reaped(&self) {
        self.reaped.store(true, Ordering::SeqCst);
    }

    /// SIGKILL to the whole group at once.
    pub(crate) fn kill(&self) {
        let _ = killpg(self.pgid, Signal::SIGKILL);
    }

    /// Whether any member exists. From outside, a zombie not reaped yet counts (the group
    /// id stays taken while it exists, so signalling it is harmless); from inside, only
    /// other members that are not zombies count.
    pub(crate) fn alive(&self) -> bool {
        if self.inside {
            return others_in_group(self.pgid).unwrap_or(true);
        }
        !matches!(killpg(self.pgid, None), Err(Errno::ESRCH))
    }

    /// Whether a member still runs: like [`Group::alive`], but zombies (killed members
    /// that a non-reaping init leaves behind) do not count where `/proc` can tell.
    fn running(&self) -> bool {
        self.alive() && others_in_group(self.pgid).unwrap_or(true)
    }

    /// SIGTERM to the group now; SIGKILL from a timer thread if anything is still alive
    /// after `grace`. Never blocks the caller. `why` is logged with the SIGTERM.
    pub(crate) fn terminate(self: &Arc<Self>, grace: Duration, why: &str) {
        if self.reaped.load(Ordering::SeqCst) && !self.alive() {
            return;
        }
        ::log::info!(
            target: "redengine::scheduler",
            "terminating task '{}' ({why}): SIGTERM to process group {}",
            self.label,
            self.pgid
        );
        if !self.signal(Signal::SIGTERM) {
            return;
        }
        let group = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("redengine:kill:{}", self.pgid))
            .spawn(move || group.escalate(grace));
        if let Err(e) = spawned {
            ::log::error!(
                target: "redengine::scheduler",
                "cannot start the SIGKILL timer for task '{}' ({e}); sending SIGKILL now",
                self.label
            );
            self.kill();
        }
    }

    /// Sends `signal` to the group; `false` if the group is gone or cannot be signalled.
    pub(crate) fn signal(&self, signal: Signal) -> bool {
        match killpg(self.pgid, signal) {
            Ok(()) => true,
            Err(Errno::ESRCH) => false,
            Err(e) => {
                ::log::error!(
                    target: "redengine::scheduler",
                    "cannot send {signal} to process group {} of task '{}': {e}",
                    self.pgid,
                    self.label
                );
                false
            }
        }
    }

    /// Waits (blocking) for the group to empty, up to `grace`, then SIGKILLs what is left.
    /// From inside the group the SIGKILL is sent whatever happened: it ends the caller.
    pub(crate) fn escalate(&self, grace: Duration) {
        let until = Instant::now() + grace;
        while Instant::now() < until {
            if !self.alive() {
                break;
            }
            std::thread::park_timeout(POLL);
        }
        if self.inside {
            self.kill();
        } else if self.running() {
            ::log::warn!(
                target: "redengine::scheduler",
                "task '{}' still runs {}s after SIGTERM: SIGKILL to process group {}",
                self.label,
                grace.as_secs(),
                self.pgid
            );
            self.signal(Signal::SIGKILL);
        }
    }
}

/// Whether a process other than this one (and not a zombie) is in group `pgid`; `None`
/// where `/proc` cannot tell.
fn others_in_group(pgid: Pid) -> Option<bool> {
    let me = getpid().as_raw();
    let entries = std::fs::read_dir("/proc").ok()?;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
        if pgrp == Some(pgid.as_raw()) && state != "Z" && state != "X" {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_that_leads_no_group_has_no_own_group() {
        // The test harness runs in its shell's (or cargo's) group, which it does not lead.
        if getpgrp() != getpid() {
            assert!(Group::own("test").is_none());
        }
    }

    #[test]
    fn terminate_ends_the_group_and_escalates_to_sigkill() {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        // A group whose leader ignores SIGTERM: only the SIGKILL ends it. It says `ready`
        // once the trap is set.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "trap '' TERM; echo ready; while :; do sleep 0.05; done",
            ])
            .stdout(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut ready = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready, "ready\n");
        let group = Group::new(child.id(), "stubborn");
        group.terminate(Duration::from_millis(200), "test");
        let status = child.wait().unwrap();
        group.mark_reaped();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status}");
    }
}
