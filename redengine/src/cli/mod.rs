//! The command line of a `#[redengine::main]` binary: `run` (the default), `list`,
//! `check`, `run-task`, `--log` and `--help`.
//!
//! The generated `main` calls `entry::run`, which hands the arguments
//! here. Usage errors exit with 2 before the session is even built; a session that does
//! not build or ignite, a log that cannot be read, a task that did not succeed under
//! `run-task`, and `check` finding task-file problems or no task at all exit with 1.
//! Reports go to stdout (`--json` for scripts), messages and the console to stderr.

mod args;
mod check;
mod command;
mod failure;
mod forms;
mod history;
mod list;
mod log_cmd;
mod names;
mod run_task;
mod serve;
mod snapshot;
mod time;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::error::Result;
use crate::log::{is_sqlite_path, CsvLog};
use crate::session::Session;

use self::command::Command;
use self::failure::Failure;
use self::list::Layout;

/// What `run`, `list` and `check` say when the program defines no task at all.
const NO_TASKS: &str = "no task is registered in this program.
  help: `#[redengine::task]` functions are registered only when their module is compiled \
into this binary: declare it with `mod tasks;` (in main.rs, or lib.rs for a library), and \
if the tasks live in another crate, make the binary use it (`use my_tasks as _;`). Tasks \
built in code are added with `SessionBuilder::task`, task files with \
`SessionBuilder::load_tasks`.";

/// Parses `args` (the program name first), builds the session with `make` unless the
/// command line is wrong or asks for help, and runs the command.
pub(crate) fn main(
    args: impl IntoIterator<Item = OsString>,
    make: impl FnOnce() -> Result<Session>,
) -> ExitCode {
    let mut args = args.into_iter();
    let program = args
        .next()
        .and_then(|p| {
            Path::new(&p)
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "scheduler".to_string());
    let invocation = match args::parse(args) {
        Ok(invocation) => invocation,
        Err(e) => return fail(&program, Failure::Usage(e)),
    };
    if invocation.command == Command::Help {
        print(&usage(&program));
        return ExitCode::SUCCESS;
    }
    let mut session = match make() {
        Ok(session) => session,
        Err(e) => return fail(&program, Failure::Runtime(e.to_string())),
    };
    if let Some(path) = invocation.log.as_deref() {
        if let Err(e) = use_log(&mut session, path) {
            return fail(&program, Failure::Runtime(e));
        }
    }
    let empty = no_tasks(&session);
    if empty && matches!(invocation.command, Command::Run | Command::List { .. }) {
        eprintln!("warning: {NO_TASKS}");
    }
    let outcome = match &invocation.command {
        Command::Run | Command::Help => session
            .run()
            .map(|()| (String::new(), true))
            .map_err(|e| Failure::Runtime(e.to_string())),
        Command::List { at, wide, json } => {
            let layout = match (json, wide) {
                (true, _) => Layout::Json,
                (false, true) => Layout::Wide,
                (false, false) => Layout::Narrow,
            };
            list::list(&mut session, at.as_deref(), layout).map(|s| (s, true))
        }
        Command::Check { tasks, at, json } => {
            check::check(&mut session, tasks, at.as_deref(), *json).map(|(text, clean)| {
                if empty {
                    eprintln!("error: {NO_TASKS}");
                } else if !clean {
                    eprintln!(
                        "error: the task files have problems (above): the tasks they \
                         concern are left out until the files are fixed"
                    );
                }
                (text, clean && !empty)
            })
        }
        Command::RunTask { tasks } => run_task::run(&mut session, tasks),
        Command::History {
            tasks,
            since,
            failed,
            limit,
            json,
        } => {
            let ask = history::Ask {
                tasks,
                since: since.as_deref(),
                failed: *failed,
                limit: *limit,
                json: *json,
            };
            history::history(&mut session, &ask).map(|s| (s, true))
        }
        Command::Log(command) => log_cmd::log(&mut session, command).map(|s| (s, true)),
        // cluster
        Command::Status => status(&session).map(|s| (s, true)),
        Command::Worker => worker(&session).map(|s| (s, true)),
        // status: the status page of the log, read-only.
        Command::Serve { addr } => serve::serve(&mut session, addr),
    };
    match outcome {
        Ok((text, ok)) => {
            print(&text);
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(failure) => fail(&program, failure),
    }
}

/// Whether the session defines no task at all: no task in code, none in task files.
fn no_tasks(session: &Session) -> bool {
    session.tasks.is_empty()
        && session
            .loader
            .as_ref()
            .is_none_or(|files| files.tasks().next().is_none())
}

/// Reports `failure` on stderr and returns its exit code. Type names in the message are
/// shown as written (`Vec<u32>`, not `alloc::vec::Vec<u32>`).
fn fail(program: &str, failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(e) => {
            eprintln!("{e}\n\nRun `{program} --help` for the commands and options.");
            ExitCode::from(2)
        }
        Failure::Runtime(message) => {
            eprintln!("error: {}", names::short_types_in(&message));
            ExitCode::FAILURE
        }
    }
}

/// Makes the store `--log PATH` names the session's, or says why there is none (a
/// build without the feature its kind needs).
fn use_log(session: &mut Session, path: &Path) -> std::result::Result<(), String> {
    // cluster: a PostgreSQL URL chooses the PostgreSQL log.
    let url = path.to_str().filter(|p| crate::log::is_postgres_url(p));
    session.store = if let Some(url) = url {
        session.config.log_postgres = Some(url.to_owned());
        crate::log::open_url(url, session.config.cluster_lease)?
    } else if is_sqlite_path(path) {
        // store: an SQLite log by its extension (an error naming the `sqlite` feature
        // without it).
        crate::log::open_sqlite(path)?
    } else {
        Box::new(CsvLog::new(path))
    };
    session.refresh_log_reader();
    Ok(())
}

/// Writes to stdout; a closed pipe (`list | head`) is not an error worth a panic.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The `--help` text.
// --- cluster: `status` ---
/// `status`: the cluster's state, for a session on a PostgreSQL log.
fn status(session: &Session) -> std::result::Result<String, Failure> {
    let Some(url) = session.config.log_postgres.as_deref() else {
        return Err(Failure::Runtime(format!(
            "`status` reports on a scheduler cluster, and the {} is not one: give the \
             cluster's PostgreSQL log with `--log postgres://…` or the `log_postgres` key",
            session.store.describe()
        )));
    };
    #[cfg(feature = "postgres")]
    {
        crate::cluster::status(url).map_err(Failure::Runtime)
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = url;
        Err(Failure::Runtime(crate::log::NO_FEATURE.to_owned()))
    }
}

/// `worker`: executes the cluster's queued runs until killed.
fn worker(session: &Session) -> std::result::Result<String, Failure> {
    let Some(url) = session.config.log_postgres.as_deref() else {
        return Err(Failure::Runtime(format!(
            "`worker` takes runs from a scheduler cluster's queue, and the {} is not one: \
             give the cluster's PostgreSQL log with `--log postgres://…` or the \
             `log_postgres` key",
            session.store.describe()
        )));
    };
    #[cfg(feature = "postgres")]
    {
        let config = &session.config;
        crate::cluster::worker::run(url, config.process_limit(), config.cluster_lease)
            .map(|()| String::new())
            .map_err(Failure::Runtime)
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = url;
        Err(Failure::Runtime(crate::log::NO_FEATURE.to_owned()))
    }
}

fn usage(program: &str) -> String {
    format!(
        "\
{program}: a redengine scheduler

Usage: {program} [--log PATH] [COMMAND]

Commands:
  run                          start the scheduler (the default)
  list [--at TIME] [--wide] [--json]
                               every task: execution, priority, last outcome in the log,
                               when its start condition can next become true, its start
                               and end conditions, kind and flags
  check [TASK...] [--at TIME] [--json]
                               explain the start condition of each task (all by default)
                               now, or at TIME, against the log: why did or didn't it run?
  run-task NAME...             run the named tasks once, now, with their parameters; the
                               runs are logged, and the exit code is 1 unless all succeeded
  history [TASK...] [--since TIME] [--failed] [--limit N] [--json]
                               the log's records, newest first (all tasks by default; the
                               last {limit} unless --limit N, 0 for all); --failed: only
                               fail, terminate and crash; reads while the scheduler runs
  log import FILE | log export FILE | log compact
                               copy every record of the task log FILE (CSV, or SQLite by
                               extension) into the session's empty log; write every record
                               to a new FILE; rewrite the log without the records older
                               than `log_retention` (a CSV log is replaced atomically and
                               the old file kept as tasks.csv.bak-TIME)
  status                       a scheduler cluster on a PostgreSQL log: which node leads,
                               which stand by, the runs in flight
  worker                       a worker of a scheduler cluster: executes the runs of
                               `execution = \"worker\"` tasks the leader queues, at most
                               `max_process_count` at once, until stopped
  serve [--addr ADDR]          the status page of the log, read-only (tasks, a task's
                               check, timeline, history, JSON under /api/), at ADDR
                               (default {serve}); needs the `status` feature
  help                         print this help

Options:
  --log PATH                   use the task log at PATH instead of the session's log
                               (before or after the command): an SQLite database when
                               PATH ends in .db, .sqlite or .sqlite3 (needs the `sqlite`
                               feature), a PostgreSQL one for a postgres:// URL, else a
                               CSV log
  --at TIME                    the instant `list` and `check` look at: {forms},
                               in the session's time zone
  --wide                       `list`: one row per task with every column
  --json                       `list`, `check`, `history`: one JSON object on stdout
  --since TIME                 `history`: only records made at or after TIME (like --at)
  -h, --help                   print this help

Environment:
  REDENGINE_LOG                what the console shows: a level (off, error, warn, info,
                               debug, trace; default info) or `TARGET=LEVEL` directives,
                               comma-separated, e.g. `warn,redengine::task=info`

JSON (stable field names; instants are RFC 3339 in UTC):
  both      as_of, zone, log, records, problems (task-file problems), tasks
  list      tasks[]: name, execution, kind, describe, priority, flags, last
            ({{action, at}} or null), next_start {{when, at, text}} (when: now, at,
            on_event, every_cycle, not_within_year, error, startup, shutdown,
            first_cycle, never), start_cond, end_cond, zone (the task's time zone)
  check     tasks[]: name, would_start, verdict, kind, last, start_cond, value (true,
            false or null), error, explanation (lines), zone
  history   log, more (older records exist), records[]: task, action, created, start,
            end (RFC 3339 or null), runtime (seconds or null), message, exc_text

Exit codes: 0 success, 1 failure (the session, the log, a task, a task file with
problems, or `check` with no task at all), 2 wrong command line.

{conditions}",
        forms = time::AT_FORMS,
        limit = command::HISTORY_LIMIT,
        serve = command::SERVE_ADDR,
        conditions = forms::section(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_names_every_command() {
        let text = usage("demo");
        for command in command::COMMANDS {
            assert!(
                text.contains(&format!("\n  {command} ")),
                "{command} missing"
            );
        }
        assert!(text.starts_with("demo: a redengine scheduler"));
    }

    // store: `--log tasks.db` in a build without the `sqlite` feature.
    #[cfg(not(feature = "sqlite"))]
    #[test]
    fn an_sqlite_log_without_the_feature_is_an_error_naming_it() {
        let mut session = Session::builder().log_memory().build().unwrap();
        for name in ["log/tasks.db", "jobs.sqlite", "jobs.SQLITE3"] {
            let e = use_log(&mut session, Path::new(name)).unwrap_err();
            assert!(e.contains(&format!("`{name}`")), "{e}");
            assert!(e.contains("redengine's `sqlite` feature"), "{e}");
            assert!(e.contains(r#"features = ["sqlite"]"#), "{e}");
        }
        assert_eq!(session.store.describe(), "in-memory log");
        use_log(&mut session, Path::new("log/tasks.csv")).unwrap();
        assert_eq!(session.store.describe(), "CSV log at log/tasks.csv");
        // The same for the `log_sqlite` config key given to the builder.
        let built = Session::builder()
            .config("log_sqlite", "log/tasks.db")
            .build()
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(built.contains("config `log_sqlite`"), "{built}");
        assert!(built.contains("redengine's `sqlite` feature"), "{built}");
    }
}
