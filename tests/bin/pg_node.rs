//! One scheduler node of a cluster on a PostgreSQL log (tests/pg_cluster.rs):
//! `pg_node URL LEASE_MS`. `daily_job` runs once a day (printing `daily PID`); `slow`
//! starts at once (printing `slow PID`) and runs until terminated. Only the leader
//! launches, so the first line a node prints says it leads.

use std::io::Write;
use std::time::Duration;

use redengine::{Execution, Session, Task, Zone};

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, lease] = args.as_slice() else {
        eprintln!("usage: pg_node URL LEASE_MS");
        std::process::exit(2);
    };
    let lease = Duration::from_millis(lease.parse().expect("LEASE_MS"));
    let result = Session::builder()
        .zone(Zone::Utc)
        .log_postgres(url)
        .cluster_lease(lease)
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
        .build()
        .and_then(|mut s| s.run());
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
