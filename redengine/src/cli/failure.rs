//! How a command stops when it cannot do its work: a wrong command line (with a hint),
//! or a runtime failure.

use std::fmt;

use redengine_conditions::suggest;

/// Why a command stopped: a usage error (exit 2) or a runtime failure (exit 1).
#[derive(Debug)]
pub(super) enum Failure {
    /// The command line (or a name or time in it) is wrong.
    Usage(UsageError),
    /// The session, its log or a task failed; the text is the whole message.
    Runtime(String),
}

/// A command line that cannot be obeyed: exit code 2, the message and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UsageError {
    /// What is wrong, naming the argument.
    pub(crate) message: String,
    /// How to fix it ("did you mean …", the expected form).
    pub(crate) help: Option<String>,
}

impl UsageError {
    pub(super) fn new(message: impl Into<String>, help: Option<String>) -> Self {
        UsageError {
            message: message.into(),
            help,
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// "did you mean `x`?" for `word` among `candidates`, if one is close.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(word, candidates).map(|s| format!("did you mean `{s}`?"))
}
