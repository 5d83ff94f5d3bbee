//! A hand-written `main` with a clap command line of its own that embeds the scheduler's
//! commands (`own_main scheduler list`, …), or with `RE_PLAIN` set hands its whole command
//! line to `redengine::run_cli`; for `tests/async_cli.rs`. Its process task writes the pid
//! it runs in to `RE_OUT`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use redengine::{Execution, SchedulerCommand, Session, SessionBuilder, Task};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The program's own command.
    Hello,
    /// The scheduler's commands.
    #[command(subcommand)]
    Scheduler(SchedulerCommand),
}

fn session() -> SessionBuilder {
    Session::builder()
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .shut_cond("true")
        .task(
            Task::builder("stamp")
                .execution(Execution::Process)
                .run(|_| -> Result<(), String> {
                    let out = std::env::var_os("RE_OUT").ok_or("RE_OUT is not set")?;
                    std::fs::write(out, format!("pid={}", std::process::id()))
                        .map_err(|e| e.to_string())
                }),
        )
}

fn main() -> ExitCode {
    if std::env::var_os("RE_PLAIN").is_some() {
        return redengine::run_cli(session);
    }
    match Cli::parse().command {
        Command::Hello => {
            println!("the program's own command");
            ExitCode::SUCCESS
        }
        Command::Scheduler(command) => command.run(session),
    }
}
