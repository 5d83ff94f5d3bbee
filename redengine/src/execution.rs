//! Where a run executes: the names of the executors, the vocabulary tasks, config and hooks
//! use. A leaf, apart from the executors themselves (`executor`), which import the model
//! these names belong to. They are parsed by the one parser `#[task]` uses too
//! (`redengine_conditions::settings`).

use std::fmt;
use std::str::FromStr;

use redengine_conditions::settings::{self, ExecutionName};

/// How a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Execution {
    /// On the scheduler thread; the cycle waits for it (`"main"`, alias `"inline"`).
    Main,
    /// On a thread of a shared pool, which grows to the runs in flight and shrinks when
    /// idle (`"thread"`).
    Thread,
    /// In a child process re-executing the current binary (`"process"`, the default).
    #[default]
    Process,
    /// As a future on a tokio runtime (`"async"`): the default of `async fn` tasks, which
    /// run nowhere else but `process`. Needs the `tokio` feature; see docs/async.md.
    Async,
    // cluster: runs queued for workers.
    /// Queued in the cluster's PostgreSQL database and executed by a `worker` process as
    /// a process child there (`"worker"`; needs the `postgres` feature and a PostgreSQL
    /// log; docs/cluster.md).
    Worker,
}

impl Execution {
    /// The accepted spellings, for error messages.
    pub const ACCEPTED: &'static str = settings::EXECUTION_ACCEPTED;

    /// The canonical name (`main`, `thread`, `process`, `async`, `worker`).
    pub fn as_str(self) -> &'static str {
        match self {
            Execution::Main => "main",
            Execution::Thread => "thread",
            Execution::Process => "process",
            Execution::Async => "async",
            Execution::Worker => "worker",
        }
    }
}

impl fmt::Display for Execution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An execution name that is not one of [`Execution::ACCEPTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownExecution(pub String);

impl fmt::Display for UnknownExecution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown execution `{}`, expected one of: {}",
            self.0,
            Execution::ACCEPTED
        )?;
        // The same hint `#[task(execution = …)]` gives at compile time.
        match settings::parse_execution(&self.0)
            .err()
            .and_then(|e| e.help().map(str::to_owned))
        {
            Some(help) if help.starts_with("did you mean") => write!(f, "; {help}"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for UnknownExecution {}

impl FromStr for Execution {
    type Err = UnknownExecution;

    /// Parsed by the one parser `#[task]` uses too, so both accept the same names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match settings::parse_execution(s) {
            Ok(ExecutionName::Main) => Ok(Execution::Main),
            Ok(ExecutionName::Thread) => Ok(Execution::Thread),
            Ok(ExecutionName::Process) => Ok(Execution::Process),
            Ok(ExecutionName::Async) => Ok(Execution::Async),
            Ok(ExecutionName::Worker) => Ok(Execution::Worker),
            Err(_) => Err(UnknownExecution(s.to_string())),
        }
    }
}
