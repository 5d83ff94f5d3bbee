//! Attribute macros of redengine. Use them through the `redengine` crate
//! (`#[redengine::task]`, `#[redengine::param]`, `#[redengine::condition]`,
//! `#[redengine::main]`), which re-exports them with the documentation below.
//!
//! Each entry point is a one-line shim over a module that parses, checks and generates
//! code; every error is collected and reported at once, on the offending token.

use proc_macro::TokenStream;

mod cond;
mod condition;
mod ctxt;
mod main_attr;
mod named;
mod param;
mod symbol;
mod task;
mod types;

/// Registers a free function as a scheduled task.
///
/// The function stays an ordinary function; the attribute adds a registration that
/// [`Session::from_registry`](../redengine/struct.Session.html#method.from_registry)
/// collects, from every module and linked crate, in definition order. Condition strings
/// and durations are checked **at compile time** with the condition crate: a typo in
/// `start_cond` is a compile error with a caret under the mistake and a hint.
///
/// # Grammar
///
/// ```text
/// #[redengine::task]
/// #[redengine::task( entry, entry, … )]
///
/// entry := name       = "text"                  the task's name (default: the function's name)
///        | start_cond = "condition"             when it starts (default "false": run only by
///                                               `run-task`, `force_run` or a handle)
///        | end_cond   = "condition"             when a running thread/process run is stopped
///                                               (default "false")
///        | execution  = "main" | "inline" | "thread" | "process" | "async"
///                                               where it runs ("inline" is "main"; default:
///                                               the session's `task_execution`, and
///                                               "async" for an `async fn`)
///        | timeout    = "duration" | seconds | "never"
///                                               e.g. "2 hours", "1h 30min", 90, "0.5"
///        | priority   = integer                 higher is checked first in a cycle (default 0)
///        | flag | flag = true | flag = false
///        | params( arg = expression | arg = Return("task"), … )
///        | zone       = "America/New_York" | "UTC" | "local" | "UTC+05:30"
///                                               the zone of its wall-clock phrases (default:
///                                               the session's); checked against the IANA
///                                               database at compile time
///        | misfire    = "run_if_open" | "skip" | "run_once"
///                                               what it does about occurrences missed while
///                                               the scheduler was down (default: the
///                                               session's `misfire`)
///
/// flag  := disabled | force_run | on_startup | on_shutdown | permanent
/// ```
///
/// Each key may appear once. The condition strings are written in the condition language
/// ([`redengine::conditions`](../redengine/conditions/index.html)). `execution` and
/// `timeout` are read by the same functions as the session's `task_execution` and
/// `timeout` settings and task files, so they accept exactly the same values; a timeout is
/// greater than zero (write `"never"` for none). `timeout` and `end_cond` are refused with
/// `execution = "main"`: a main run blocks the scheduler until it returns, so it is never
/// running when they are checked.
///
/// The arguments of the function are resolved **by name** at each launch: a per-task
/// value from `params(…)`, else the session parameter or [`macro@param`] function of that
/// name; an argument bound to `Return("task")` is `Option<T>`, `None` until that task has
/// returned a `T` in this process; a `TerminationFlag` argument is the run's flag. Task
/// arguments are owned values (`String`, not `&str`): the scheduler keeps each parameter
/// and gives every run its own copy, so a reference or lifetime in an argument type is a
/// compile error. Generics, `self` and `unsafe fn` are rejected.
///
/// An `async fn` task (redengine's `tokio` feature) runs as a future on a tokio runtime
/// (`execution = "async"`, its default) or in a process child (`"process"`); `"main"` and
/// `"thread"` are refused, and `"async"` on a plain `fn` too. A termination drops the
/// future at its next `.await` (the repository's docs/async.md).
///
/// What the function returns is read on its concrete type, whatever it is called (an
/// alias such as `type MyResult<T> = Result<T, MyError>` or `io::Result<T>` is a
/// `Result`):
///
/// | returns | a run logs | kept for `Return` bindings |
/// |---|---|---|
/// | `()` | `success` | nothing |
/// | `Result<T, E>` | `Ok`: `success`; `Err`: `fail` with the error's text, and its `source()` chain when `E` is a `std::error::Error` (or derefs to one: `Box<dyn Error>`, `anyhow::Error`) | `T` |
/// | `Result<T, Terminated>`, `Result<T, Inaction>` | `Err`: `terminate` / `inaction` | `T` |
/// | `Inaction`, `Terminated` | `inaction`, `terminate` | nothing |
/// | any other `T: Send + Sync + 'static` | `success` | `T` |
///
/// An error type without `Display` is a compile error (its `Err` could not be logged).
///
/// # Example
///
/// A pipeline: `report` receives `get_data`'s return value and a per-task list of
/// receivers. Virtual time runs the morning in an instant:
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use redengine::{ManualClock, MemoryLog, Session, Zone};
///
/// #[redengine::task(start_cond = "daily after 07:00", execution = "main")]
/// fn get_data() -> Vec<u32> {
///     vec![1, 2, 3]
/// }
///
/// #[redengine::task(
///     start_cond = "after task 'get_data' succeeded",
///     execution = "thread",
///     timeout = "2 hours",
///     params(data = Return("get_data"), receivers = vec!["me@example.com".to_string()])
/// )]
/// fn report(data: Option<Vec<u32>>, receivers: Vec<String>) -> Result<(), String> {
///     let data = data.ok_or("get_data has not returned yet")?;
///     assert_eq!((data.len(), receivers.len()), (3, 1));
///     Ok(())
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let six = Utc.with_ymd_and_hms(2024, 1, 1, 6, 0, 0).single().ok_or("bad date")?;
///     let log = MemoryLog::new();
///     let mut session = Session::from_registry()
///         .clock(ManualClock::new(six))
///         .zone(Zone::Utc)
///         .log_store(log.clone())
///         .shut_cond("scheduler has run over 2 hours")
///         .build()?;
///     session.run()?;
///     let records: Vec<String> = log
///         .records()
///         .iter()
///         .map(|r| format!("{} {}", r.task_name, r.action))
///         .collect();
///     assert_eq!(
///         records,
///         ["get_data run", "get_data success", "report run", "report success"]
///     );
///     Ok(())
/// }
/// ```
///
/// This expands to roughly (the registration is all constants, so it costs nothing at
/// start-up):
///
/// ```text
/// fn get_data() -> Vec<u32> { vec![1, 2, 3] }            // the function, unchanged
///
/// const _: () = {
///     fn __redengine_call(ctx: &Ctx) -> Outcome {       // loads each argument by name,
///         let returned: Vec<u32> = get_data();           // calls, and converts the value
///         plan!(Vec<u32>).finish(returned)               // by what `Vec<u32>` is (above)
///     }
///     inventory::submit! {
///         TaskDef {
///             name: "get_data",
///             start_cond: Some("daily after 07:00"),      // verbatim, already checked
///             execution: Some(Execution::Main),
///             args: &[], params: &[], returns: /* the kept type, Vec<u32> */,
///             call: __redengine_call,
///             location: Location::new(file!(), line!(), column!()),
///             ..
///         }
///     }
/// };
/// ```
///
/// # Errors at compile time
///
/// Every mistake is reported at once, on the offending token, and the function is still
/// emitted so the rest of the crate type-checks. The most common one, a misspelled
/// condition:
///
/// ```compile_fail
/// #[redengine::task(start_cond = "dialy between 08:00 and 08:15")]
/// fn wash_teeth() {}
/// # fn main() {}
/// ```
///
/// ```text
/// error: invalid start condition: unknown keyword `dialy`
///            dialy between 08:00 and 08:15
///            ^^^^^
///
///        help: did you mean `daily`?
///  --> src/main.rs:1:32
///   |
/// 1 | #[redengine::task(start_cond = "dialy between 08:00 and 08:15")]
///   |                                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
/// ```
///
/// Unknown or duplicate keys, a wrong value type (`priority = "high"`), an unknown
/// `execution` and a `params(…)` entry that names no argument are errors too:
///
/// ```compile_fail
/// #[redengine::task(start_cnd = "daily", execution = "threads")]
/// fn wake_up() {}
/// # fn main() {}
/// ```
///
/// So are a borrowed argument and a timeout that could never apply:
///
/// ```compile_fail
/// #[redengine::task(start_cond = "daily", execution = "main", timeout = "1 hour")]
/// fn fetch(url: &str) {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(args.into(), item.into()).into()
}

/// Registers a function as a session parameter, computed right before each launch of a
/// task that takes an argument of its name, and only then.
///
/// # Grammar
///
/// ```text
/// #[redengine::param]
/// #[redengine::param(name = "text")]      the parameter's name (default: the function's name)
///
/// fn NAME() -> T                          any `T: Send + Sync + 'static`
/// fn NAME() -> Result<T, E: Display>      `Err` is a pre-run failure of the task, logged as `fail`
/// fn NAME(flag: TerminationFlag) -> …     the only argument allowed
/// ```
///
/// A task argument of that name and type receives the value; a task whose argument type
/// differs is reported at start-up with both types and the task's name.
///
/// # Example
///
/// A task announcing to a list of friends computed right before it runs:
///
/// ```
/// use redengine::{Action, MemoryLog, Session};
///
/// #[redengine::param]
/// fn friend_list() -> Vec<String> {
///     vec!["ann".to_string(), "bob".to_string()]
/// }
///
/// #[redengine::task(start_cond = "daily", execution = "main")]
/// fn announce(friend_list: Vec<String>) -> Result<(), String> {
///     if friend_list.is_empty() {
///         return Err("nobody to tell".to_string());
///     }
///     Ok(())
/// }
///
/// fn main() -> redengine::Result<()> {
///     let log = MemoryLog::new();
///     let mut session = Session::from_registry().log_store(log.clone()).build()?;
///     session.run_tasks(["announce"], false)?; // once, now, like the `run-task` command
///     assert_eq!(log.records()[1].action, Action::Success);
///     Ok(())
/// }
/// ```
///
/// This expands to roughly:
///
/// ```text
/// fn friend_list() -> Vec<String> { … }                 // the function, unchanged
///
/// const _: () = {
///     fn __redengine_param(ctx: &ParamContext) -> Result<Value, String> {
///         param_value(friend_list())                    // `param_result(…)` for a Result
///     }
///     inventory::submit! {
///         ParamDef { name: "friend_list", returns: TypeInfo::of::<Vec<String>>(),
///                    call: __redengine_param, location: … }
///     }
/// };
/// ```
///
/// A parameter function must return its value:
///
/// ```compile_fail
/// #[redengine::param]
/// fn friend_list() {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn param(args: TokenStream, item: TokenStream) -> TokenStream {
    param::expand(args.into(), item.into()).into()
}

/// Registers a function as a custom condition, usable by its name inside condition
/// strings.
///
/// # Grammar
///
/// ```text
/// #[redengine::condition]
/// #[redengine::condition(name = "text")]   the name used in conditions (default: the
///                                          function's name); a snake_case identifier
///                                          that is not a keyword of the language
///
/// fn NAME() -> bool
/// fn NAME() -> Result<bool, E: Display>    `Err` is a failed check (see `silence_cond_check`)
/// fn NAME(ctx: &ConditionContext<'_>) -> … `now`, the owner task, the history, parameters
/// ```
///
/// A name used in a condition string that is neither a phrase of the condition language
/// ([`redengine::conditions`](../redengine/conditions/index.html)) nor a registered condition is
/// reported at start-up with "did you mean". The scheduler cannot know when a custom
/// condition changes, so it re-checks it every `custom_poll` (1 s by default).
///
/// # Example
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use redengine::{MemoryLog, Session};
///
/// static SALE: AtomicBool = AtomicBool::new(false);
///
/// #[redengine::condition]
/// fn is_weekend_sale() -> bool {
///     SALE.load(Ordering::SeqCst)
/// }
///
/// #[redengine::task(start_cond = "is_weekend_sale & daily", execution = "main")]
/// fn advertise() {}
///
/// fn main() -> redengine::Result<()> {
///     let log = MemoryLog::new();
///     let mut session = Session::from_registry().log_store(log.clone()).build()?;
///     session.run_tasks(["advertise"], true)?; // obey start_cond: no sale, no run
///     assert!(log.records().is_empty());
///     SALE.store(true, Ordering::SeqCst);
///     session.run_tasks(["advertise"], true)?;
///     assert_eq!(log.records().len(), 2); // run + success
///     Ok(())
/// }
/// ```
///
/// This expands to roughly:
///
/// ```text
/// fn is_weekend_sale() -> bool { … }                    // the function, unchanged
///
/// const _: () = {
///     fn __redengine_condition(ctx: &ConditionContext) -> Result<bool, String> {
///         Ok(is_weekend_sale())                         // `condition_result(…)` for a Result
///     }
///     inventory::submit! {
///         ConditionDef { name: "is_weekend_sale", call: __redengine_condition, location: … }
///     }
/// };
/// ```
///
/// A name the language reads as a phrase cannot be a custom condition:
///
/// ```compile_fail
/// #[redengine::condition]
/// fn daily() -> bool {
///     true
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn condition(args: TokenStream, item: TokenStream) -> TokenStream {
    condition::expand(args.into(), item.into()).into()
}

/// Generates the binary's `main` from a function that builds the session, and gives the
/// binary its command line.
///
/// # Grammar
///
/// ```text
/// #[redengine::main]
/// fn main() -> Session                     or -> redengine::Result<Session>,
///                                          or -> SessionBuilder
/// ```
///
/// The function takes no arguments. It stays an ordinary function (renamed `session`
/// when it is called `main`), so tests can build the same session; the generated `main`
/// calls it and runs the command line:
///
/// ```text
/// Usage: BINARY [--log PATH] [COMMAND]
///
///   run                          start the scheduler (the default)
///   list [--at TIME]             every task: execution, priority, flags, last outcome in
///                                the log, when its start condition can next become true
///   check [TASK...] [--at TIME]  explain each start condition now (or at TIME) against
///                                the log: why did or didn't it run?
///   run-task NAME...             run the named tasks once, now, logged; exit code 1 unless
///                                all succeeded
///   --log PATH                   use the CSV task log at PATH
///   -h, --help                   the full help
/// ```
///
/// A wrong command line exits with code 2 and a "did you mean"; a session that fails to
/// build or ignite exits with 1 and lists every problem with its source location.
///
/// # Example
///
/// This program starts, runs its start-up, and stops at once (`shut_cond = "true"`);
/// without it, it would run `wake_up` every morning:
///
/// ```
/// use redengine::Session;
///
/// #[redengine::task(start_cond = "daily after 07:00", execution = "main")]
/// fn wake_up() {}
///
/// #[redengine::main]
/// fn main() -> redengine::Result<Session> {
///     Session::from_registry().log_memory().shut_cond("true").build()
/// }
///
/// // The body stays callable, e.g. from a test:
/// fn _check_the_session() -> redengine::Result<()> {
///     session()?.ignite()
/// }
/// ```
///
/// This expands to roughly:
///
/// ```text
/// fn session() -> redengine::Result<Session> { … }     // the function, renamed
///
/// fn main() -> std::process::ExitCode {
///     redengine::__private::main(session)              // the command line, then `run`
/// }
/// ```
///
/// The function must return the session:
///
/// ```compile_fail
/// #[redengine::main]
/// fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_attr::expand(args.into(), item.into()).into()
}
