//! Task events and runs on `tracing` (the `tracing` feature): every record the scheduler
//! writes is also a `tracing` event, and every run executes inside a span, both with the
//! fields `task_name` and `action` (the span also `run`, the run's id, `attempt` and
//! `execution`), on the target `redengine::task`. `tracing-subscriber`'s formatter then
//! shows the task of every line a task body logs, and JSON layers get the fields.
//!
//! The `log` facade output (`super::facade::emit`) stays: a program that bridges
//! `log` into `tracing` (`tracing-log`) sees each record twice, so such a program filters
//! the target `redengine::task` out of the bridge.
//!
//! Without the feature the span is an empty value and every call compiles to nothing.

use super::{Action, TaskRecord};

/// The span of one run: entered while its hooks, parameter functions and body run.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunSpan {
    #[cfg(feature = "tracing")]
    span: Option<tracing::Span>,
}

impl RunSpan {
    /// The span of run `run` (attempt `attempt`) of `task` under `execution`; its
    /// `action` is recorded when the run ends.
    pub(crate) fn new(task: &str, run: u64, attempt: u32, execution: &str) -> RunSpan {
        #[cfg(feature = "tracing")]
        {
            RunSpan {
                span: Some(tracing::info_span!(
                    target: super::facade::TASK_TARGET,
                    "run",
                    task_name = task,
                    run,
                    attempt,
                    execution,
                    action = tracing::field::Empty,
                )),
            }
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = (task, run, attempt, execution);
            RunSpan {}
        }
    }

    /// Runs `f` inside the span.
    pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        if let Some(span) = &self.span {
            return span.in_scope(f);
        }
        f()
    }

    /// Records how the run ended on the span.
    pub(crate) fn ended(&self, action: Action) {
        #[cfg(feature = "tracing")]
        if let Some(span) = &self.span {
            span.record("action", action.as_str());
        }
        #[cfg(not(feature = "tracing"))]
        let _ = action;
    }

    /// `future`, polled inside the span (an async run).
    #[cfg(feature = "tokio")]
    pub(crate) fn instrument<F: std::future::Future>(
        &self,
        future: F,
    ) -> impl std::future::Future<Output = F::Output> {
        #[cfg(feature = "tracing")]
        {
            let span = self.span.clone().unwrap_or_else(tracing::Span::none);
            tracing::Instrument::instrument(future, span)
        }
        #[cfg(not(feature = "tracing"))]
        future
    }
}

/// `record` as a `tracing` event: INFO (ERROR for `fail`), fields `task_name`, `action`
/// and, for a failure, `exc_text`; the message is the record's.
pub(crate) fn event(record: &TaskRecord) {
    #[cfg(feature = "tracing")]
    {
        let task_name = record.task_name.as_str();
        let action = record.action.as_str();
        let message = record.message.as_str();
        if record.action == Action::Fail {
            tracing::error!(
                target: super::facade::TASK_TARGET,
                task_name,
                action,
                exc_text = record.exc_text.as_str(),
                "{message}"
            );
        } else {
            tracing::info!(target: super::facade::TASK_TARGET, task_name, action, "{message}");
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = record;
}
