//! The names of the executors: the vocabulary tasks, config and hooks use.

use std::fmt;
use std::str::FromStr;

/// How a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Execution {
    /// On the scheduler thread; the cycle waits for it (`"main"`, alias `"inline"`).
    Main,
    /// On a new OS thread per run (`"thread"`).
    Thread,
    /// In a child process re-executing the current binary (`"process"`, the default).
    #[default]
    Process,
}

impl Execution {
    /// The accepted spellings, for error messages.
    pub const ACCEPTED: &'static str = "`main` (alias `inline`), `thread`, `process`";

    /// The canonical name (`main`, `thread`, `process`).
    pub fn as_str(self) -> &'static str {
        match self {
            Execution::Main => "main",
            Execution::Thread => "thread",
            Execution::Process => "process",
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
        )
    }
}

impl std::error::Error for UnknownExecution {}

impl FromStr for Execution {
    type Err = UnknownExecution;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "main" | "inline" => Ok(Execution::Main),
            "thread" => Ok(Execution::Thread),
            "process" => Ok(Execution::Process),
            other => Err(UnknownExecution(other.to_string())),
        }
    }
}
