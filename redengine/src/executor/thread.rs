//! The `thread` executor: each run on a thread of the shared pool
//! ([`crate::procctl::pool`]), which grows to the demand and shrinks when idle: any idle
//! thread takes any run, so a task that runs often, and a burst of many different tasks,
//! run on as many threads as run at once instead of one new thread per run. The thread
//! measures its own finish instant and reports through the scheduler's event channel,
//! which wakes the loop at once.
//!
//! While a run is on it, the thread carries the task's name at the OS level (`top -H`,
//! `ps -L`, gdb, perf; the kernel keeps 15 bytes). Its Rust name is the pool's (a thread's
//! Rust name is fixed when it starts); a body gets its task's name from
//! `TaskContext::task_name`. The thread goes back on the idle list before it reports the
//! run's end, so the launch the report sets off finds it.

use super::job::{Dispatch, Done, Executor, Job};
use crate::procctl::pool::{self, Report};

/// Runs each job on a pooled thread named (at the OS level) after its task.
pub(super) struct Threaded;

impl Executor for Threaded {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        // The name is copied onto the stack before the job moves into the errand.
        let name = pool::Name::new(&job.info.name);
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
