//! Peak RSS of a program scheduling N tasks with redengine, in two scenarios:
//!
//! * `scheduled N` (the peers rows): N `main` tasks whose `daily between …` window (UTC)
//!   starts two hours ahead, a memory log, one cycle, then shut down.
//! * `ran N` (the targets table's rows): N `main` tasks on `every 1 hour`, a memory log;
//!   every task runs in the first cycle, whose end shuts down, when every run and its
//!   records exist.
//!
//! Then the report (see the package's lib.rs).

use redengine_bench_rss as rss;

use redengine::{Execution, SchedulerInfo, Session, Task, Zone};

fn scheduled(n: usize) -> Result<(), String> {
    let (h, m) = rss::idle_time();
    let end = h * 60 + m + 15;
    let cond = format!(
        "daily between {h:02}:{m:02} and {:02}:{:02}",
        end / 60,
        end % 60
    );
    let mut session = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .task_execution(Execution::Main)
        .handle_signals(false)
        .with_tasks((0..n).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond(cond.as_str())
                .run(|_| ())
        }))
        .on_cycle(|info| {
            info.handle.shutdown();
            Ok(None)
        })
        .build()
        .map_err(|e| e.to_string())?;
    session.run().map_err(|e| e.to_string())
}

fn ran(n: usize) -> Result<(), String> {
    let mut session = Session::builder()
        .log_memory()
        .task_execution(Execution::Main)
        .with_tasks((0..n).map(|i| {
            Task::builder(format!("t{i}"))
                .start_cond("every 1 hour")
                .run(|_| ())
        }))
        .on_cycle(|_| {
            Ok(Some(Box::new(|info: &SchedulerInfo| {
                info.handle.shutdown();
                Ok(())
            })))
        })
        .build()
        .map_err(|e| e.to_string())?;
    session.run().map_err(|e| e.to_string())
}

fn main() -> std::process::ExitCode {
    let scenario = std::env::args().nth(1).unwrap_or_default();
    rss::exit(rss::tasks_arg().and_then(|n| {
        match scenario.as_str() {
            "scheduled" => scheduled(n),
            "ran" => ran(n),
            other => Err(format!(
                "unknown scenario `{other}`; usage: rss_redengine <scheduled|ran> <tasks>"
            )),
        }?;
        rss::report()
    }))
}
