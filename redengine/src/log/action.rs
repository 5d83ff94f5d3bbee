//! Stand-in for `redengine_conditions::Action` until the eval helper's version lands on
//! main. It follows the cross-crate contract exactly, so switching to the re-export is a
//! one-line change in `log/mod.rs` plus deleting this file.

use std::fmt;
use std::str::FromStr;

/// What happened to a task: the `action` column of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A run was handed to its executor.
    Run,
    /// The body returned normally.
    Success,
    /// The body returned an error or panicked, or the run failed before the body started.
    Fail,
    /// The scheduler terminated the run, or the body stopped on its termination flag.
    Terminate,
    /// The body reported that it had nothing to do.
    Inaction,
    /// Written at start-up for a run an earlier process left without a finish.
    Crash,
}

impl Action {
    /// The lowercase name used in the log and in conditions (`"run"`, `"success"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Run => "run",
            Action::Success => "success",
            Action::Fail => "fail",
            Action::Terminate => "terminate",
            Action::Inaction => "inaction",
            Action::Crash => "crash",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`Action`] from a word that names none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseActionError(String);

impl fmt::Display for ParseActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown action `{}`, expected one of: run, success, fail, terminate, inaction, crash",
            self.0
        )
    }
}

impl std::error::Error for ParseActionError {}

impl FromStr for Action {
    type Err = ParseActionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "run" => Ok(Action::Run),
            "success" => Ok(Action::Success),
            "fail" => Ok(Action::Fail),
            "terminate" => Ok(Action::Terminate),
            "inaction" => Ok(Action::Inaction),
            "crash" => Ok(Action::Crash),
            other => Err(ParseActionError(other.to_owned())),
        }
    }
}
