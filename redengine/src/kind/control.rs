//! The built-in control tasks `ShutDown` and `Restart` (docs/runtime.md, "Shutdown" and
//! "Restart"). Give them a start condition like any task —
//! `Task::builder("nightly restart").start_cond("daily after 03:00").kind(Restart)` — and
//! when one runs it asks the scheduler to stop (or restart) gracefully. The run is logged
//! `success`; the cycle ends right after it, without the cycle's post hooks.

use crate::context::TaskContext;
use crate::execution::Execution;
use crate::outcome::Outcome;

use super::TaskKind;

/// The executions a control task can run under: it needs the scheduler's handle, which a
/// process child does not have.
const ON_SCHEDULER: &[Execution] = &[Execution::Main, Execution::Thread];

/// A task that shuts the scheduler down gracefully when it runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShutDown;

/// A task that restarts the scheduler when it runs (per the `restarting` config).
#[derive(Debug, Clone, Copy, Default)]
pub struct Restart;

fn request(ctx: &TaskContext, what: &str, act: impl FnOnce(&crate::SessionHandle)) -> Outcome {
    match ctx.session() {
        Some(handle) => {
            act(handle);
            Outcome::Success(None)
        }
        None => Outcome::Fail(format!(
            "task '{}' cannot request a {what}: it runs without a scheduler \
             (use execution `main` or `thread`)",
            ctx.task_name()
        )),
    }
}

impl TaskKind for ShutDown {
    fn kind_name(&self) -> &str {
        "shutdown"
    }

    fn describe(&self) -> String {
        "shuts the scheduler down gracefully".to_string()
    }

    fn executions(&self) -> &[Execution] {
        ON_SCHEDULER
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        request(ctx, "shutdown", crate::SessionHandle::shutdown)
    }
}

impl TaskKind for Restart {
    fn kind_name(&self) -> &str {
        "restart"
    }

    fn describe(&self) -> String {
        "restarts the scheduler".to_string()
    }

    fn executions(&self) -> &[Execution] {
        ON_SCHEDULER
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        request(ctx, "restart", crate::SessionHandle::restart)
    }
}
