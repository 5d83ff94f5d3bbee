//! Process control shared by everything that starts processes: the process executor's
//! children and the command kind's commands.
//!
//! * [`Group`]: every process the scheduler starts leads its own process group, so a
//!   task's grandchildren can be signalled with it. Termination is one mechanism: SIGTERM
//!   to the group, then SIGKILL to whatever is left once the grace period is over.
//!   [`Group::terminate`] never blocks (the escalation runs on a timer thread), so the
//!   scheduler thread can call it; a caller that wants to block waits for its own child.
//! * [`Tail`] and [`Reader`]: the last few KiB of a child's output, read on a helper thread
//!   so a chatty child never blocks on a full pipe (the process executor's waiter reads its
//!   child's stderr into a `Tail` itself, beside the child's socket).
//! * [`lifeline`]: how a child notices that the scheduler died. The scheduler keeps one
//!   end of a socket whose other end the child watches; the kernel closes the scheduler's
//!   end when it dies, however it dies, and the child then terminates its own group.
//! * [`supervisor`]: a command does not watch a lifeline by itself, so the command kind
//!   runs it under a small supervisor (the scheduler's own binary, re-executed) that does.
//! * [`pool`]: the helper threads all of this (and the `thread` executor) runs on, named
//!   and kept idle for reuse, so a run does not pay for creating and ending threads.
//!
//! `docs/processes.md` describes the behaviour for users.

mod group;
pub(crate) mod lifeline;
pub(crate) mod pool;
pub(crate) mod supervisor;
mod tail;

pub(crate) use self::group::Group;
pub(crate) use self::tail::{Reader, Tail, TAIL_BYTES};

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once this binary's `main` went through `redengine::run_child_if_requested` (or the
/// generated `main`): only then does re-executing it reach the child side (a process
/// child or a supervisor), so only then may the scheduler start them. (A test harness
/// re-executed with `REDENGINE_TASK` would run every test again instead.)
static SERVES_CHILDREN: AtomicBool = AtomicBool::new(false);

/// Marks this binary as able to run process children and supervisors when re-executed.
pub(crate) fn mark_serving_children() {
    SERVES_CHILDREN.store(true, Ordering::SeqCst);
}

/// Whether this binary's `main` runs process children and supervisors when re-executed.
pub(crate) fn serves_children() -> bool {
    SERVES_CHILDREN.load(Ordering::SeqCst)
}
