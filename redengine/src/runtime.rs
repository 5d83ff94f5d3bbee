//! The tokio runtime `execution = "async"` runs futures on: the program's, given with
//! `SessionBuilder::tokio_handle` (or adopted by `Session::run_async`), else one the
//! session owns, made at the first async launch with a few worker threads. Without the
//! `tokio` feature this is an empty placeholder, so the rest of the crate needs no `cfg`.

#[cfg(feature = "tokio")]
use std::sync::Mutex;

/// Worker threads of the runtime a session makes for itself: async work waits, it does
/// not compute, so a couple of threads carry thousands of runs.
#[cfg(feature = "tokio")]
pub(crate) const DEFAULT_WORKERS: usize = 2;

/// Where async runs go. Shared (through the session's control block) by the scheduler
/// and every handle.
#[derive(Default)]
pub(crate) struct AsyncRuntime {
    #[cfg(feature = "tokio")]
    inner: Mutex<Inner>,
}

#[cfg(feature = "tokio")]
#[derive(Default)]
struct Inner {
    /// The program's runtime.
    given: Option<tokio::runtime::Handle>,
    /// `given` was adopted by `run_async`, not set by the user: forgotten when it ends.
    adopted: bool,
    /// The session's own runtime, made on first use.
    owned: Option<tokio::runtime::Runtime>,
    /// Worker threads of `owned` (0: [`DEFAULT_WORKERS`]).
    workers: usize,
}

#[cfg(feature = "tokio")]
impl AsyncRuntime {
    /// Runs on `given` if set, else on a runtime of its own with `workers` threads.
    pub(crate) fn new(given: Option<tokio::runtime::Handle>, workers: usize) -> Self {
        AsyncRuntime {
            inner: Mutex::new(Inner {
                given,
                adopted: false,
                owned: None,
                workers,
            }),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The runtime to spawn a run on; making the session's own one fails only if the OS
    /// refuses its threads (the text says so, as a pre-run failure).
    pub(crate) fn handle(&self) -> Result<tokio::runtime::Handle, String> {
        let mut inner = self.inner();
        if let Some(given) = &inner.given {
            return Ok(given.clone());
        }
        if let Some(owned) = &inner.owned {
            return Ok(owned.handle().clone());
        }
        let workers = match inner.workers {
            0 => DEFAULT_WORKERS,
            n => n,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("redengine:async")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the tokio runtime for async tasks: {e}"))?;
        let handle = runtime.handle().clone();
        inner.owned = Some(runtime);
        Ok(handle)
    }

    /// Runs async tasks on the caller's runtime while `run_async` runs, unless the user
    /// gave one.
    pub(crate) fn adopt(&self, handle: tokio::runtime::Handle) {
        let mut inner = self.inner();
        if inner.given.is_none() && inner.owned.is_none() {
            inner.given = Some(handle);
            inner.adopted = true;
        }
    }

    /// Forgets a runtime adopted by `run_async`.
    pub(crate) fn release(&self) {
        let mut inner = self.inner();
        if inner.adopted {
            inner.given = None;
            inner.adopted = false;
        }
    }
}

#[cfg(feature = "tokio")]
impl Drop for AsyncRuntime {
    /// The owned runtime may be dropped on a runtime thread (a handle dropped inside async
    /// code), where a blocking shutdown would panic: it is shut down in the background.
    fn drop(&mut self) {
        if let Some(runtime) = self.inner().owned.take() {
            runtime.shutdown_background();
        }
    }
}
