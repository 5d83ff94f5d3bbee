//! The `main` executor: runs the body on the scheduler thread; the cycle waits for it.

use super::job::{Dispatch, Done, Executor, Job};

/// Runs jobs inline.
pub(super) struct Inline;

impl Executor for Inline {
    fn dispatch(&self, job: Job, _done: Done) -> Dispatch {
        Dispatch::Done(job.execute())
    }
}
