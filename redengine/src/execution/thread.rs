//! The `thread` executor: one OS thread per run. The thread measures its own finish
//! instant and reports through the scheduler's event channel, which wakes the loop at once.

use super::job::{Dispatch, Done, Executor, Job};

/// Runs each job on a new thread named after its task.
pub(super) struct Threaded;

impl Executor for Threaded {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        let name = format!("redengine:{}", job.info.name);
        let spawned = std::thread::Builder::new()
            .name(name)
            .spawn(move || done(job.execute()));
        match spawned {
            Ok(_) => Dispatch::Started,
            Err(e) => Dispatch::Failed(format!("could not spawn a thread: {e}")),
        }
    }
}
