//! How a task builder finishes: with its body, a function (`run`, `run_serde`,
//! `run_async`) or any [`TaskKind`].

use std::any::Any;
use std::sync::Arc;

use super::setup::shared_setup;
use super::share::{stateless_body, Made};
use super::{Task, TaskBuilder};
use crate::context::TaskContext;
use crate::execution::Execution;
use crate::kind::TaskKind;
use crate::outcome::{IntoOutcome, Outcome};
use crate::value::TypeInfo;

// perf (memory, start-up): one allocation per task for its body, where a `FunctionTask`
// keeps the function behind a second one.
/// The kind [`TaskBuilder::run`] and [`TaskBuilder::run_serde`] make: a function task
/// (what a [`FunctionTask`] is, named and described the same) holding its function.
// perf (memory): what the function returns as a function pointer (8 bytes) rather than
// the 24-byte `TypeInfo`: a body without captures is 24 bytes with its counts, not 40.
struct RunFn<F> {
    call: F,
    returns: fn() -> TypeInfo,
}

impl<F> TaskKind for RunFn<F>
where
    F: Fn(&TaskContext) -> Outcome + Send + Sync + 'static,
{
    fn kind_name(&self) -> &str {
        "function"
    }

    fn describe(&self) -> String {
        crate::kind::describe_function((self.returns)())
    }

    fn returns(&self) -> TypeInfo {
        (self.returns)()
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        (self.call)(ctx)
    }
}

impl TaskBuilder {
    /// The body, finishing the task. It returns `()`, `Result<T, E: Display>`,
    /// `Inaction`, `Terminated` or a value; a
    /// successful run's value is what `Return(this task)` bindings receive.
    pub fn run<F, R>(self, body: F) -> Task
    where
        F: Fn(&TaskContext) -> R + Send + Sync + 'static,
        R: IntoOutcome,
    {
        let kind = stateless_body::<F>(Made::Run, || {
            Arc::new(RunFn {
                call: move |ctx: &TaskContext| body(ctx).into_outcome(),
                returns: R::output_type,
            })
        });
        self.kind_arc(kind)
    }

    /// Like [`TaskBuilder::run`], for a body whose value is serializable: a `process`
    /// child can then send it back to the scheduler for `Return(this task)` bindings
    /// (with `run`, only plain values such as numbers and strings can cross).
    ///
    /// ```
    /// use redengine::{Execution, Task};
    ///
    /// let task = Task::builder("get_data")
    ///     .execution(Execution::Process)
    ///     .run_serde(|_| Ok::<Vec<u32>, String>(vec![1, 2, 3]));
    /// assert!(task.kind().returns().codec().is_some());
    /// ```
    pub fn run_serde<F, R>(self, body: F) -> Task
    where
        F: Fn(&TaskContext) -> R + Send + Sync + 'static,
        R: IntoOutcome,
        R::Output: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        let kind = stateless_body::<F>(Made::RunSerde, || {
            Arc::new(RunFn {
                call: move |ctx: &TaskContext| body(ctx).into_outcome(),
                returns: TypeInfo::serde::<R::Output>,
            })
        });
        self.kind_arc(kind)
    }

    // async: async bodies.
    /// The body as an async closure, finishing the task: it reads what it needs from the
    /// context and returns a future, which runs on a tokio runtime (`execution = "async"`,
    /// the default here unless an execution was set; `process` works too). It returns what
    /// [`TaskBuilder::run`]'s body does. Needs the `tokio` feature to run.
    ///
    /// ```
    /// use redengine::{Execution, Task};
    ///
    /// let task = Task::builder("fetch").run_async(|ctx| {
    ///     let flag = ctx.termination().clone();
    ///     async move { Ok::<_, String>(!flag.is_set()) }
    /// });
    /// assert_eq!(task.execution(), Some(Execution::Async));
    /// ```
    pub fn run_async<F, Fut>(mut self, body: F) -> Task
    where
        F: Fn(&TaskContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: IntoOutcome,
    {
        let returns = <Fut::Output as IntoOutcome>::output_type();
        self.setup.execution.get_or_insert(Execution::Async);
        self.kind(crate::kind::AsyncFunctionTask::new(body, returns))
    }

    /// Finishes the task with a custom [`TaskKind`]: everything set on the builder
    /// (conditions, execution, timeout, priority, parameters) applies to it as to a
    /// function task. Ignite refuses an execution the kind does not support.
    pub fn kind(self, kind: impl TaskKind) -> Task {
        self.kind_arc(Arc::new(kind))
    }

    /// Like [`TaskBuilder::kind`], for a kind already shared (e.g. one kind value used by
    /// several tasks).
    #[inline]
    pub fn kind_arc(self, kind: Arc<dyn TaskKind>) -> Task {
        Task {
            name: self.name,
            instance: self.instance,
            setup: shared_setup(self.setup.finish(kind)),
            flags: self.flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::FunctionTask;

    #[test]
    fn a_run_body_is_a_function_task_to_whoever_looks() {
        for (task, returns) in [
            (Task::builder("unit").run(|_| ()), TypeInfo::of::<()>()),
            (
                Task::builder("number").run(|_| 7_u32),
                TypeInfo::of::<u32>(),
            ),
        ] {
            let function = FunctionTask::new(|_| Outcome::Success(None), returns);
            assert_eq!(task.kind().kind_name(), function.kind_name());
            assert_eq!(task.kind().describe(), function.describe());
            assert_eq!(task.kind().executions(), function.executions());
            assert!(task.kind().returns() == returns);
        }
    }

    #[test]
    fn tasks_made_from_one_stateless_function_share_its_body() {
        let make = |name: &str| Task::builder(name).run(|_| 7_u32);
        let (a, b) = (make("a"), make("b"));
        assert!(Arc::ptr_eq(&a.setup.body, &b.setup.body));
        // The same function through `run_serde` is another body: it has a codec.
        let serde = |name: &str| Task::builder(name).run_serde(|_| 7_u32);
        let (c, d) = (serde("c"), serde("d"));
        assert!(Arc::ptr_eq(&c.setup.body, &d.setup.body));
        assert!(!Arc::ptr_eq(&a.setup.body, &c.setup.body));
        assert!(c.kind().returns().codec().is_some());
        // A closure with state has a body of its own.
        let counted = |n: u32| Task::builder("n").run(move |_| n);
        let (e, f) = (counted(1), counted(2));
        assert!(!Arc::ptr_eq(&e.setup.body, &f.setup.body));
        // Once every task holding a shared body is gone, the next task makes it anew.
        let kept = Arc::downgrade(&a.setup.body);
        drop((a, b));
        assert!(kept.upgrade().is_none());
    }
}
