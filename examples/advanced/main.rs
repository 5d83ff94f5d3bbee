//! Red Engine 1.1.0's Advanced Guide as a Rust project (`cargo run --example advanced`).
//!
//! This file is the guide's `project/main.py`: it configures the session (the guide's config
//! values, the CSV logging scheme), configures the console logging of task events, pulls in the
//! models, parameters and tasks, and starts the scheduler. Ctrl-C stops it cleanly: running
//! tasks (threads and child processes) are waited for, the log is flushed, and the process
//! exits with status 0.
//!
//! The guide's `PyLoader(path=…, glob="**/tasks.py")` has two counterparts. Every
//! `#[redengine::task]` in a module compiled into this binary (`mod tasks;` below) is
//! registered automatically and collected by [`Session::from_registry`]; and shell-command
//! tasks written in `tasks/**/tasks.toml` files are read by the runtime's file loader
//! (`load_tasks` below), at start-up and again whenever a file changes.
//!
//! Which tasks are the guide's and which are demo additions is said next to each task; the
//! table in `README.md` maps every section of the guide to its file.

mod models;
mod parameters;
mod tasks;

use std::path::Path;

use redengine::{CsvLog, Execution, Session};

/// Where the tasks write their small output files: next to the CSV log, under `log/`
/// (relative to the working directory), so the example writes nothing else there.
const OUTPUT_DIR: &str = "log/data";

/// Builds the session (the guide's `session = Session(scheme=['log_csv'], config={…})`).
///
/// `#[redengine::main]` turns this into the binary's `main`, which runs the scheduler and
/// returns its exit status. The function is renamed `session` and stays callable.
#[redengine::main]
fn main() -> redengine::Result<Session> {
    // The guide's `task_logger` console handler (section "Logging"): every task event at
    // INFO and above on stdout, in the guide's format (`REDENGINE_LOG=warn` for less).
    // Scheduler events leave the task-name column empty.
    let console = redengine::console::Console::new()
        .format("%(asctime)s %(levelname)-8s %(task_name)s %(message)s")
        .stdout();
    if let Err(e) = console.install() {
        eprintln!("warning: {e}");
    }

    let builder = Session::from_registry()
        // scheme=['log_csv']: one row per task event, read back at start-up so `daily`
        // tasks do not run again after a restart.
        // Counted: the shutdown summary counts every logged run (process tasks included).
        .log_store(models::hooks::Counted::new(CsvLog::new("log/tasks.csv")))
        // The guide's config dict, key for key (these are also the defaults).
        .config("silence_task_prerun", true)
        .config("silence_cond_check", true)
        .config("force_status_from_logs", false)
        .config("task_pre_exist", "raise")
        .config("use_instance_naming", false)
        .config("cycle_sleep", "none")
        // Not in the guide's dict: the guide's default execution is `process`. The demo's
        // tasks share in-process state (get_data's fetch counter, `Return` values), so
        // tasks that name no execution run on threads; `check_mail` still asks for
        // `process` explicitly.
        .task_execution(Execution::Thread)
        // Demo: `env 'demo'` switches on the fast cadences (a heartbeat every 5 seconds, the
        // pipeline every 10, the report every 15, the shell task every 20). Remove this
        // line to run on the daily/hourly schedule alone.
        .param("env", "demo".to_string())
        // Where the tasks write their small output files (`store_data`, the shell tasks).
        .param("output_dir", OUTPUT_DIR.to_string())
        // A task of the custom kind in `models/tasks.rs` (the guide's custom task classes).
        .task(tasks::reports::write_report(Path::new(OUTPUT_DIR)))
        // The file loader: `PyLoader(path=main_directory / "tasks/", glob="**/tasks.py")`.
        // The guide's `Path(__file__).parent` is this source directory, fixed at compile
        // time so the files are found whatever the working directory.
        .load_tasks(source_dir().join("tasks"), "**/tasks.toml")
        // The custom hooks of `models/hooks.rs`.
        .on_task_execute(models::hooks::time_runs)
        .on_shutdown(models::hooks::summary);
    // The status page (the repository's docs/status.md) when `STATUS_PAGE` names an
    // address: `STATUS_PAGE=127.0.0.1:8080 cargo run --example advanced`, then open
    // http://127.0.0.1:8080/. `STATUS_TOKEN` (16 characters or more) turns its actions on.
    let builder = match std::env::var("STATUS_PAGE") {
        Ok(addr) => builder.status_page(addr),
        Err(_) => builder,
    };
    let builder = match std::env::var("STATUS_TOKEN") {
        Ok(token) => builder.status_token(token),
        Err(_) => builder,
    };
    builder.build()
}

/// This file's directory (`examples/advanced`), from the manifest directory of the package
/// being built: `examples/` for `cargo run --example advanced`, `tests/` when the tests
/// build the same program.
fn source_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/advanced")
}
