//! Peak RSS of a program scheduling N jobs with tokio-cron-scheduler: N sync jobs on
//! `0 M H * * *` (daily, two hours ahead) on a tokio runtime with two worker threads,
//! `start()`, its first tick, then the report (see the package's lib.rs).

use redengine_bench_rss as rss;

use std::time::Duration;

use tokio_cron_scheduler::{Job, JobScheduler};

/// How often its loop looks for due jobs (documented on `JobScheduler::start`).
const TICK: Duration = Duration::from_millis(500);

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

async fn schedule(n: usize) -> Result<(), String> {
    let mut sched = JobScheduler::new().await.map_err(err)?;
    let (h, m) = rss::idle_time();
    let cron = format!("0 {m} {h} * * *");
    for _ in 0..n {
        sched
            .add(Job::new(cron.as_str(), |_, _| ()).map_err(err)?)
            .await
            .map_err(err)?;
    }
    sched.start().await.map_err(err)?;
    // Its loop ticks at once, then every `TICK`: let one full tick pass.
    tokio::time::sleep(TICK + Duration::from_millis(50)).await;
    rss::report()?;
    sched.shutdown().await.map_err(err)
}

fn main() -> std::process::ExitCode {
    rss::exit(rss::tasks_arg().and_then(|n| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))?
            .block_on(schedule(n))
    }))
}
