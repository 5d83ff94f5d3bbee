//! One scheduler node of a cluster on a PostgreSQL log (tests/pg_cluster.rs):
//! `pg_node URL LEASE_MS`. `daily_job` runs once a day (printing `daily PID`); `slow`
//! starts at once (printing `slow PID`) and runs until terminated; `tick` runs on the
//! cluster's workers every second. Only the leader launches, so the first line a node
//! prints says it leads. `pg_node URL LEASE_MS worker` is one of the workers.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use redengine::{Execution, Session, SessionBuilder, Task, Zone};

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// The tasks every node, worker and run child has.
fn tasks() -> SessionBuilder {
    Session::builder()
        .zone(Zone::Utc)
        .handle_signals(false)
        .task(
            Task::builder("daily_job")
                .execution(Execution::Main)
                .start_cond("daily")
                .run(|_| say(&format!("daily {}", std::process::id()))),
        )
        .task(
            Task::builder("slow")
                .execution(Execution::Thread)
                .start_cond("true")
                .run(|ctx| {
                    say(&format!("slow {}", std::process::id()));
                    while !ctx.termination().is_set() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }),
        )
        .task(
            Task::builder("tick")
                .execution(Execution::Worker)
                .start_cond("every 1 second")
                .run(|_| std::thread::sleep(Duration::from_millis(50))),
        )
}

fn main() -> ExitCode {
    if let Some(code) = redengine::run_child_if_requested(tasks) {
        return code;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, lease, worker) = match args.as_slice() {
        [url, lease] => (url, lease, false),
        [url, lease, w] if w == "worker" => (url, lease, true),
        _ => {
            eprintln!("usage: pg_node URL LEASE_MS [worker]");
            return ExitCode::from(2);
        }
    };
    if worker {
        let args = ["pg_node", "--log", url.as_str(), "worker"];
        return redengine::run_cli_with_args(args.map(std::ffi::OsString::from), tasks);
    }
    let lease = Duration::from_millis(lease.parse().expect("LEASE_MS"));
    let result = tasks()
        .log_postgres(url)
        .cluster_lease(lease)
        .build()
        .and_then(|mut s| s.run());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
