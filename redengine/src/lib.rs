//! redengine: a condition-driven job scheduler.
//!
//! Tasks are plain functions; when they run is said in a condition string such as
//! `daily between 08:00 and 08:15` or `after task 'get_data' succeeded` (the language is
//! documented in [`conditions`]). A [`Session`] holds the tasks, the session parameters,
//! hooks and the task log; [`Session::run`] starts the scheduler.
//!
//! # A session in code
//!
//! Tasks are built at run time with [`Task::builder`] (or registered with `#[task]`, which
//! makes the same [`Task`]). The body gets a [`TaskContext`] with its parameters and its
//! [`TerminationFlag`], and returns `()`, a `Result`, a value (kept for `Return` bindings),
//! [`Inaction`] or [`Terminated`]:
//!
//! ```
//! use redengine::{Execution, ManualClock, MemoryLog, Session, Task, Zone};
//! use chrono::{TimeZone, Utc};
//!
//! let log = MemoryLog::new();
//! let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap());
//! let mut session = Session::builder()
//!     .clock(clock)                      // virtual time: a day passes instantly
//!     .zone(Zone::Utc)
//!     .log_store(log.clone())            // the default is a CSV log at log/tasks.csv
//!     .task_execution(Execution::Main)   // the default is `process`
//!     .shut_cond("scheduler has run over 1 day")
//!     .param_fn("friend_list", |_| Ok::<_, String>(vec!["ann".to_string()]))
//!     .task(Task::builder("get_data").start_cond("daily after 07:00").run(|_| Ok::<_, String>(42_u32)))
//!     .task(
//!         Task::builder("report")
//!             .start_cond("after task 'get_data' succeeded")
//!             .param("receivers", vec!["me@example.com".to_string()])
//!             .arg::<Vec<String>>("friend_list")
//!             .returned_from::<u32>("data", "get_data")
//!             .run(|ctx| -> Result<(), redengine::ParamError> {
//!                 let receivers: Vec<String> = ctx.param("receivers")?;
//!                 let friends: Vec<String> = ctx.param("friend_list")?;
//!                 let data: Option<u32> = ctx.returned("data")?;
//!                 assert_eq!((receivers.len(), friends.len(), data), (1, 1, Some(42)));
//!                 Ok(())
//!             }),
//!     )
//!     .build()?;
//! session.run()?;
//! let actions: Vec<_> = log.records().iter().map(|r| (r.task_name.clone(), r.action)).collect();
//! assert_eq!(actions.len(), 4); // get_data run + success, report run + success
//! # Ok::<(), redengine::Error>(())
//! ```
//!
//! # Task kinds and task files
//!
//! What a task runs is its [`TaskKind`]: a function ([`FunctionTask`], made by `#[task]`
//! and [`TaskBuilder::run`]), a shell command ([`kind::CommandTask`]), or a kind of your
//! own given to [`TaskBuilder::kind`]. Command tasks can also be defined without Rust, in
//! TOML files read (and re-read when they change) by
//! [`SessionBuilder::load_tasks`]; see [`loader`] for the format.
//!
//! # Async tasks and tokio programs
//!
//! With the `tokio` feature, `#[task] async fn` and [`TaskBuilder::run_async`] tasks run
//! as futures on a tokio runtime (`execution = "async"`): thousands of concurrent runs
//! share a few threads, and a timeout or `end_cond` drops the future. `Session::run_async`
//! and `Session::run_until` run the scheduler inside a tokio program, stopped by the
//! program ([`SessionBuilder::handle_signals`] turns the scheduler's own SIGINT/SIGTERM
//! handling off). [`run_cli`] gives a hand-written `main` the generated one's commands;
//! the `clap` feature adds `SchedulerCommand` to embed them in the program's own clap
//! command line, and the `tracing` feature makes every task event a `tracing` event and
//! every run a span. The repository's docs/async.md describes all of it.
//!
//! # How the loop waits
//!
//! Each cycle checks `shut_cond`, then every task in check order (priority, then definition
//! order): finished runs are reaped, then the task launches if runnable, or its running run
//! is checked for timeout and `end_cond`. Without `cycle_sleep` the loop then asks every
//! condition for the earliest instant its value can change and blocks until then, until a
//! thread run finishes, or until a [`SessionHandle`] request arrives: an idle scheduler
//! uses no CPU, and a dependent task starts as soon as its upstream is reaped. Custom
//! conditions cannot say when they change, so they are polled every
//! [`Config::custom_poll`] (1 s by default) instead of spinning.
//!
//! # Process tasks
//!
//! `execution = "process"` (the default `task_execution`) runs each launch in a child
//! process: the scheduler re-executes its own binary, and the child — which
//! `#[redengine::main]` (or [`run_child_if_requested`] in a hand-written `main`) detects —
//! builds the same session, runs that one task and reports back over a private socket.
//! Launching never blocks the cycle, and at most `max_process_count` children are alive.
//!
//! * Value parameters and `Return` values go to the child as JSON, and the return value
//!   comes back the same way, so their types must implement serde's `Serialize` and
//!   `Deserialize`. Writing `execution = "process"` on `#[task]` makes the compiler check
//!   it; with the default execution, ignite (start-up and the `check` command) refuses a
//!   value that cannot cross, naming the task, the value, its type and the fixes.
//!   `#[param]` functions are called in the child.
//! * A timeout, `end_cond`, manual termination or shutdown sends SIGTERM to the child's
//!   whole process group (grandchildren included), then SIGKILL 5 s later; the run is
//!   logged `terminate` with the reason once the child is reaped.
//! * A child that panics, aborts, is killed or exits without reporting is logged `fail`
//!   with its exit status and the tail of its stderr; every stderr line is also forwarded
//!   to the log facade (target `redengine::task`). The scheduler carries on.
//! * The `#[redengine::main]` function therefore runs in every child too: keep it free of
//!   side effects, and build the same session each time.
//!
//! # Ignite
//!
//! [`Session::run`] first checks everything ([`Session::ignite`]): condition syntax,
//! unknown task and custom-condition names (with "did you mean"), duplicate names per
//! `task_pre_exist`, missing or mistyped parameters. One [`Error`] lists every problem with
//! its source location, and nothing is launched.

pub mod conditions {
    #![doc = include_str!("../../docs/conditions.md")]
    // The page's short links, resolved from here (the crate's own docs resolve them in
    // its root).
    #![doc = "\n[`parse`]: redengine_conditions::parse"]
    #![doc = "[`parse_all`]: redengine_conditions::parse_all"]
    #![doc = "[`parse_duration`]: redengine_conditions::parse_duration"]
    #![doc = "[`Condition`]: redengine_conditions::Condition"]
    #![doc = "[`ParseError`]: redengine_conditions::ParseError"]
    #![doc = "[`KEYWORDS`]: redengine_conditions::KEYWORDS"]
    #[doc(inline)]
    pub use redengine_conditions::*;
}

// Surfaces: how users reach a session.
mod cli;
#[cfg(feature = "clap")]
mod commands;
pub mod console;
#[cfg(feature = "tokio")]
mod embed;
mod entry;
// The engine: the loop and every step of it, over an ignited plan.
mod ignite;
mod scheduler;
mod signals;
// status: the status page and metrics the scheduler publishes to.
#[cfg(feature = "status")]
pub mod status;
// Executors: how one run is carried out, and the process control they share.
mod executor;
mod procctl;
// cluster: the run queue of `worker` tasks, the `worker` and `status` commands.
mod cluster;
// The model: what the user built.
mod config;
mod context;
mod custom;
mod execution;
mod handle;
mod hooks;
pub mod kind;
pub mod loader;
mod misfire;
mod params;
mod registry;
mod retry;
mod runtime;
mod session;
mod task;
mod task_zone;
// Leaves: plain data and I/O.
mod clock;
mod error;
mod event;
mod location;
pub mod log;
pub(crate) mod next;
mod outcome;
mod returns;
mod task_env;
mod termination;
mod value;

pub use clock::{Clock, ManualClock, SystemClock};
#[cfg(feature = "clap")]
pub use commands::{CommonArgs, LogAction, SchedulerCommand};
pub use config::{Config, Restarting, TaskPreExist, Timeout};
pub use entry::{
    run as run_cli, run_child_if_requested, run_with_args as run_cli_with_args, IntoSession,
};
pub use error::{Error, ErrorKind, Problem, Result};
pub use event::Alarm;
pub use handle::{SessionHandle, TaskState};
pub use hooks::{
    AfterExecute, AfterInit, AfterScheduler, SchedulerHook, SchedulerInfo, TaskExecuteHook,
    TaskInfo, TaskInitHook,
};
pub use log::{Action, CsvLog, LogError, LogStore, MemoryLog, TaskRecord};
// store: the SQLite log.
#[cfg(feature = "sqlite")]
pub use log::SqliteLog;
pub use misfire::Misfire;
// cluster: the PostgreSQL log.
#[cfg(feature = "postgres")]
pub use log::PostgresLog;
pub use redengine_conditions::Zone;

pub use kind::{AsyncFunctionTask, AsyncRun, FunctionTask, Restart, ShutDown, TaskKind};
#[doc(inline)]
pub use redengine_macros::{condition, main, param, task};
pub use session::{Session, SessionBuilder};
pub use task::{Task, TaskBuilder};

pub use context::{ParamError, TaskContext};
pub use custom::ConditionContext;
pub use execution::{Execution, UnknownExecution};
pub use location::Location;
pub use outcome::{Inaction, IntoOutcome, Outcome, Terminated};
pub use params::ParamContext;
pub use params::Params;
pub use termination::{TerminationFlag, TerminationReason};
pub use value::{Codec, TypeInfo, Value};

/// Not public API: expands to nothing with the `tokio` feature, else to the compile error
/// an `async fn` task gets.
#[cfg(feature = "tokio")]
#[doc(hidden)]
#[macro_export]
macro_rules! needs_tokio {
    () => {};
}

/// Not public API: expands to nothing with the `tokio` feature, else to the compile error
/// an `async fn` task gets.
#[cfg(not(feature = "tokio"))]
#[doc(hidden)]
#[macro_export]
macro_rules! needs_tokio {
    () => {
        ::core::compile_error!(
            "`async fn` tasks need redengine's `tokio` feature: add \
             `features = [\"tokio\"]` to the program's redengine dependency and rebuild"
        );
    };
}

/// Not public API. Used by generated code.
#[doc(hidden)]
pub mod __private {
    pub use inventory;

    pub use crate::context::TaskContext as Ctx;
    pub use crate::custom::ConditionContext;
    pub use crate::execution::Execution;
    pub use crate::location::Location;
    pub use crate::misfire::Misfire;
    pub use crate::outcome::Outcome;
    pub use crate::params::ParamContext;
    pub use crate::registry::{
        ArgDef, BindingValue, ConditionDef, ParamBinding, ParamDef, TaskDef, TaskFlags,
    };
    pub use crate::retry::{RetryDef, DEFAULT_JITTER as RETRY_DEFAULT_JITTER};
    pub use crate::returns::{
        assert_process_kept, AnyValue, ErrDisplay, ErrDynSources, ErrOther, ErrSharedSources,
        ErrSources, ErrStop, NoValue, Returned,
    };
    pub use crate::value::{
        assert_process_value, Codec, Probe, ProcessValue, TypeInfo, Value, ViaNothing, ViaSerde,
    };
    pub use serde;

    pub use crate::entry::{run as main, TASK_ENV};

    // async: what an `async fn` task's expansion uses.
    pub use crate::kind::future::block_on;
    pub use crate::kind::AsyncRun;
    pub use crate::needs_tokio;

    /// The future of a run whose arguments could not be read: a `fail` with `error`.
    pub fn async_fail(error: String) -> AsyncRun {
        Box::pin(async move { Outcome::Fail(error) })
    }

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
