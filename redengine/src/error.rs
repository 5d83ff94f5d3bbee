//! The runtime's error type: configuration, ignite problems, the log store, fatal stops.
//!
//! A task failure is *not* an `Error`: it is a logged outcome.

use std::fmt;

use crate::location::Location;
use crate::log::LogError;

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem found at ignite, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The definition the problem is about (`None` for session-level settings).
    pub location: Option<Location>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{at}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration key got a value it does not accept (or the key is unknown).
    Config {
        /// The key.
        key: String,
        /// The rejected value.
        value: String,
        /// What the key accepts.
        accepted: String,
    },
    /// Ignite found problems; nothing was launched. Every problem is listed.
    Ignite(Vec<Problem>),
    /// The task log could not be opened, read or written.
    Log(LogError),
    /// A condition evaluation error with `silence_cond_check = false`.
    Condition(String),
    /// A pre-run failure with `silence_task_prerun = false`.
    PreRun(String),
    /// A scheduler hook failed.
    Hook(String),
    // manage: tasks changed from a SessionHandle while the scheduler runs.
    /// A task change asked through a `SessionHandle` was refused; nothing changed. Every
    /// problem is listed.
    Refused {
        /// The change, e.g. "add task 'report'".
        change: String,
        /// Why it was refused.
        problems: Vec<Problem>,
    },
}

/// The error of session building, ignite and the scheduler.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error { kind }
    }

    pub(crate) fn config(key: &str, value: &str, accepted: &str) -> Self {
        Error::new(ErrorKind::Config {
            key: key.to_string(),
            value: value.to_string(),
            accepted: accepted.to_string(),
        })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The ignite problems, if this is an ignite error, or why a task change was refused
    /// (empty otherwise).
    pub fn problems(&self) -> &[Problem] {
        match &self.kind {
            ErrorKind::Ignite(problems) => problems,
            ErrorKind::Refused { problems, .. } => problems,
            _ => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Config {
                key,
                value,
                accepted,
            } => write!(
                f,
                "invalid value `{value}` for config `{key}`: expected {accepted}"
            ),
            ErrorKind::Ignite(problems) => {
                let n = problems.len();
                write!(
                    f,
                    "the session cannot start: {n} problem{}",
                    if n == 1 { "" } else { "s" }
                )?;
                for p in problems {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
            ErrorKind::Log(e) => write!(f, "task log: {e}"),
            ErrorKind::Condition(m) => write!(
                f,
                "{m} (the scheduler stopped because `silence_cond_check` is false; set it \
                 to true to count failing checks as false)"
            ),
            ErrorKind::PreRun(m) => write!(
                f,
                "{m} (the scheduler stopped because `silence_task_prerun` is false; set it \
                 to true to keep scheduling)"
            ),
            ErrorKind::Hook(m) => write!(f, "scheduler hook failed: {m}"),
            ErrorKind::Refused { change, problems } => {
                write!(f, "{change}: refused, nothing changed")?;
                for p in problems {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Log(e) => Some(e),
            _ => None,
        }
    }
}

impl From<LogError> for Error {
    fn from(e: LogError) -> Self {
        Error::new(ErrorKind::Log(e))
    }
}
