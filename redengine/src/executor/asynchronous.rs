//! The `async` executor: each run is a task on a tokio runtime (the program's or the
//! session's own, see `crate::runtime`), so thousands of runs waiting on I/O or timers
//! share a few worker threads.
//!
//! A termination is real: the run's [`TerminationFlag`](crate::TerminationFlag) wakes the
//! run's task, which drops the body's future — at its next `.await`, since a future only
//! stops where it yields — so its drop guards run and the run is logged `terminate` with
//! the reason. The flag is also in the run's context for bodies that want to wind down
//! themselves. Hooks, parameter functions and the log are those of every other executor
//! ([`Job::prepare`], [`Ready::finish`](super::job::Ready::finish)).

use super::job::{Dispatch, Done, Executor, Job};

/// Spawns each job on the session's tokio runtime.
pub(super) struct OnTokio;

#[cfg(not(feature = "tokio"))]
impl Executor for OnTokio {
    fn dispatch(&self, job: Job, _done: Done) -> Dispatch {
        Dispatch::Failed(format!(
            "task '{}' uses execution `async`: {}",
            job.info.name,
            crate::kind::future::NEEDS_TOKIO
        ))
    }
}

#[cfg(feature = "tokio")]
impl Executor for OnTokio {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        let handle = match job.session.as_ref().map(|s| s.control.tokio.handle()) {
            Some(Ok(handle)) => handle,
            Some(Err(text)) => return Dispatch::Failed(text),
            None => {
                return Dispatch::Failed(format!(
                    "task '{}' uses execution `async`, which runs on the scheduler's side \
                     only",
                    job.info.name
                ))
            }
        };
        let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
        job.flag.on_set(move |_| {
            // The run may have ended already: then nobody listens, and that is fine.
            let _ = cancel.send(());
        });
        let span = job.span();
        let ended = span.clone();
        handle.spawn(span.instrument(async move {
            let ready = match job.prepare() {
                Ok(ready) => ready,
                Err(prerun) => {
                    ended.ended(crate::log::Action::Fail);
                    return done(prerun);
                }
            };
            let outcome = match ready.body.execute_async(&ready.ctx) {
                Some(run) => {
                    run::Cancellable {
                        run: Some(run),
                        cancelled,
                        listening: true,
                    }
                    .await
                }
                // A kind that lists `async` but makes no future runs in place.
                None => run::catching(|| ready.body.execute(&ready.ctx)),
            };
            ended.ended(super::job::action_of(&outcome));
            done(ready.finish(outcome));
        }));
        Dispatch::Started
    }
}

/// The future a run's task awaits: the body's, until a termination drops it.
#[cfg(feature = "tokio")]
mod run {
    use std::future::Future;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use crate::kind::AsyncRun;
    use crate::outcome::{panic_message, Outcome};

    /// The body's future, raced against the run's termination.
    pub(super) struct Cancellable {
        /// `None` once dropped by a termination.
        pub(super) run: Option<AsyncRun>,
        pub(super) cancelled: tokio::sync::oneshot::Receiver<()>,
        /// The flag's sender is alive (a receiver must not be polled after it completed).
        pub(super) listening: bool,
    }

    impl Future for Cancellable {
        type Output = Outcome;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
            let this = self.get_mut();
            if this.listening {
                match Pin::new(&mut this.cancelled).poll(cx) {
                    Poll::Ready(Ok(())) => {
                        // Dropped here, on the runtime: its drop guards run now.
                        this.run = None;
                        return Poll::Ready(Outcome::Terminated);
                    }
                    // The flag went away unset: the run can no longer be terminated.
                    Poll::Ready(Err(_)) => this.listening = false,
                    Poll::Pending => {}
                }
            }
            let Some(run) = this.run.as_mut() else {
                return Poll::Ready(Outcome::Terminated);
            };
            match catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(cx))) {
                Ok(poll) => poll,
                Err(p) => {
                    this.run = None;
                    Poll::Ready(Outcome::Fail(panic_message(&*p)))
                }
            }
        }
    }

    /// A synchronous body's outcome, a panic being a `fail`.
    pub(super) fn catching(body: impl FnOnce() -> Outcome) -> Outcome {
        match catch_unwind(AssertUnwindSafe(body)) {
            Ok(outcome) => outcome,
            Err(p) => Outcome::Fail(panic_message(&*p)),
        }
    }
}
