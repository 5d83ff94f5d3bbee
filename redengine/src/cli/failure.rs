//! How a command stops when it cannot do its work.

use super::args::UsageError;

/// Why a command stopped: a usage error (exit 2) or a runtime failure (exit 1).
#[derive(Debug)]
pub(super) enum Failure {
    /// The command line (or a name or time in it) is wrong.
    Usage(UsageError),
    /// The session, its log or a task failed; the text is the whole message.
    Runtime(String),
}
