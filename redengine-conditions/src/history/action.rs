//! What a log record says happened to a task, and its word in the log.

use std::fmt;
use std::str::FromStr;

/// What a log record says happened to a task: the `action` column of the task log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// The task started.
    Run,
    /// The task finished without error.
    Success,
    /// The task finished with an error (or panicked).
    Fail,
    /// The task was stopped before it finished (timeout, `end_cond`, manual, shutdown).
    Terminate,
    /// The task decided there was nothing to do.
    Inaction,
    /// Written at start-up for a run an earlier process left unfinished.
    Crash,
}

impl Action {
    /// Every action, in the order of the enum.
    pub const ALL: [Action; 6] = [
        Action::Run,
        Action::Success,
        Action::Fail,
        Action::Terminate,
        Action::Inaction,
        Action::Crash,
    ];

    /// The word used in the log and in messages (`run`, `success`, …).
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

    /// Whether the record ends a run (every action except `run`).
    pub fn is_end(self) -> bool {
        self != Action::Run
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of `"…".parse::<Action>()`: the text is not one of the six action words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseActionError {
    text: String,
}

impl fmt::Display for ParseActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown task action `{}`, expected one of: `run`, `success`, `fail`, `terminate`, \
             `inaction`, `crash`",
            self.text
        )
    }
}

impl std::error::Error for ParseActionError {}

impl FromStr for Action {
    type Err = ParseActionError;

    /// Reads the log word of an action, exactly as [`Action::as_str`] writes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| ParseActionError { text: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_words_round_trip() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        let error = "Success".parse::<Action>().unwrap_err();
        assert!(error.to_string().contains("`Success`"));
        assert!(error.to_string().contains("`success`"));
    }
}
