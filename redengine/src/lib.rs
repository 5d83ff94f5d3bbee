//! redengine: a condition-driven job scheduler.
//!
//! Tasks are plain functions; when they run is said in a condition string such as
//! `daily between 08:00 and 08:15` or `after task 'get_data' succeeded`.

pub use redengine_conditions as conditions;

mod clock;
mod config;
mod context;
mod cycle;
mod entry;
mod error;
mod execution;
mod hooks;
mod ignite;
mod lifecycle;
pub mod log;
mod outcome;
mod params;
pub mod registry;
mod session;
mod task;
mod value;

pub use clock::{Clock, ManualClock, SystemClock, Wakeup};
pub use config::{Config, Restarting, TaskPreExist, Timeout};
pub use error::{Error, ErrorKind, Problem, Result};
pub use hooks::{
    AfterExecute, AfterInit, AfterScheduler, SchedulerHook, SchedulerInfo, TaskExecuteHook,
    TaskInfo, TaskInitHook,
};
pub use log::{Action, CsvLog, LogError, LogStore, MemoryLog, TaskRecord};
pub use redengine_conditions::Zone;
pub use session::{Session, SessionBuilder, SessionHandle};
pub use task::{Task, TaskBuilder};

pub use context::{ParamError, TaskContext, TerminationFlag, TerminationReason};
pub use execution::{Execution, UnknownExecution};
pub use outcome::{Inaction, IntoOutcome, Outcome, Terminated};
pub use params::Params;
pub use registry::{ConditionContext, ParamContext};
pub use task::Location;
pub use value::{TypeInfo, Value};

/// Not public API. Used by generated code.
#[doc(hidden)]
pub mod __private {
    pub use inventory;

    pub use crate::context::TaskContext as Ctx;
    pub use crate::execution::Execution;
    pub use crate::outcome::{IntoOutcome, Outcome};
    pub use crate::registry::{
        ArgDef, BindingValue, ConditionContext, ConditionDef, ParamBinding, ParamContext, ParamDef,
        TaskDef, TaskFlags,
    };
    pub use crate::task::Location;
    pub use crate::value::{TypeInfo, Value};

    use std::any::Any;
    use std::fmt::Display;

    /// The argument at `index` of [`TaskDef::args`], cloned out of the context. An error
    /// becomes the run's `fail` text.
    pub fn arg<T: Any + Clone>(ctx: &Ctx, index: usize) -> Result<T, String> {
        ctx.arg_at::<T>(index).map_err(|e| e.to_string())
    }

    /// The `Return("task")` argument at `index`: `None` before that task succeeded.
    pub fn returned<T: Any + Clone>(ctx: &Ctx, index: usize) -> Result<Option<T>, String> {
        ctx.returned_at::<T>(index).map_err(|e| e.to_string())
    }

    /// The run's termination flag, for a `TerminationFlag` argument.
    pub fn termination(ctx: &Ctx) -> crate::TerminationFlag {
        ctx.termination().clone()
    }

    /// Converts a body's return value that implements [`IntoOutcome`].
    pub fn outcome<R: IntoOutcome>(returned: R) -> Outcome {
        returned.into_outcome()
    }

    /// Converts a body's plain return value of any type `T` (stored for `Return`).
    pub fn value_outcome<T: Any + Send + Sync>(returned: T) -> Outcome {
        crate::outcome::success(returned)
    }

    /// Converts a body's `Result<T, E>` for any `T`.
    pub fn result_outcome<T: Any + Send + Sync, E: Display>(returned: Result<T, E>) -> Outcome {
        match returned {
            Ok(v) => crate::outcome::success(v),
            Err(e) => Outcome::Fail(e.to_string()),
        }
    }

    /// A `#[param]` function's plain return value.
    pub fn param_value<T: Any + Send + Sync>(value: T) -> Result<Value, String> {
        Ok(Value::new(value))
    }

    /// A `#[param]` function's `Result<T, E>`: `Err` is a pre-run failure with its text.
    pub fn param_result<T: Any + Send + Sync, E: Display>(
        value: Result<T, E>,
    ) -> Result<Value, String> {
        value.map(Value::new).map_err(|e| e.to_string())
    }

    /// A custom condition's return value: `bool` or `Result<bool, E>`.
    pub fn condition_result<E: Display>(value: Result<bool, E>) -> Result<bool, String> {
        value.map_err(|e| e.to_string())
    }
}
