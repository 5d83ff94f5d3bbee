//! The executors: how one run is carried out, on the scheduler's thread, a pooled thread,
//! a child process, a tokio task or a cluster worker.
//!
//! Their names ([`Execution`], a leaf module of its own) are the vocabulary the model
//! (tasks, config, hooks) imports; the executor seam ([`job`]) and the executors import the
//! model, never the other way round.

mod asynchronous;
mod inline;
pub(crate) mod job;
#[cfg(unix)]
pub(crate) mod process;
mod thread;

use self::job::Executor;
#[cfg(not(unix))]
use self::job::{Dispatch, Done};
use crate::execution::Execution;

/// The `process` executor where there are no Unix process groups: dispatching is a
/// pre-run failure that names the fix.
#[cfg(not(unix))]
struct NoProcess;

#[cfg(not(unix))]
impl Executor for NoProcess {
    fn dispatch(&self, job: Job, _done: Done) -> Dispatch {
        Dispatch::Failed(format!(
            "task '{}' uses execution `process`, which needs a Unix system (process groups \
             and signals); set `execution = \"thread\"` on the task, or the session config \
             `task_execution` to `thread` or `main`",
            job.info.name
        ))
    }
}

/// The `worker` executor in a build without the `postgres` feature.
#[cfg(not(feature = "postgres"))]
struct NoWorker;

#[cfg(not(feature = "postgres"))]
impl Executor for NoWorker {
    fn dispatch(&self, job: job::Job, _done: job::Done) -> job::Dispatch {
        job::Dispatch::Failed(format!(
            "task '{}' uses execution `worker`: {}",
            job.info.name,
            crate::log::NO_FEATURE
        ))
    }
}

/// The executor for `execution`.
pub(crate) fn executor(execution: Execution) -> &'static dyn Executor {
    match execution {
        Execution::Main => &inline::Inline,
        Execution::Thread => &thread::Threaded,
        #[cfg(unix)]
        Execution::Process => &process::Process,
        #[cfg(not(unix))]
        Execution::Process => &NoProcess,
        Execution::Async => &asynchronous::OnTokio,
        // cluster: queued for the cluster's workers.
        #[cfg(feature = "postgres")]
        Execution::Worker => &crate::cluster::queue::Queue,
        #[cfg(not(feature = "postgres"))]
        Execution::Worker => &NoWorker,
    }
}
