//! Tasks: the runtime object, built from a builder or from a registered `TaskDef`.

pub(crate) use crate::location::Location;

use std::any::Any;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::context::TaskContext;
use crate::execution::Execution;
use crate::kind::{FunctionTask, TaskKind};
use crate::misfire::Misfire;
use crate::outcome::{IntoOutcome, Outcome};
use crate::registry::{BindingValue, TaskDef, TaskFlags};
use crate::task_zone::TaskZone;
use crate::value::{TypeInfo, Value};
use redengine_conditions::Zone;

pub(crate) mod name;
mod setup;
mod share;

pub(crate) use name::TaskName;
use setup::shared_setup;
pub(crate) use setup::{same_place, Setup};

pub(crate) use share::shared_text;
use share::{never_text, stateless_body, Made};

/// What a launch executes: the task's kind (the public [`TaskKind`] trait: a function, a
/// command, a kind of the user's own), shared by every launch and every executor. Called
/// the body here, where the code runs it; users meet it as the task's kind, Red Engine's
/// "task class".
pub(crate) type Body = Arc<dyn TaskKind>;

/// An argument the body takes, resolved at each launch.
#[derive(Debug, Clone)]
pub(crate) struct TaskArg {
    pub(crate) name: String,
    /// For a `Return` binding: the `T` of `Option<T>`.
    pub(crate) ty: TypeInfo,
}

/// A per-task parameter binding.
#[derive(Debug, Clone)]
pub(crate) enum TaskParam {
    Value(Value),
    Return(String),
}

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// A task: what to run and when. Build one with [`Task::builder`]; `#[task]` functions
/// become the same type through their registered [`TaskDef`].
///
/// What it runs is its [`TaskKind`] (a function, a shell command, a custom kind); the rest
/// (conditions, execution, timeout, priority, parameters) is the same for every kind.
#[derive(Clone)]
pub struct Task {
    pub(crate) name: Option<TaskName>,
    /// Process-unique instance id (the name under `use_instance_naming`).
    pub(crate) instance: u64,
    // perf (memory): its start condition's text, body, location and settings, shared
    // with its neighbours when equal (see `shared_setup`).
    pub(crate) setup: Arc<Setup>,
    pub(crate) flags: TaskFlags,
}

/// The settings of a task that most tasks leave unset.
#[derive(Clone, Default)]
pub(crate) struct More {
    // perf (memory): most tasks have no end condition (`false`).
    /// The `end_cond` text (`None`: `false`).
    pub(crate) end_cond: Option<Cow<'static, str>>,
    pub(crate) timeout: Option<String>,
    pub(crate) args: Vec<TaskArg>,
    pub(crate) params: Vec<(String, TaskParam)>,
    // retries: `retries`, `retry_*` and `max_instances` as given, checked at ignite.
    pub(crate) retry: crate::retry::RetrySpec,
    // zones: the task's own time zone (`None`: the session's).
    pub(crate) zone: Option<TaskZone>,
}

/// What an unset [`More`] reads as.
static NOTHING_MORE: More = More {
    end_cond: None,
    timeout: None,
    args: Vec::new(),
    params: Vec::new(),
    retry: crate::retry::RetrySpec::NONE,
    zone: None,
};

impl More {
    /// Nothing set: the task needs no box for it.
    fn is_empty(&self) -> bool {
        self.end_cond.is_none()
            && self.timeout.is_none()
            && self.args.is_empty()
            && self.params.is_empty()
            && self.retry == crate::retry::RetrySpec::NONE
            && self.zone.is_none()
    }
}

impl Task {
    /// The settings most tasks leave unset (an empty set when none is).
    pub(crate) fn more(&self) -> &More {
        self.setup.more.as_deref().unwrap_or(&NOTHING_MORE)
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name)
            .field("start_cond", &self.setup.start_cond)
            .field("execution", &self.setup.execution)
            .field("location", &self.setup.location)
            .finish_non_exhaustive()
    }
}

impl Task {
    /// Starts a task named `name`. The caller's source location is kept for messages.
    // perf (start-up): the builder's steps are inlined into the caller's chain, so a task
    // is built in place rather than moved (112 bytes) from one step to the next.
    #[track_caller]
    #[inline]
    pub fn builder(name: impl Into<String>) -> TaskBuilder {
        TaskBuilder::new(Some(TaskName::from(name.into())), Location::caller())
    }

    /// Starts a task without a name: an ignite error unless the session sets
    /// `use_instance_naming`, which names it by its instance id.
    #[track_caller]
    pub fn unnamed() -> TaskBuilder {
        TaskBuilder::new(None, Location::caller())
    }

    /// The task built from a `#[task]` registration. Not public API: used by
    /// `Session::from_registry` and generated code.
    #[doc(hidden)]
    pub fn from_def(def: &'static TaskDef) -> Task {
        let call = def.call;
        let more = Some(Box::new(More {
            end_cond: def.end_cond.map(Cow::Borrowed),
            timeout: def.timeout.map(str::to_string),
            args: def
                .args
                .iter()
                .map(|a| TaskArg {
                    name: a.name.to_string(),
                    ty: a.ty,
                })
                .collect(),
            params: def
                .params
                .iter()
                .map(|p| {
                    let value = match p.value {
                        BindingValue::Value(make) => TaskParam::Value(make()),
                        BindingValue::Return(task) => TaskParam::Return(task.to_string()),
                    };
                    (p.name.to_string(), value)
                })
                .collect(),
            retry: crate::retry::RetrySpec::from(&def.retry),
            // zones
            zone: def.zone.map(|name| TaskZone::Name(name.to_string())),
        }))
        .filter(|more| !more.is_empty());
        Task {
            name: Some(TaskName::from(def.name)),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            setup: shared_setup(Setup {
                start_cond: shared_text(def.start_cond.unwrap_or("false")),
                // async: an `async fn` task's body is its future-making shim.
                body: match def.async_call {
                    Some(make) => {
                        Arc::new(crate::kind::AsyncFunctionTask::from_shim(make, def.returns))
                    }
                    None => Arc::new(FunctionTask::new(call, def.returns)),
                },
                location: def.location,
                more,
                priority: def.priority,
                execution: def.execution,
                misfire: def.misfire,
                registered: true,
            }),
            flags: def.flags,
        }
    }

    /// The task's name (`None` for an unnamed task before ignite).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The process-unique instance id.
    pub fn instance_id(&self) -> u64 {
        self.instance
    }

    /// Where the task was defined.
    pub fn location(&self) -> Location {
        self.setup.location
    }

    /// The `start_cond` text.
    pub fn start_cond(&self) -> &str {
        &self.setup.start_cond
    }

    /// Gives the task another start condition text (its setup becomes its own if shared).
    pub(crate) fn set_start_cond(&mut self, text: Arc<str>) {
        Arc::make_mut(&mut self.setup).start_cond = text;
    }

    /// The `end_cond` text.
    pub fn end_cond(&self) -> &str {
        self.more().end_cond.as_deref().unwrap_or("false")
    }

    /// The execution set on the task (`None`: the session's `task_execution`).
    pub fn execution(&self) -> Option<Execution> {
        self.setup.execution
    }

    /// The priority (higher is checked first).
    pub fn priority(&self) -> i32 {
        self.setup.priority
    }

    /// What the task runs: its kind (`kind_name()`, `describe()` for `list`).
    pub fn kind(&self) -> &dyn TaskKind {
        &*self.setup.body
    }

    // zones
    /// The misfire policy set on the task (`None`: the session's `misfire`).
    pub fn misfire(&self) -> Option<Misfire> {
        self.setup.misfire
    }
}

/// Builds a [`Task`]; finish with [`TaskBuilder::run`] (a function) or
/// [`TaskBuilder::kind`] (any [`TaskKind`]).
#[must_use = "a task builder does nothing until `.run(body)` or `.kind(kind)` makes the task"]
pub struct TaskBuilder {
    name: Option<TaskName>,
    instance: u64,
    flags: TaskFlags,
    setup: Setup,
}

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

/// The body of a builder not finished yet (`run` or `kind` replaces it): one for every
/// builder, rather than an allocation each.
fn placeholder() -> &'static Body {
    static BODY: std::sync::OnceLock<Body> = std::sync::OnceLock::new();
    BODY.get_or_init(|| {
        Arc::new(FunctionTask::new(
            |_| Outcome::Success(None),
            TypeInfo::of::<()>(),
        ))
    })
}

impl TaskBuilder {
    /// The task's retry settings, made at the first one given.
    fn retry(&mut self) -> &mut crate::retry::RetrySpec {
        &mut self.more().retry
    }

    /// The task's rarely set settings, made at the first one given.
    fn more(&mut self) -> &mut More {
        self.setup.more.get_or_insert_with(Box::default)
    }

    #[inline]
    fn new(name: Option<TaskName>, location: Location) -> Self {
        TaskBuilder {
            name,
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            flags: TaskFlags::NONE,
            setup: Setup {
                start_cond: never_text(),
                body: Arc::clone(placeholder()),
                location,
                more: None,
                priority: 0,
                execution: None,
                misfire: None,
                registered: false,
            },
        }
    }

    /// Where the task is defined (the file loader gives the task file's line).
    pub(crate) fn at(mut self, location: Location) -> Self {
        self.setup.location = location;
        self
    }

    /// When to launch (default `false`). Parsed at ignite; errors carry this task's location.
    // perf (start-up): the text is borrowed (`&str`, `String`, `&String`, `Cow<str>` …), so
    // a task sharing the last text made costs no copy of it.
    #[inline]
    pub fn start_cond(mut self, cond: impl AsRef<str>) -> Self {
        self.setup.start_cond = shared_text(cond.as_ref());
        self
    }

    /// When to terminate a running thread/process run (default `false`).
    pub fn end_cond(mut self, cond: impl Into<String>) -> Self {
        self.more().end_cond = Some(Cow::Owned(cond.into()));
        self
    }

    /// How the task runs (default: the session's `task_execution`).
    pub fn execution(mut self, execution: Execution) -> Self {
        self.setup.execution = Some(execution);
        self
    }

    /// Maximum run length: `"2 hours"`, `"90"` (seconds) or `"never"` (default: the
    /// session's `timeout`). Checked at ignite.
    pub fn timeout(mut self, timeout: impl Into<String>) -> Self {
        self.more().timeout = Some(timeout.into());
        self
    }

    /// Higher is checked first in each cycle (default 0).
    pub fn priority(mut self, priority: i32) -> Self {
        self.setup.priority = priority;
        self
    }

    /// Never launched by its condition.
    pub fn disabled(mut self, yes: bool) -> Self {
        self.flags.disabled = yes;
        self
    }

    /// Launched at its next turn regardless of `start_cond` and `disabled`.
    pub fn force_run(mut self, yes: bool) -> Self {
        self.flags.force_run = yes;
        self
    }

    /// Runs once during start-up, never in cycles.
    pub fn on_startup(mut self, yes: bool) -> Self {
        self.flags.on_startup = yes;
        self
    }

    /// Runs once during shutdown, never in cycles.
    pub fn on_shutdown(mut self, yes: bool) -> Self {
        self.flags.on_shutdown = yes;
        self
    }

    /// Runs forever: no timeout, terminated at shutdown.
    pub fn permanent(mut self, yes: bool) -> Self {
        self.flags.permanent = yes;
        self
    }

    // retries: the retry and instance settings (docs/runtime.md, "Retries"). Values are
    // checked at ignite, whose errors name the task.

    /// How many times a failed run is tried again (default 0). A failure, a crash and a
    /// `terminate` by timeout are retried; each attempt is its own run in the log, and
    /// conditions see only the last attempt's failure.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retry().retries = Some(retries);
        self
    }

    /// The delay before the first retry: `"30 seconds"`, `"90"` (seconds); default
    /// 1 minute.
    pub fn retry_delay(mut self, delay: impl Into<String>) -> Self {
        self.retry().delay = Some(delay.into());
        self
    }

    /// Each further retry waits this factor longer than the one before (default 1.0: a
    /// constant delay; 2.0 doubles it).
    pub fn retry_backoff(mut self, factor: f64) -> Self {
        self.retry().backoff = Some(factor);
        self
    }

    /// The longest delay between attempts, whatever the backoff (default: no cap).
    pub fn retry_max_delay(mut self, delay: impl Into<String>) -> Self {
        self.retry().max_delay = Some(delay.into());
        self
    }

    /// Spreads each delay by up to this fraction either way (0.0 to 1.0; default 0.0:
    /// none). The spread is a hash of the task's name, the attempt and the failure
    /// instant, so it is the same on every replay.
    pub fn retry_jitter(mut self, fraction: f64) -> Self {
        self.retry().jitter = Some(fraction);
        self
    }

    /// How many runs of this task may be in flight at once (default 1: a task never
    /// overlaps itself). Only `thread` and `process` tasks can take more than 1.
    pub fn max_instances(mut self, instances: u32) -> Self {
        self.retry().max_instances = Some(instances);
        self
    }

    /// Every retry and instance setting at once (the task-file loader's checked values).
    pub(crate) fn retry_spec(mut self, spec: crate::retry::RetrySpec) -> Self {
        self.more().retry = spec;
        self
    }

    // zones: the task's time zone and misfire policy.
    /// The zone the task's wall-clock phrases (`daily between …`, `cron …`, `time of …`,
    /// `has … today`), in `start_cond` and `end_cond`, are computed in (default: the
    /// session's zone, `SessionBuilder::zone`).
    pub fn zone(mut self, zone: Zone) -> Self {
        self.more().zone = Some(TaskZone::Zone(zone));
        self
    }

    /// Like [`TaskBuilder::zone`], by name (`"America/New_York"`, `"UTC"`, `"local"`,
    /// `"UTC+05:30"`), read at ignite: a misspelled name is an ignite error naming the task
    /// and the closest zone. An IANA name needs redengine's `tz` feature.
    pub fn zone_name(mut self, name: impl Into<String>) -> Self {
        self.more().zone = Some(TaskZone::Name(name.into()));
        self
    }

    /// What the task does about occurrences of its schedule missed while the scheduler
    /// was down (default: the session's `misfire`, itself `RunIfOpen` by default); see
    /// [`Misfire`].
    pub fn misfire(mut self, policy: Misfire) -> Self {
        self.setup.misfire = Some(policy);
        self
    }

    /// A task parameter: the body reads it with `ctx.param::<T>(name)`.
    pub fn param<T: Any + Send + Sync>(self, name: impl Into<String>, value: T) -> Self {
        self.param_value(name, Value::new(value))
    }

    /// A task parameter from an already erased [`Value`] (e.g. a serializable one).
    pub fn param_value(mut self, name: impl Into<String>, value: Value) -> Self {
        let name = name.into();
        self.declare(&name, value.type_info());
        self.more().params.retain(|(n, _)| *n != name);
        self.more().params.push((name, TaskParam::Value(value)));
        self
    }

    /// Declares that the body takes the session parameter (or `#[param]` function) `name`
    /// of type `T`; ignite checks it exists with that type.
    pub fn arg<T: Any>(mut self, name: impl Into<String>) -> Self {
        self.declare(&name.into(), TypeInfo::of::<T>());
        self
    }

    /// Like [`TaskBuilder::arg`], for a serializable `T`: the value can be sent to a
    /// `process` child, so use this for tasks with `Execution::Process` (`arg` declares a
    /// type the process executor cannot send).
    pub fn arg_serde<T>(mut self, name: impl Into<String>) -> Self
    where
        T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        self.declare(&name.into(), TypeInfo::serde::<T>());
        self
    }

    /// Binds `name` to the latest return value (of type `T`) of `task`: the body reads
    /// `ctx.returned::<T>(name)`, `None` before `task` succeeded in this process. For a
    /// `process` task the value is sent with the codec of `task`'s return type (a `#[task]`
    /// or [`TaskBuilder::run_serde`] task has one); otherwise use
    /// [`TaskBuilder::returned_from_serde`].
    pub fn returned_from<T: Any>(
        mut self,
        name: impl Into<String>,
        task: impl Into<String>,
    ) -> Self {
        let name = name.into();
        self.declare(&name, TypeInfo::of::<T>());
        self.more().params.retain(|(n, _)| *n != name);
        self.more()
            .params
            .push((name, TaskParam::Return(task.into())));
        self
    }

    /// Like [`TaskBuilder::returned_from`], for a serializable `T`: the value can be sent
    /// to a `process` child even when `task` was built without a codec (with
    /// [`TaskBuilder::run`] rather than [`TaskBuilder::run_serde`]).
    pub fn returned_from_serde<T>(self, name: impl Into<String>, task: impl Into<String>) -> Self
    where
        T: Any + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        let name = name.into();
        let mut builder = self.returned_from::<T>(name.clone(), task);
        builder.declare(&name, TypeInfo::serde::<T>());
        builder
    }

    fn declare(&mut self, name: &str, ty: TypeInfo) {
        match self.more().args.iter_mut().find(|a| a.name == name) {
            Some(arg) => arg.ty = ty,
            None => self.more().args.push(TaskArg {
                name: name.to_string(),
                ty,
            }),
        }
    }

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
    pub fn kind_arc(mut self, kind: Arc<dyn TaskKind>) -> Task {
        self.setup.body = kind;
        Task {
            name: self.name,
            instance: self.instance,
            setup: shared_setup(self.setup),
            flags: self.flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_task_without_rare_settings_keeps_no_box_for_them() {
        let plain = Task::builder("plain").start_cond("daily").run(|_| ());
        assert!(plain.setup.more.is_none());
        let timed = Task::builder("timed").timeout("1 hour").run(|_| ());
        assert_eq!(timed.more().timeout.as_deref(), Some("1 hour"));
        assert!(plain.more().args.is_empty());
        assert_eq!(plain.end_cond(), "false");
        let ended = Task::builder("ended").end_cond("after 1 hour").run(|_| ());
        assert_eq!(ended.end_cond(), "after 1 hour");
        assert_eq!(ended.start_cond(), "false");
    }

    #[test]
    fn neighbours_with_one_start_text_share_it_and_each_reads_its_own() {
        let window = String::from("daily between 08:00 and 09:00");
        let tasks: Vec<Task> = ["a", "b", "c", "d"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let cond = if i == 2 { "daily" } else { window.as_str() };
                Task::builder(*name).start_cond(cond).run(|_| ())
            })
            .collect();
        let texts: Vec<&str> = tasks.iter().map(Task::start_cond).collect();
        assert_eq!(
            texts,
            [window.as_str(), window.as_str(), "daily", window.as_str()]
        );
        assert!(Arc::ptr_eq(
            &tasks[0].setup.start_cond,
            &tasks[1].setup.start_cond
        ));
        // A text made again after another one is a copy of its own, read the same.
        assert!(!Arc::ptr_eq(
            &tasks[1].setup.start_cond,
            &tasks[3].setup.start_cond
        ));
        // The default `false`, given or not, is one text for every task.
        let unset = Task::builder("e").run(|_| ());
        let given = Task::builder("f").start_cond("false").run(|_| ());
        assert_eq!((unset.start_cond(), given.start_cond()), ("false", "false"));
        assert!(Arc::ptr_eq(
            &unset.setup.start_cond,
            &given.setup.start_cond
        ));
        // Dropping every task that held a text lets it go: a later equal text is new.
        let again = Task::builder("g").start_cond("every 1 hour").run(|_| ());
        let kept = Arc::downgrade(&again.setup.start_cond);
        drop(again);
        assert!(kept.upgrade().is_none());
    }
}
