//! What a command line asks for: the commands, the values of their options, and the
//! defaults `--help` names. The parser (`args`) reads the arguments into these.

use std::path::PathBuf;

/// The commands, in the order `--help` lists them.
pub(crate) const COMMANDS: &[&str] = &[
    "run", "list", "check", "run-task", "history", "log", "serve", "status", "worker", "help",
];

/// How many records `history` shows when `--limit` is not given.
pub(crate) const HISTORY_LIMIT: usize = 50;

/// Where `serve` listens when `--addr` is not given: this machine only.
pub(crate) const SERVE_ADDR: &str = "127.0.0.1:8080";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// Start the scheduler (the default).
    Run,
    /// Print every task with its conditions, last outcome and next start.
    List {
        /// `--at TIME`: the instant to look from (default: now).
        at: Option<String>,
        /// `--wide`: one row per task with every column, however wide.
        wide: bool,
        /// `--json`: one JSON document for scripts.
        json: bool,
    },
    /// Explain each task's start condition.
    Check {
        /// The tasks to check (empty: all).
        tasks: Vec<String>,
        /// `--at TIME`: the instant to check at (default: now).
        at: Option<String>,
        /// `--json`: one JSON document for scripts.
        json: bool,
    },
    /// Run the named tasks once, now.
    RunTask {
        /// The tasks to run (never empty).
        tasks: Vec<String>,
    },
    // --- store: history and log maintenance ---
    /// Print the log's records, newest first.
    History {
        /// The tasks to show (empty: all).
        tasks: Vec<String>,
        /// `--since TIME`: only records made at or after it.
        since: Option<String>,
        /// `--failed`: only `fail`, `terminate` and `crash` records.
        failed: bool,
        /// `--limit N`: at most N records (default [`HISTORY_LIMIT`]; 0: all).
        limit: usize,
        /// `--json`: one JSON document for scripts.
        json: bool,
    },
    /// `log import FILE`, `log export FILE`, `log compact`.
    Log(LogCommand),
    // --- cluster: the state of a PostgreSQL cluster ---
    /// Which node leads, which stand by, the runs in flight.
    Status,
    /// Execute queued `worker` runs until killed.
    Worker,
    // --- status: the status page ---
    /// Serve the status page of the session's log, read-only.
    Serve {
        /// `--addr ADDR`: where to listen (default [`SERVE_ADDR`]).
        addr: String,
    },
    /// Print the usage.
    Help,
}

/// What `log` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogCommand {
    /// Append every record of a CSV log to the session's (SQLite) log.
    Import(PathBuf),
    /// Write every record of the session's log to a new CSV file.
    Export(PathBuf),
    /// Rewrite the session's CSV log without the records older than the retention.
    Compact,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// `--log PATH`: the CSV log to use instead of the session's store.
    pub(crate) log: Option<PathBuf>,
    /// The command.
    pub(crate) command: Command,
}
