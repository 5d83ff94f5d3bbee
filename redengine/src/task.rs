//! Tasks: the runtime object, built from a builder or from a registered `TaskDef`.

pub(crate) use crate::location::Location;

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::execution::Execution;
use crate::kind::{FunctionTask, TaskKind};
use crate::misfire::Misfire;
use crate::registry::{BindingValue, TaskDef, TaskFlags};
use crate::task_zone::TaskZone;
use crate::value::{TypeInfo, Value};

mod body;
mod builder;
pub(crate) mod name;
mod setup;
mod share;

pub use builder::TaskBuilder;

pub(crate) use name::TaskName;
use setup::shared_setup;
pub(crate) use setup::{same_place, Setup};

pub(crate) use share::shared_text;

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

#[cfg(test)]
mod tests {
    use super::*;

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
