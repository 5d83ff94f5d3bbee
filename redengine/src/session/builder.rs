//! Building a session: every setting, task, parameter, hook and store, checked at
//! `build()` where it can be.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use redengine_conditions::Zone;

mod hooks;
mod store;

use super::Session;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Restarting, TaskPreExist, Timeout};
use crate::custom::{ConditionContext, CustomCondition};
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::execution::Execution;
use crate::handle::Control;
use crate::hooks::Hooks;
use crate::location::Location;
use crate::log::LogStore;
use crate::params::{ParamContext, ParamFn, Params};
use crate::registry;
use crate::task::Task;
use crate::value::{TypeInfo, Value};

impl Session {
    /// A builder holding every `#[task]`, `#[param]` and `#[condition]` linked into the
    /// binary, in definition order.
    pub fn from_registry() -> SessionBuilder {
        let mut builder = SessionBuilder::default();
        for def in registry::tasks() {
            builder.tasks.push(Task::from_def(def));
        }
        for def in registry::params() {
            let call = def.call;
            let f = ParamFn {
                returns: def.returns,
                call: Arc::new(call),
                location: def.location,
            };
            builder.params.set_fn(def.name, f);
        }
        for def in registry::conditions() {
            let call = def.call;
            builder.conditions.insert(
                def.name.to_string(),
                CustomCondition {
                    call: Arc::new(call),
                    location: def.location,
                },
            );
        }
        builder
    }
}

/// Builds a [`Session`].
pub struct SessionBuilder {
    config: Config,
    errors: Vec<Error>,
    tasks: Vec<Task>,
    params: Params,
    conditions: HashMap<String, CustomCondition>,
    hooks: Hooks,
    store: Option<Box<dyn LogStore>>,
    zone: Zone,
    clock: Arc<dyn Clock>,
    loader: Option<crate::loader::Loader>,
    // async: the runtime async tasks run on.
    #[cfg(feature = "tokio")]
    tokio_handle: Option<tokio::runtime::Handle>,
    #[cfg(feature = "tokio")]
    tokio_workers: usize,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        SessionBuilder {
            config: Config::default(),
            errors: Vec::new(),
            tasks: Vec::new(),
            params: Params::default(),
            conditions: HashMap::new(),
            hooks: Hooks::default(),
            store: None,
            zone: Zone::Local,
            clock: Arc::new(SystemClock),
            loader: None,
            // async: the runtime async tasks run on.
            #[cfg(feature = "tokio")]
            tokio_handle: None,
            #[cfg(feature = "tokio")]
            tokio_workers: 0,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.config.$name = value;
            self
        }
    )*};
}

impl SessionBuilder {
    setters! {
        /// Duplicate task names: `Raise` (default), `Replace`, `Ignore`, `Rename`.
        task_pre_exist: TaskPreExist;
        /// Name unnamed programmatic tasks by their instance id (default `false`).
        use_instance_naming: bool;
        /// `true` (default): a pre-run failure is logged and scheduling continues.
        silence_task_prerun: bool;
        /// `true` (default): a failing condition check counts as false and is logged.
        silence_cond_check: bool;
        /// Read every condition answer from the log (default `false`; same answers).
        force_status_from_logs: bool;
        /// Execution of tasks that set none (default `Process`).
        task_execution: Execution;
        /// Timeout of thread/process tasks that set none (default 30 minutes).
        timeout: Timeout;
        /// At most this many process runs alive at once (default `0`: the CPU count,
        /// looked up when a process run first needs a slot).
        max_process_count: usize;
        /// Shutdown terminates running runs instead of waiting (default `false`).
        instant_shutdown: bool;
        /// What a restart does: `Replace` (exec, default) or `Recall` (same process).
        restarting: Restarting;
        /// How often a waiting scheduler re-checks custom conditions (default 1 s).
        custom_poll: Duration;
        /// zones: what tasks that set no `misfire` do about occurrences missed while the
        /// scheduler was down (default `RunIfOpen`; docs/runtime.md, "Catch-up after
        /// downtime").
        misfire: crate::misfire::Misfire;
    }

    // async: signals and the tokio runtime.
    /// `false`: `run()` installs no SIGINT/SIGTERM handlers (default `true`, the config key
    /// `handle_signals`). For a program that handles signals itself and stops the
    /// session through [`SessionHandle::shutdown`](crate::SessionHandle::shutdown).
    pub fn handle_signals(mut self, on: bool) -> Self {
        self.config.handle_signals = on;
        self
    }

    /// Runs `execution = "async"` tasks on the program's tokio runtime instead of one the
    /// session makes for itself (see docs/async.md).
    #[cfg(feature = "tokio")]
    pub fn tokio_handle(mut self, handle: tokio::runtime::Handle) -> Self {
        self.tokio_handle = Some(handle);
        self
    }

    /// Worker threads of the runtime the session makes for async tasks when it is given
    /// none (default 2; at least 1).
    #[cfg(feature = "tokio")]
    pub fn tokio_workers(mut self, workers: usize) -> Self {
        self.tokio_workers = workers.max(1);
        self
    }

    /// Pause after each cycle (default none: wait for the next possible change instead).
    pub fn cycle_sleep(mut self, pause: Option<Duration>) -> Self {
        self.config.cycle_sleep = pause;
        self
    }

    /// The condition that stops the scheduler, checked before every cycle (default `false`).
    pub fn shut_cond(mut self, cond: impl Into<String>) -> Self {
        self.config.shut_cond = cond.into();
        self
    }

    /// Sets a config key from its string form (Red Engine's `config={…}`). An invalid value is
    /// reported by [`SessionBuilder::build`], naming the key and the accepted values.
    pub fn config(mut self, key: &str, value: impl ToString) -> Self {
        if let Err(e) = self.config.set(key, &value.to_string()) {
            self.errors.push(e);
        }
        self
    }

    /// Adds a task.
    pub fn task(mut self, task: Task) -> Self {
        self.tasks.push(task);
        self
    }

    /// Adds tasks, in order.
    pub fn with_tasks(mut self, tasks: impl IntoIterator<Item = Task>) -> Self {
        self.tasks.extend(tasks);
        self
    }

    /// Loads shell-command tasks from the TOML files under `dir` matching `glob` (e.g.
    /// `"**/*.toml"`), at start-up and whenever they change; see [`crate::loader`] for the
    /// file format. An invalid glob is reported by [`SessionBuilder::build`].
    pub fn load_tasks(mut self, dir: impl Into<PathBuf>, glob: &str) -> Self {
        match crate::loader::Loader::new(dir, glob) {
            Ok(loader) => self.loader = Some(loader),
            Err(e) => self.errors.push(e),
        }
        self
    }

    /// Loads tasks with a configured [`Loader`](crate::loader::Loader) (e.g. another poll
    /// interval).
    pub fn loader(mut self, loader: crate::loader::Loader) -> Self {
        self.loader = Some(loader);
        self
    }

    /// A session parameter value.
    pub fn param<T: Any + Send + Sync>(mut self, name: &str, value: T) -> Self {
        self.params.set_value(name, Value::new(value));
        self
    }

    /// A session parameter value that is already erased (e.g. [`Value::serializable`]).
    pub fn param_value(mut self, name: &str, value: Value) -> Self {
        self.params.set_value(name, value);
        self
    }

    /// A parameter function: called right before each launch of a task that takes `name`,
    /// and only then. `Err` is a pre-run failure.
    #[track_caller]
    pub fn param_fn<T, E, F>(mut self, name: &str, f: F) -> Self
    where
        T: Any + Send + Sync,
        E: std::fmt::Display,
        F: Fn(&ParamContext<'_>) -> Result<T, E> + Send + Sync + 'static,
    {
        let location = Location::caller();
        self.params.set_fn(
            name,
            ParamFn {
                returns: TypeInfo::of::<T>(),
                call: Arc::new(move |ctx| f(ctx).map(Value::new).map_err(|e| e.to_string())),
                location,
            },
        );
        self
    }

    /// A custom condition usable by name in conditions.
    #[track_caller]
    pub fn condition<F>(mut self, name: &str, f: F) -> Self
    where
        F: Fn(&ConditionContext<'_>) -> Result<bool, String> + Send + Sync + 'static,
    {
        let location = Location::caller();
        self.conditions.insert(
            name.to_string(),
            CustomCondition {
                call: Arc::new(f),
                location,
            },
        );
        self
    }

    /// The time zone wall-clock periods are computed in (default: local).
    pub fn zone(mut self, zone: Zone) -> Self {
        self.zone = zone;
        self
    }

    /// The clock (default [`SystemClock`]; tests use [`ManualClock`](crate::ManualClock)).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    // --- status: the status page (docs/status.md) ---
    /// Serves the status page, its JSON API and Prometheus `/metrics` at `addr` (such as
    /// `127.0.0.1:8080`) while the scheduler runs: config key `status_page`. The server
    /// reads what the scheduler publishes each cycle, so a slow client never slows the
    /// loop. Needs the `status` cargo feature.
    pub fn status_page(self, addr: impl ToString) -> Self {
        self.config("status_page", addr)
    }

    /// The token the status page's actions (run now, terminate, disable, enable) require,
    /// sent as `Authorization: Bearer TOKEN` or `X-Redengine-Token: TOKEN`: config key
    /// `status_token`. Without one every action is refused.
    pub fn status_token(self, token: impl ToString) -> Self {
        self.config("status_token", token)
    }
    // --- end status ---

    /// Finishes the session. Invalid `config(key, value)` entries are reported here;
    /// everything else is checked at ignite.
    pub fn build(mut self) -> Result<Session> {
        // Every invalid setting at once: one stays its own `Config` error, several are
        // listed together like ignite's problems.
        if self.errors.len() == 1 {
            return Err(self.errors.remove(0));
        }
        if !self.errors.is_empty() {
            let problems = self
                .errors
                .iter()
                .map(|e| Problem {
                    location: None,
                    message: e.to_string(),
                })
                .collect();
            return Err(Error::new(ErrorKind::Ignite(problems)));
        }
        let store = store::open(self.store, &self.config)?;
        let log_reader = store.reader();
        let (tx, rx) = crate::event::channel();
        Ok(Session {
            config: self.config,
            tasks: self.tasks,
            conditions: self.conditions,
            hooks: self.hooks,
            store,
            zone: self.zone,
            clock: self.clock,
            control: Arc::new(Control {
                shutdown: AtomicBool::new(false),
                signals: AtomicUsize::new(0),
                restart: AtomicBool::new(false),
                on_hold: AtomicBool::new(false),
                force_run: Mutex::new(HashSet::new()),
                force_termination: Mutex::new(HashSet::new()),
                requested: AtomicBool::new(false),
                params: RwLock::new(self.params),
                tx,
                rx,
                inline_run: Mutex::new(None),
                desk: Mutex::default(),
                // async: the runtime async tasks run on.
                #[cfg(feature = "tokio")]
                tokio: crate::runtime::AsyncRuntime::new(self.tokio_handle, self.tokio_workers),
                #[cfg(not(feature = "tokio"))]
                tokio: crate::runtime::AsyncRuntime::default(),
                log_reader: Mutex::new(log_reader),
            }),
            returns: HashMap::new(),
            loader: self.loader.map(crate::loader::LoaderState::new),
        })
    }
}
