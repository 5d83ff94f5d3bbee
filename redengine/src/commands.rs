//! The scheduler's commands as a `clap::Subcommand`, for programs with a clap command
//! line of their own (the `clap` feature). Each command runs exactly as the generated
//! `main`'s (it is handed to the same parser), so behaviour, output and exit codes match.
//!
//! ```no_run
//! use std::process::ExitCode;
//! use clap::{Parser, Subcommand};
//! use redengine::{SchedulerCommand, Session, SessionBuilder};
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: Command,
//! }
//!
//! #[derive(Subcommand)]
//! enum Command {
//!     /// The program's own command.
//!     Serve,
//!     /// The scheduler: run, list, check, run-task, history, log, serve, status, worker.
//!     #[command(subcommand)]
//!     Scheduler(SchedulerCommand),
//! }
//!
//! fn session() -> SessionBuilder {
//!     Session::from_registry()
//! }
//!
//! fn main() -> ExitCode {
//!     // Process-task children re-execute the program with the same arguments, so they
//!     // come back here and are served by `SchedulerCommand::run`.
//!     match Cli::parse().command {
//!         Command::Serve => ExitCode::SUCCESS,
//!         Command::Scheduler(command) => command.run(session),
//!     }
//! }
//! ```

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::session::IntoSession;

/// Options every scheduler command takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct CommonArgs {
    /// Use the task log at PATH instead of the session's log: SQLite for `.db`, `.sqlite`
    /// and `.sqlite3` (feature `sqlite`), PostgreSQL for a `postgres://` URL (feature
    /// `postgres`), CSV otherwise.
    #[arg(long, value_name = "PATH")]
    pub log: Option<PathBuf>,
}

/// The generated `main`'s commands, for embedding in a clap command line.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum SchedulerCommand {
    /// Start the scheduler.
    Run {
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// Every task: execution, priority, last outcome, next start, conditions.
    List {
        /// The instant to look from (default: now), in the session's time zone.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// One row per task with every column.
        #[arg(long)]
        wide: bool,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// Explain the start condition of each task (all by default), now or at TIME.
    Check {
        /// The tasks to check.
        tasks: Vec<String>,
        /// The instant to check at (default: now), in the session's time zone.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// Run the named tasks once, now; the exit code is 1 unless all succeeded.
    RunTask {
        /// The tasks to run.
        #[arg(required = true)]
        tasks: Vec<String>,
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// The log's records, newest first (all tasks by default); reads while the scheduler
    /// runs.
    History {
        /// The tasks whose records to show.
        tasks: Vec<String>,
        /// Only records made at or after TIME, in the session's time zone.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only `fail`, `terminate` and `crash` records.
        #[arg(long)]
        failed: bool,
        /// At most N records (0: all).
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// Copy records between task logs, or drop those older than `log_retention`.
    Log {
        #[command(subcommand)]
        #[allow(missing_docs)]
        action: LogAction,
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// The status page of the log, read-only (the `status` feature).
    Serve {
        /// The address to listen on (default: the session's `status_page`, else
        /// 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        addr: Option<String>,
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// A scheduler cluster on a PostgreSQL log: which node leads, which stand by, the runs
    /// in flight (the `postgres` feature).
    Status {
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
    /// A worker of a scheduler cluster: runs the `worker` tasks' runs the leader queues,
    /// until stopped (the `postgres` feature).
    Worker {
        #[command(flatten)]
        #[allow(missing_docs)]
        common: CommonArgs,
    },
}

/// What `log` does with the task log.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum LogAction {
    /// Copy every record of the task log FILE (CSV, or SQLite by extension) into the
    /// session's empty log.
    Import {
        /// The log to read.
        file: PathBuf,
    },
    /// Write every record to a new log FILE.
    Export {
        /// The log to write; it must not exist.
        file: PathBuf,
    },
    /// Rewrite the log without the records older than `log_retention` (a CSV log is
    /// replaced atomically and the old file kept as a backup).
    Compact,
}

impl SchedulerCommand {
    /// Runs the command with the session `make` builds — or, in a process-task child,
    /// runs that task — as [`run_cli`](crate::run_cli) does.
    pub fn run<S: IntoSession>(self, make: fn() -> S) -> ExitCode {
        crate::entry::run_with_args(self.to_args(), make)
    }

    /// The command line the generated `main` would be given for this command, program
    /// name first.
    pub fn to_args(&self) -> Vec<OsString> {
        let program = std::env::args_os()
            .next()
            .unwrap_or_else(|| "scheduler".into());
        let mut args: Vec<OsString> = vec![program];
        let common = match self {
            SchedulerCommand::Run { common }
            | SchedulerCommand::List { common, .. }
            | SchedulerCommand::Check { common, .. }
            | SchedulerCommand::RunTask { common, .. }
            | SchedulerCommand::History { common, .. }
            | SchedulerCommand::Log { common, .. }
            | SchedulerCommand::Serve { common, .. }
            | SchedulerCommand::Status { common }
            | SchedulerCommand::Worker { common } => common,
        };
        if let Some(log) = &common.log {
            args.push("--log".into());
            args.push(log.clone().into_os_string());
        }
        let at_and_json = |args: &mut Vec<OsString>, at: &Option<String>, json: bool| {
            if let Some(at) = at {
                args.push("--at".into());
                args.push(at.into());
            }
            if json {
                args.push("--json".into());
            }
        };
        match self {
            SchedulerCommand::Run { .. } => args.push("run".into()),
            SchedulerCommand::List { at, wide, json, .. } => {
                args.push("list".into());
                at_and_json(&mut args, at, *json);
                if *wide {
                    args.push("--wide".into());
                }
            }
            SchedulerCommand::Check {
                tasks, at, json, ..
            } => {
                args.push("check".into());
                at_and_json(&mut args, at, *json);
                args.push("--".into());
                args.extend(tasks.iter().map(OsString::from));
            }
            SchedulerCommand::RunTask { tasks, .. } => {
                args.push("run-task".into());
                args.push("--".into());
                args.extend(tasks.iter().map(OsString::from));
            }
            SchedulerCommand::History {
                tasks,
                since,
                failed,
                limit,
                json,
                ..
            } => {
                args.push("history".into());
                if let Some(since) = since {
                    args.extend(["--since".into(), since.into()]);
                }
                if *failed {
                    args.push("--failed".into());
                }
                if let Some(limit) = limit {
                    args.extend(["--limit".into(), limit.to_string().into()]);
                }
                at_and_json(&mut args, &None, *json);
                args.push("--".into());
                args.extend(tasks.iter().map(OsString::from));
            }
            SchedulerCommand::Log { action, .. } => {
                args.push("log".into());
                let (verb, file) = match action {
                    LogAction::Import { file } => ("import", Some(file)),
                    LogAction::Export { file } => ("export", Some(file)),
                    LogAction::Compact => ("compact", None),
                };
                args.push(verb.into());
                if let Some(file) = file {
                    args.extend(["--".into(), file.clone().into_os_string()]);
                }
            }
            SchedulerCommand::Serve { addr, .. } => {
                args.push("serve".into());
                if let Some(addr) = addr {
                    args.extend(["--addr".into(), addr.into()]);
                }
            }
            SchedulerCommand::Status { .. } => args.push("status".into()),
            SchedulerCommand::Worker { .. } => args.push("worker".into()),
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: SchedulerCommand,
    }

    fn args(line: &[&str]) -> Vec<String> {
        let cli = Cli::try_parse_from(std::iter::once("app").chain(line.iter().copied()))
            .unwrap_or_else(|e| panic!("{line:?}: {e}"));
        cli.command.to_args()[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn each_command_becomes_the_generated_mains_command_line() {
        assert_eq!(args(&["run"]), ["run"]);
        assert_eq!(
            args(&["list", "--wide", "--at", "08:00", "--log", "x.csv"]),
            ["--log", "x.csv", "list", "--at", "08:00", "--wide"]
        );
        assert_eq!(
            args(&["check", "a", "b", "--json"]),
            ["check", "--json", "--", "a", "b"]
        );
        assert_eq!(args(&["run-task", "a"]), ["run-task", "--", "a"]);
        assert!(Cli::try_parse_from(["app", "run-task"]).is_err());
        assert_eq!(
            args(&["history", "a", "--failed", "--limit", "5", "--since", "08:00", "--json"]),
            ["history", "--since", "08:00", "--failed", "--limit", "5", "--json", "--", "a"]
        );
        assert_eq!(args(&["history"]), ["history", "--"]);
        assert_eq!(
            args(&["log", "import", "old.csv"]),
            ["log", "import", "--", "old.csv"]
        );
        assert_eq!(
            args(&["log", "--log", "x.db", "export", "--", "-x.csv"]),
            ["--log", "x.db", "log", "export", "--", "-x.csv"]
        );
        assert_eq!(args(&["log", "compact"]), ["log", "compact"]);
        assert_eq!(
            args(&["serve", "--addr", "127.0.0.1:9000"]),
            ["serve", "--addr", "127.0.0.1:9000"]
        );
        assert_eq!(args(&["status"]), ["status"]);
        assert_eq!(args(&["worker"]), ["worker"]);
        assert!(Cli::try_parse_from(["app", "history", "--limit", "x"]).is_err());
    }
}
