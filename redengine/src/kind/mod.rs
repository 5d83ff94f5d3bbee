//! Task kinds: *what* a task does, behind one public trait.
//!
//! A `Task` is the shared part — name, conditions, timeout, priority,
//! parameters, logging, hooks — and a [`TaskKind`] is the part that differs: a Rust
//! function ([`FunctionTask`], what `#[task]` and `TaskBuilder::run`
//! make), a shell command ([`CommandTask`], what the file loader makes), or anything a user
//! writes (Red Engine's "custom task classes", `models/tasks.py` in its Advanced Guide). The scheduler never
//! looks inside a kind: it resolves the parameters, runs the `task_execute` hooks, calls
//! [`TaskKind::execute`] in the task's execution and logs the [`Outcome`].
//!
//! ```
//! use redengine::{Execution, Outcome, Task, TaskContext, TaskKind};
//!
//! /// Appends a line to a file: a kind Red Engine would write as a `Task` subclass.
//! struct AppendLine { path: std::path::PathBuf, line: String }
//!
//! impl TaskKind for AppendLine {
//!     fn kind_name(&self) -> &str { "append-line" }
//!     fn describe(&self) -> String { format!("append a line to {}", self.path.display()) }
//!     fn executions(&self) -> &[Execution] { &[Execution::Main, Execution::Thread] }
//!     fn execute(&self, _ctx: &TaskContext) -> Outcome {
//!         use std::io::Write;
//!         let written = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)
//!             .and_then(|mut f| writeln!(f, "{}", self.line));
//!         match written {
//!             Ok(()) => Outcome::Success(None),
//!             Err(e) => Outcome::Fail(format!("cannot append to {}: {e}", self.path.display())),
//!         }
//!     }
//! }
//!
//! let dir = std::env::temp_dir().join(format!("redengine-kind-doc-{}", std::process::id()));
//! let task = Task::builder("note")
//!     .start_cond("every 10 minutes")
//!     .execution(Execution::Thread)
//!     .kind(AppendLine { path: dir.join("notes.txt"), line: "hello".into() });
//! assert_eq!(task.kind().kind_name(), "append-line");
//! ```

mod command;
mod control;
pub(crate) mod future;
mod output;

pub(crate) use command::placeholders;
pub use command::{CommandTask, PARAM_ENV_PREFIX};
pub use control::{Restart, ShutDown};
pub use future::{AsyncFunctionTask, AsyncRun};

use std::fmt;
use std::sync::Arc;

use crate::context::TaskContext;
use crate::execution::Execution;
use crate::outcome::Outcome;
use crate::value::TypeInfo;

/// Every execution, for kinds that can run anywhere (the default of
/// [`TaskKind::executions`]).
const ALL_EXECUTIONS: &[Execution] = &[
    Execution::Main,
    Execution::Thread,
    Execution::Process,
    // cluster: a worker runs it as a process child.
    Execution::Worker,
];

/// What a task does when it runs: the extension point for custom kinds of task.
///
/// The trait is object safe and `Send + Sync`: the scheduler keeps kinds as
/// `Arc<dyn TaskKind>` and calls them from the scheduler thread (`main`), a task thread
/// (`thread`) or a process-executor child that rebuilt the same session (`process`), so a
/// kind must behave the same wherever it executes.
///
/// Everything but the run itself is shared and handled by the framework: conditions,
/// timeout (the [`TaskContext::termination`] flag is set; poll it in long work and return
/// [`Outcome::Terminated`]), priority, parameters (declared on the builder with
/// `TaskBuilder::arg` / `param`,
/// read with [`TaskContext::param`]), hooks and the log. A panic in `execute` is caught and
/// logged `fail` like a panicking function task.
pub trait TaskKind: Send + Sync + 'static {
    /// A short, stable name of the kind (`"function"`, `"command"`, `"append-line"`): it
    /// names the kind in `list` and in error messages.
    fn kind_name(&self) -> &str;

    /// One line saying what this task does, shown by `list` (default: the kind name).
    fn describe(&self) -> String {
        self.kind_name().to_string()
    }

    /// The executions this kind can run under (default: all three). A task whose
    /// execution is not in the list is refused at ignite, naming the task, the kind and
    /// these executions.
    fn executions(&self) -> &[Execution] {
        ALL_EXECUTIONS
    }

    /// The type of the value a successful run returns (`()` when none): checked at ignite
    /// against the `Return("task")` bindings of other tasks.
    fn returns(&self) -> TypeInfo {
        TypeInfo::of::<()>()
    }

    /// Runs the task once with its resolved parameters and termination flag.
    fn execute(&self, ctx: &TaskContext) -> Outcome;

    /// The future of one run, for kinds that run under `execution = "async"` (default:
    /// `None`, a synchronous kind). The `async` executor polls it on a tokio runtime and
    /// drops it at its next `.await` when the run is terminated; [`TaskKind::execute`]
    /// is still what a `process` child calls. See [`AsyncFunctionTask`].
    fn execute_async(&self, ctx: &TaskContext) -> Option<AsyncRun> {
        let _ = ctx;
        None
    }
}

/// Whether `kind` can run under `execution`.
pub(crate) fn supports(kind: &dyn TaskKind, execution: Execution) -> bool {
    kind.executions().contains(&execution)
}

/// The executions of `kind` as "`main`, `thread`" for error messages.
pub(crate) fn executions_text(kind: &dyn TaskKind) -> String {
    let names: Vec<String> = kind.executions().iter().map(|e| format!("`{e}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The ignite problem of a task whose kind cannot run under its execution.
pub(crate) fn unsupported(
    task: &str,
    kind: &dyn TaskKind,
    execution: Execution,
    at: Option<crate::location::Location>,
) -> crate::error::Problem {
    crate::error::Problem {
        location: at,
        message: format!(
            "task '{task}' is a `{}` task, which cannot run with execution `{execution}`; it \
             supports {}: set the task's execution to one of them (or the session's \
             `task_execution` when the task sets none)",
            kind.kind_name(),
            executions_text(kind)
        ),
    }
}

/// The call of a function task.
type Call = Arc<dyn Fn(&TaskContext) -> Outcome + Send + Sync>;

/// A task that calls a Rust function: what `#[task]` functions and
/// `TaskBuilder::run` closures become. It runs under every
/// execution (under `process`, the child calls the same function of the same binary).
#[derive(Clone)]
pub struct FunctionTask {
    call: Call,
    returns: TypeInfo,
}

impl FunctionTask {
    /// A function task: `call` maps the context to the run's outcome; `returns` is the
    /// type of the value a successful run stores (`TypeInfo::of::<()>()` for none).
    pub fn new<F>(call: F, returns: TypeInfo) -> Self
    where
        F: Fn(&TaskContext) -> Outcome + Send + Sync + 'static,
    {
        FunctionTask {
            call: Arc::new(call),
            returns,
        }
    }
}

impl fmt::Debug for FunctionTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionTask")
            .field("returns", &self.returns.name())
            .finish_non_exhaustive()
    }
}

/// What `describe` says of a function body returning `returns`; one wording for
/// [`FunctionTask`] and the builder's single-allocation body, which must read the same.
pub(crate) fn describe_function(returns: TypeInfo) -> String {
    if returns.is::<()>() {
        "function".to_string()
    } else {
        format!("function returning `{}`", returns.name())
    }
}

impl TaskKind for FunctionTask {
    fn kind_name(&self) -> &str {
        "function"
    }

    fn describe(&self) -> String {
        describe_function(self.returns)
    }

    fn returns(&self) -> TypeInfo {
        self.returns
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        (self.call)(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct OnlyMain;

    impl TaskKind for OnlyMain {
        fn kind_name(&self) -> &str {
            "only-main"
        }
        fn executions(&self) -> &[Execution] {
            &[Execution::Main]
        }
        fn execute(&self, _ctx: &TaskContext) -> Outcome {
            Outcome::Inaction
        }
    }

    #[test]
    fn defaults_and_support() {
        let kind: Arc<dyn TaskKind> = Arc::new(OnlyMain);
        assert_eq!(kind.describe(), "only-main");
        assert!(kind.returns().is::<()>());
        assert!(supports(&*kind, Execution::Main));
        assert!(!supports(&*kind, Execution::Thread));
        assert_eq!(executions_text(&*kind), "`main`");
        let f = FunctionTask::new(|_| Outcome::Success(None), TypeInfo::of::<u32>());
        assert_eq!(f.describe(), "function returning `u32`");
        assert_eq!(executions_text(&f), "`main`, `thread`, `process`, `worker`");
    }
}
