//! Async function tasks: a body that is a future (what `#[task] async fn` and
//! `TaskBuilder::run_async` make).
//!
//! Under `execution = "async"` the executor polls the future on a tokio runtime, so a
//! thousand runs waiting on I/O or timers share the runtime's few worker threads; a
//! termination (timeout, `end_cond`, manual, shutdown) drops the future at its next
//! `.await`. Under `execution = "process"` the child runs the same future to completion on
//! a current-thread runtime of its own ([`TaskKind::execute`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::TaskKind;
use crate::context::TaskContext;
use crate::execution::Execution;
use crate::outcome::{IntoOutcome, Outcome};
use crate::value::TypeInfo;

/// The future of one run of an async task: `'static`, so it owns everything it uses (its
/// arguments are cloned out of the [`TaskContext`] before it is made), and `Send`, so a
/// multi-thread runtime can move it between its workers.
pub type AsyncRun = Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

/// The executions an async body runs under.
const ASYNC_EXECUTIONS: &[Execution] = &[Execution::Async, Execution::Process];

/// The future-making call of an async function task.
type MakeRun = Arc<dyn Fn(&TaskContext) -> AsyncRun + Send + Sync>;

/// A task whose body is an `async fn` (or a closure returning a future). It runs under
/// `async` (the default such tasks get) and `process`; ignite refuses `main` and `thread`,
/// which would block a thread on the future.
///
/// ```
/// use redengine::kind::AsyncFunctionTask;
/// use redengine::{Execution, TaskKind, TypeInfo};
///
/// let kind = AsyncFunctionTask::new(|_ctx| async { Ok::<u32, String>(7) }, TypeInfo::of::<u32>());
/// assert_eq!(kind.executions(), &[Execution::Async, Execution::Process]);
/// ```
#[derive(Clone)]
pub struct AsyncFunctionTask {
    make: MakeRun,
    returns: TypeInfo,
}

impl AsyncFunctionTask {
    /// An async task: `make` reads what it needs from the context (synchronously) and
    /// returns the run's future; `returns` is the type of the value a successful run
    /// keeps (`TypeInfo::of::<()>()` for none).
    pub fn new<F, Fut>(make: F, returns: TypeInfo) -> Self
    where
        F: Fn(&TaskContext) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoOutcome,
    {
        AsyncFunctionTask {
            make: Arc::new(move |ctx| {
                let run = make(ctx);
                Box::pin(async move { run.await.into_outcome() })
            }),
            returns,
        }
    }

    /// From a generated shim that already returns the boxed future.
    pub(crate) fn from_shim(make: fn(&TaskContext) -> AsyncRun, returns: TypeInfo) -> Self {
        AsyncFunctionTask {
            make: Arc::new(make),
            returns,
        }
    }
}

impl fmt::Debug for AsyncFunctionTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFunctionTask")
            .field("returns", &self.returns.name())
            .finish_non_exhaustive()
    }
}

impl TaskKind for AsyncFunctionTask {
    fn kind_name(&self) -> &str {
        "async function"
    }

    fn describe(&self) -> String {
        if self.returns.is::<()>() {
            "async function".to_string()
        } else {
            format!("async function returning `{}`", self.returns.name())
        }
    }

    fn executions(&self) -> &[Execution] {
        ASYNC_EXECUTIONS
    }

    fn returns(&self) -> TypeInfo {
        self.returns
    }

    /// Runs the future to completion on a runtime of its own: how a `process` child runs
    /// an async task.
    fn execute(&self, ctx: &TaskContext) -> Outcome {
        block_on((self.make)(ctx))
    }

    fn execute_async(&self, ctx: &TaskContext) -> Option<AsyncRun> {
        Some((self.make)(ctx))
    }
}

/// Runs `run` to completion on a new current-thread runtime. Inside a runtime already
/// (a hand-written `#[tokio::main]` that serves process children), a runtime cannot be
/// started on the same thread, so it runs on a scoped thread of its own.
#[cfg(feature = "tokio")]
pub fn block_on(run: AsyncRun) -> Outcome {
    let on_own_runtime = move || match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run),
        Err(e) => Outcome::Fail(format!("cannot start a tokio runtime for the task: {e}")),
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return on_own_runtime();
    }
    std::thread::scope(|scope| match scope.spawn(on_own_runtime).join() {
        Ok(outcome) => outcome,
        Err(p) => Outcome::Fail(crate::outcome::panic_message(&*p)),
    })
}

/// Without the `tokio` feature there is no runtime: never reached, since an `async fn`
/// task does not compile then and no other kind makes an [`AsyncRun`] for this call.
#[cfg(not(feature = "tokio"))]
pub fn block_on(run: AsyncRun) -> Outcome {
    drop(run);
    Outcome::Fail(NEEDS_TOKIO.to_string())
}

/// The message of an async run in a build without the `tokio` feature.
#[cfg(not(feature = "tokio"))]
pub(crate) const NEEDS_TOKIO: &str = "async tasks need redengine's `tokio` feature: add \
    `features = [\"tokio\"]` to the program's redengine dependency and rebuild";
