//! The scheduler inside an async program: [`Session::run_async`] and
//! [`Session::run_until`] run the loop on a thread of its own (the loop blocks between
//! cycles, which must never happen on a runtime worker) and resolve when it ends.

use std::future::Future;
use std::pin::{pin, Pin};

use crate::error::Result;
use crate::handle::SessionHandle;
use crate::session::Session;

impl Session {
    /// Runs the scheduler from async code: the loop runs on its own thread and this
    /// resolves when it ends, with what [`Session::run`] returns. Stop it from the program
    /// with [`SessionHandle::shutdown`] (take the handle first with [`Session::handle`]),
    /// or use [`Session::run_until`]. Dropping the future before it resolves also asks
    /// the scheduler to shut down (gracefully, without waiting for it).
    ///
    /// Unless [`SessionBuilder::tokio_handle`](crate::SessionBuilder::tokio_handle) gave
    /// one, `execution = "async"` tasks run on the runtime this is awaited on. Signal
    /// handling is what the session says: turn it off with
    /// [`SessionBuilder::handle_signals`](crate::SessionBuilder::handle_signals)`(false)`
    /// when the program handles signals itself.
    ///
    /// ```
    /// # async fn example() -> redengine::Result<()> {
    /// use redengine::{Session, Task};
    ///
    /// let session = Session::builder()
    ///     .log_memory()
    ///     .handle_signals(false)
    ///     .task(Task::builder("tick").start_cond("every 1 second").run_async(|_| async {}))
    ///     .build()?;
    /// let handle = session.handle();
    /// let running = tokio::spawn(session.run_async());
    /// // … the program's own work …
    /// handle.shutdown();
    /// running.await.expect("the scheduler's task")?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_async(self) -> Result<()> {
        self.run_until(std::future::pending::<()>()).await
    }

    /// Like [`Session::run_async`], and shuts the scheduler down gracefully when `stop`
    /// completes (a cancellation token's `cancelled()`, a `tokio::signal::ctrl_c()`, a
    /// channel): the program's shutdown drives the scheduler's.
    pub async fn run_until<F: Future>(self, stop: F) -> Result<()> {
        let mut session = self;
        if let Ok(current) = tokio::runtime::Handle::try_current() {
            session.control.tokio.adopt(current);
        }
        let handle = session.handle();
        let (report, result) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("redengine:scheduler".to_string())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let result = session.run();
                    session.control.tokio.release();
                    result
                }));
                let _ = report.send(outcome);
            });
        if let Err(e) = spawned {
            // As `std::thread::spawn` does: the OS refused a thread.
            panic!("cannot start the scheduler thread: {e}");
        }
        let mut guard = StopOnDrop(Some(handle));
        let mut stop = pin!(stop);
        let mut result = result;
        let mut asked = false;
        let outcome = std::future::poll_fn(|cx| {
            if !asked && stop.as_mut().poll(cx).is_ready() {
                asked = true;
                if let Some(handle) = &guard.0 {
                    handle.shutdown();
                }
            }
            Pin::new(&mut result).poll(cx)
        })
        .await;
        guard.0 = None;
        match outcome {
            Ok(Ok(result)) => result,
            // The loop panicked: the panic goes on here, as a joined thread's would.
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => unreachable!("the scheduler thread reports before it ends"),
        }
    }
}

/// Asks the scheduler to shut down if the future driving it is dropped early.
struct StopOnDrop(Option<SessionHandle>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            handle.shutdown();
        }
    }
}
