//! A `#[redengine::main]` program of a cluster with workers (tests/pg_workers.rs), run
//! with `--log postgres://…` as a scheduler (`run`) or a worker (`worker`):
//!
//! * `count` (`execution = "worker"`, never started by a condition: the test queues its
//!   runs) appends its process id (one child per run) to `$PG_WORK_FILE`, then sleeps `$PG_WORK_SLEEP_MS`;
//! * `answer` (`execution = "worker"`, daily) returns 42, which `show` (in the scheduler)
//!   prints as `answer 42`;
//! * `hang` (`execution = "worker"`, daily when `$PG_WORK_HANG` is set, one retry after a
//!   second): its first run creates `$PG_WORK_FILE.hang` and sleeps until killed, the
//!   retry finds the file and succeeds.

use std::io::Write;

use redengine::{Execution, Session, SessionBuilder, Task, Zone};

#[redengine::main]
fn main() -> SessionBuilder {
    Session::builder()
        .zone(Zone::Utc)
        .config(
            "max_process_count",
            std::env::var("PG_WORK_MAX").unwrap_or_else(|_| "4".into()),
        )
        .config("cluster_lease", "1")
        .task(
            Task::builder("count")
                .execution(Execution::Worker)
                .start_cond("false")
                .run(|_| {
                    let id = std::process::id();
                    let path = std::env::var("PG_WORK_FILE").expect("PG_WORK_FILE");
                    let mut file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .unwrap();
                    file.write_all(format!("{id}\n").as_bytes()).unwrap();
                    let ms = std::env::var("PG_WORK_SLEEP_MS").map_or(0, |v| v.parse().unwrap());
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                }),
        )
        .task(
            Task::builder("answer")
                .execution(Execution::Worker)
                .start_cond("daily")
                .run_serde(|_| Ok::<u32, String>(42)),
        )
        .task(
            Task::builder("hang")
                .execution(Execution::Worker)
                .start_cond(if std::env::var_os("PG_WORK_HANG").is_some() {
                    "daily"
                } else {
                    "false"
                })
                .retries(1)
                .retry_delay("1 second")
                .run(|_| {
                    let path = std::env::var("PG_WORK_FILE").expect("PG_WORK_FILE") + ".hang";
                    if std::fs::metadata(&path).is_err() {
                        std::fs::write(&path, std::process::id().to_string()).unwrap();
                        // Until the worker's death ends this child (its lifeline).
                        std::thread::sleep(std::time::Duration::from_secs(600));
                    }
                }),
        )
        .task(
            Task::builder("show")
                .execution(Execution::Main)
                .start_cond("after task 'answer' succeeded")
                .run(|_| {
                    println!("answer ran");
                }),
        )
}
