//! The session: configuration, tasks, parameters, hooks and the task log.

use std::collections::HashMap;
use std::sync::Arc;

use redengine_conditions::Zone;

use crate::clock::Clock;
use crate::config::Config;
use crate::custom::CustomCondition;
use crate::error::Result;
use crate::handle::{Control, SessionHandle};
use crate::hooks::Hooks;
use crate::log::LogStore;
use crate::task::Task;
use crate::value::Value;

/// A configured scheduler: build with [`Session::builder`] or [`Session::from_registry`],
/// start with [`Session::run`].
pub struct Session {
    pub(crate) config: Config,
    pub(crate) tasks: Vec<Task>,
    pub(crate) conditions: HashMap<String, CustomCondition>,
    pub(crate) hooks: Hooks,
    pub(crate) store: Box<dyn LogStore>,
    pub(crate) zone: Zone,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) control: Arc<Control>,
    /// The latest return value of each task since this process started (what `Return`
    /// bindings receive): the in-memory counterpart of the log, kept across `run()` and
    /// `run_tasks()` calls and emptied by a restart.
    pub(crate) returns: HashMap<String, Value>,
    /// Tasks read from files (`load_tasks`), if any.
    pub(crate) loader: Option<crate::loader::LoaderState>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("config", &self.config)
            .field("tasks", &self.tasks)
            .field("log", &self.store.describe())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// An empty session builder (no registered tasks: tests stay isolated).
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// A handle to control the session while it runs (from another thread, a hook or a task).
    pub fn handle(&self) -> SessionHandle {
        SessionHandle {
            control: Arc::clone(&self.control),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How `task` runs here: its own execution, else the session's `task_execution`.
    pub(crate) fn execution_of(&self, task: &Task) -> crate::execution::Execution {
        task.setup.execution.unwrap_or(self.config.task_execution)
    }
}

mod builder;
mod history;

pub use builder::SessionBuilder;

/// What a `#[redengine::main]` function may return: the session, or what builds it.
///
/// `fn main() -> Session`, `fn main() -> redengine::Result<Session>` and
/// `fn main() -> SessionBuilder` all work; a build error is reported and the binary exits
/// with a failure code instead of panicking.
pub trait IntoSession {
    /// Builds (or passes on) the session.
    fn into_session(self) -> Result<Session>;
}

impl IntoSession for Session {
    fn into_session(self) -> Result<Session> {
        Ok(self)
    }
}

impl IntoSession for SessionBuilder {
    fn into_session(self) -> Result<Session> {
        self.build()
    }
}

impl IntoSession for Result<Session> {
    fn into_session(self) -> Result<Session> {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::{Execution, Session, Task};

    #[test]
    fn a_task_runs_as_it_says_else_as_the_session_says() {
        let session = Session::builder()
            .log_memory()
            .task_execution(Execution::Thread)
            .build()
            .unwrap();
        let own = Task::builder("own").execution(Execution::Main).run(|_| ());
        let plain = Task::builder("plain").run(|_| ());
        assert_eq!(session.execution_of(&own), Execution::Main);
        assert_eq!(session.execution_of(&plain), Execution::Thread);
    }
}
