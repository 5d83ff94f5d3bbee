//! The `thread` executor: each run on its own OS thread named after its task, taken from a
//! pool that grows to the demand and shrinks when idle ([`crate::procctl::pool`]). The
//! thread measures its own finish instant and reports through the scheduler's event
//! channel, which wakes the loop at once.
//!
//! A thread's name cannot change once it runs, and a run sees `redengine:<task>` as its
//! thread's name, so idle threads are kept per task name: a task that runs again reuses
//! the thread its last run finished on instead of paying for a new one. The thread goes
//! back on the idle list before it reports the run's end, so the next launch always finds
//! it. Idle threads end after a while, and only so many wait at once, so a burst of many
//! different tasks leaves nothing behind.

use super::job::{Dispatch, Done, Executor, Job};
use crate::procctl::pool::{self, Report};

/// Runs each job on a thread named after its task.
pub(super) struct Threaded;

impl Executor for Threaded {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        let name = format!("redengine:{}", job.info.name);
        let errand = Box::new(move || {
            // The run's own panics (body, hooks, parameter functions) are caught in
            // `execute`.
            let result = job.execute();
            Some(Box::new(move || done(result)) as Report)
        });
        match pool::run(name, errand) {
            Ok(()) => Dispatch::Started,
            Err(e) => Dispatch::Failed(format!("could not spawn a thread: {e}")),
        }
    }
}
