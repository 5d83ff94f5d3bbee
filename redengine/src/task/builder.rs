//! Building a task: its name, conditions, flags and settings, one step at a time; a
//! builder is finished by its body (see `body`).

use std::any::Any;
use std::borrow::Cow;
use std::sync::atomic::Ordering;

use redengine_conditions::Zone;

use super::setup::Draft;
use super::{shared_text, Location, More, TaskArg, TaskName, TaskParam, NEXT_INSTANCE};
use crate::execution::Execution;
use crate::misfire::Misfire;
use crate::registry::TaskFlags;
use crate::task_zone::TaskZone;
use crate::value::{TypeInfo, Value};

/// Builds a [`Task`](super::Task); finish with [`TaskBuilder::run`] (a function) or
/// [`TaskBuilder::kind`] (any [`TaskKind`](crate::TaskKind)).
#[must_use = "a task builder does nothing until `.run(body)` or `.kind(kind)` makes the task"]
pub struct TaskBuilder {
    pub(super) name: Option<TaskName>,
    pub(super) instance: u64,
    pub(super) flags: TaskFlags,
    pub(super) setup: Draft,
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
    pub(super) fn new(name: Option<TaskName>, location: Location) -> Self {
        TaskBuilder {
            name,
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            flags: TaskFlags::NONE,
            setup: Draft {
                start_cond: None,
                location,
                more: None,
                priority: 0,
                execution: None,
                misfire: None,
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
        self.setup.start_cond = Some(shared_text(cond.as_ref()));
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
}
