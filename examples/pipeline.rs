//! A pipeline: `fetch → clean → summarize`, with `alert` on the failure branch, each step
//! receiving the previous step's return value (`Return("…")`).
//!
//! `cargo run --example pipeline` runs it for about ten seconds: `fetch` every 2 seconds,
//! every third fetch failing. All steps run on the scheduler thread (`main`), so a whole
//! round completes within one cycle, in definition order.

use std::sync::atomic::{AtomicU32, Ordering};

use redengine::{Execution, Session};

static FETCHES: AtomicU32 = AtomicU32::new(0);

/// Every 2 seconds: "downloads" a few readings; every third fetch fails.
#[redengine::task(start_cond = "every 2 seconds")]
fn fetch() -> Result<Vec<f64>, String> {
    let n = FETCHES.fetch_add(1, Ordering::Relaxed) + 1;
    if n % 3 == 0 {
        return Err(format!("fetch {n}: connection refused"));
    }
    let readings = vec![f64::from(n), f64::NAN, f64::from(n) * 2.0];
    println!("fetch {n}: {readings:?}");
    Ok(readings)
}

/// After each successful fetch: drops the readings that are not numbers.
#[redengine::task(start_cond = "after task 'fetch' succeeded", params(raw = Return("fetch")))]
fn clean(raw: Option<Vec<f64>>) -> Result<Vec<f64>, String> {
    let raw = raw.ok_or("fetch has not returned anything yet")?;
    Ok(raw.into_iter().filter(|x| !x.is_nan()).collect())
}

/// After each successful clean: prints the mean.
#[redengine::task(start_cond = "after task 'clean'", params(clean = Return("clean")))]
fn summarize(clean: Option<Vec<f64>>) {
    let clean = clean.unwrap_or_default();
    let mean = clean.iter().sum::<f64>() / clean.len().max(1) as f64;
    println!("  summarize: {} readings, mean {mean:.1}", clean.len());
}

/// After each failed fetch.
#[redengine::task(start_cond = "after task 'fetch' failed")]
fn alert() {
    println!("  alert: the last fetch failed");
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    Session::from_registry()
        .task_execution(Execution::Main)
        .log_memory()
        .shut_cond("scheduler has run over 10 seconds")
        .build()
}
