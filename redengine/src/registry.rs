//! Static registrations: what `#[task]`, `#[param]` and `#[condition]` emit.
//!
//! The proc macros expand to `::redengine::__private::inventory::submit! { TaskDef { … } }`
//! inside `const _: () = { … };`. Everything here is therefore const-constructible: string
//! literals, `Copy` enums, slices of other const structs and plain `fn` pointers for
//! anything computed (parameter values, type identities, the call shim). The runtime turns
//! each definition into the same `Task` a builder makes, so both paths share
//! all validation and scheduling logic.
//!
//! `inventory` yields definitions in no particular order, so [`tasks`], [`params`] and
//! [`conditions`] sort by source location (file, line, column): that is the definition
//! order the spec uses to break priority ties.

use crate::context::TaskContext;
use crate::custom::ConditionContext;
use crate::execution::Execution;
use crate::location::Location;
use crate::misfire::Misfire;
use crate::outcome::Outcome;
use crate::params::ParamContext;
use crate::value::{TypeInfo, Value};

/// Boolean task attributes (docs/runtime.md, "Tasks"), all `false` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskFlags {
    /// Never launched by its condition (a `force_run` still launches it).
    pub disabled: bool,
    /// Launched at its next turn regardless of `start_cond` and `disabled`, then reset.
    pub force_run: bool,
    /// Runs once during start-up, never in cycles.
    pub on_startup: bool,
    /// Runs once during shutdown, never in cycles.
    pub on_shutdown: bool,
    /// Meant to run forever: no timeout, terminated at shutdown.
    pub permanent: bool,
}

impl TaskFlags {
    /// All flags off (what `#[task]` without flag keys emits).
    pub const NONE: TaskFlags = TaskFlags {
        disabled: false,
        force_run: false,
        on_startup: false,
        on_shutdown: false,
        permanent: false,
    };
}

/// One argument of a task function, in declaration order.
///
/// At each launch the runtime resolves it (docs/runtime.md, "Parameters"): a task parameter of that name
/// ([`TaskDef::params`]), else a session parameter or `#[param]` function of that name,
/// else a built-in of that type (`TerminationFlag`). Ignite checks that it resolves and
/// that the types match.
#[derive(Debug, Clone, Copy)]
pub struct ArgDef {
    /// The argument's name (the parameter name it is resolved by).
    pub name: &'static str,
    /// The argument's type. For an argument bound to `Return("task")`, whose type is
    /// `Option<T>`, this is `T`.
    pub ty: TypeInfo,
}

/// How a per-task parameter gets its value.
#[derive(Debug, Clone, Copy)]
pub enum BindingValue {
    /// A value computed by this function when the session is built (`parameters(receivers
    /// = vec![…])` becomes a fn returning `Value::new(vec![…])`).
    Value(fn() -> Value),
    /// The latest return value of the named task (`Return("get_data")`); the argument has
    /// type `Option<T>` and receives `None` before that task succeeded in this process.
    Return(&'static str),
}

/// A per-task parameter binding (`#[task(parameters(name = …))]`).
#[derive(Debug, Clone, Copy)]
pub struct ParamBinding {
    /// The parameter's name; must match an argument of the task function (ignite checks).
    pub name: &'static str,
    /// Where its value comes from.
    pub value: BindingValue,
}

/// The call shim generated for a task function: reads the resolved arguments from the
/// context (in [`TaskDef::args`] order) and converts the return value to an [`Outcome`].
pub(crate) type CallFn = fn(&TaskContext) -> Outcome;

/// async: the shim of an `async fn` task: reads the arguments and returns the run's future.
pub(crate) type AsyncCallFn = fn(&TaskContext) -> crate::kind::AsyncRun;

/// A task registered with `#[task]`.
#[derive(Debug, Clone, Copy)]
pub struct TaskDef {
    /// The task name (the function name unless `name = "…"` was given).
    pub name: &'static str,
    /// The `start_cond` string verbatim (`None`: the default `false`). Checked at compile
    /// time, parsed again at ignite.
    pub start_cond: Option<&'static str>,
    /// The `end_cond` string verbatim (`None`: the default `false`).
    pub end_cond: Option<&'static str>,
    /// The execution (`None`: the session's `task_execution`).
    pub execution: Option<Execution>,
    /// The timeout verbatim: a duration string (`"2 hours"`), a number of seconds or
    /// `"never"` (`None`: the session's `timeout`).
    pub timeout: Option<&'static str>,
    /// Higher is checked first in each cycle.
    pub priority: i32,
    /// Boolean attributes.
    pub flags: TaskFlags,
    /// The function's arguments, in declaration order.
    pub args: &'static [ArgDef],
    /// Per-task parameter bindings.
    pub params: &'static [ParamBinding],
    /// The type of the value a successful run returns (`()` for none), checked against
    /// `Return("this task")` bindings of other tasks.
    pub returns: TypeInfo,
    /// The call shim.
    pub call: CallFn,
    // async: `async fn` tasks.
    /// An `async fn` task's shim making the run's future (`None` for a plain `fn`); `call`
    /// then runs that future to completion on a runtime of its own (a process child).
    pub async_call: Option<AsyncCallFn>,
    /// Where the function is defined: `file!()`, `line!()`, `column!()`.
    pub location: Location,
    // retries: retry and instance settings as written (`RetryDef::NONE`: none).
    /// `retries`, `retry_*` and `max_instances`.
    pub retry: crate::retry::RetryDef,
    // zones: the task's time zone and misfire policy.
    /// The zone name verbatim (`None`: the session's zone). Checked at compile time,
    /// read again at ignite.
    pub zone: Option<&'static str>,
    /// The misfire policy (`None`: the session's `misfire`).
    pub misfire: Option<Misfire>,
}

/// A `#[param]` function's shim: computes the value, or the error text of a pre-run
/// failure (a pre-run failure).
pub(crate) type ParamFnPtr = fn(&ParamContext<'_>) -> Result<Value, String>;

/// A session parameter function registered with `#[param]`.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    /// The parameter's name (the function name unless `name = "…"` was given).
    pub name: &'static str,
    /// The type of the value it produces (`T` of `T` or `Result<T, E>`).
    pub returns: TypeInfo,
    /// Called right before each launch of a task that takes this parameter, and only then.
    pub call: ParamFnPtr,
    /// Where the function is defined.
    pub location: Location,
}

/// A custom condition's shim: `Ok(bool)`, or the text of an evaluation error.
pub(crate) type ConditionFn = fn(&ConditionContext<'_>) -> Result<bool, String>;

/// A custom condition registered with `#[condition]`.
#[derive(Debug, Clone, Copy)]
pub struct ConditionDef {
    /// The identifier used in conditions (the function name unless `name = "…"`).
    pub name: &'static str,
    /// Called at every evaluation, on the scheduler thread, never cached.
    pub call: ConditionFn,
    /// Where the function is defined.
    pub location: Location,
}

inventory::collect!(TaskDef);
inventory::collect!(ParamDef);
inventory::collect!(ConditionDef);

/// Every registered task, in definition order (file, line, column).
pub(crate) fn tasks() -> Vec<&'static TaskDef> {
    let mut defs: Vec<_> = inventory::iter::<TaskDef>.into_iter().collect();
    defs.sort_by_key(|d| d.location);
    defs
}

/// Every registered `#[param]` function, in definition order.
pub(crate) fn params() -> Vec<&'static ParamDef> {
    let mut defs: Vec<_> = inventory::iter::<ParamDef>.into_iter().collect();
    defs.sort_by_key(|d| d.location);
    defs
}

/// Every registered `#[condition]`, in definition order.
pub(crate) fn conditions() -> Vec<&'static ConditionDef> {
    let mut defs: Vec<_> = inventory::iter::<ConditionDef>.into_iter().collect();
    defs.sort_by_key(|d| d.location);
    defs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shim(_: &TaskContext) -> Outcome {
        Outcome::Success(None)
    }

    fn receivers() -> Value {
        Value::new(vec!["me@example.com".to_string()])
    }

    // What `#[task(parameters(receivers = vec![..]))] fn report_news(receivers: Vec<String>)`
    // expands to, written by hand: it must be const and collectable.
    inventory::submit! {
        TaskDef {
            name: "registry_test_task_b",
            start_cond: Some("daily"),
            end_cond: None,
            execution: Some(Execution::Thread),
            timeout: Some("2 hours"),
            priority: 0,
            flags: TaskFlags::NONE,
            args: &[ArgDef { name: "receivers", ty: TypeInfo::of::<Vec<String>>() }],
            params: &[ParamBinding { name: "receivers", value: BindingValue::Value(receivers) }],
            returns: TypeInfo::of::<()>(),
            call: shim,
            async_call: None,
            location: Location::new("src/b.rs", 3, 1),
            retry: crate::retry::RetryDef::NONE,
            zone: Some("UTC"),
            misfire: Some(Misfire::Skip),
        }
    }

    inventory::submit! {
        TaskDef {
            name: "registry_test_task_a",
            start_cond: None,
            end_cond: None,
            execution: None,
            timeout: None,
            priority: 0,
            flags: TaskFlags { on_startup: true, ..TaskFlags::NONE },
            args: &[],
            params: &[],
            returns: TypeInfo::of::<()>(),
            call: shim,
            async_call: None,
            location: Location::new("src/a.rs", 10, 1),
            retry: crate::retry::RetryDef::NONE,
            zone: None,
            misfire: None,
        }
    }

    #[test]
    fn collected_in_definition_order() {
        let names: Vec<_> = tasks()
            .iter()
            .map(|d| d.name)
            .filter(|n| n.starts_with("registry_test_task"))
            .collect();
        assert_eq!(names, ["registry_test_task_a", "registry_test_task_b"]);
    }
}
