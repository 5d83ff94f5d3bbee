//! The Advanced Guide's pipeline (section "Pipelining"):
//! `get_data → transform_data → store_data`, with `report_errors` on the failure branch.
//!
//! Downstream tasks start on `after task '…' succeeded|failed`: true once the upstream
//! finished that way after the downstream task last started, so each upstream run triggers
//! each downstream task exactly once.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// Every this-many-th fetch fails, so the failure branch (`report_errors`) has work to do
/// at a predictable rate: fetches 3, 6, 9, … fail.
pub(crate) const FAIL_EVERY: u32 = 3;

/// Fetches so far in this process.
static FETCHES: AtomicU32 = AtomicU32::new(0);

/// Guide task; the guide gives it no `start_cond` (it would never run by itself).
///
/// Schedule added here: daily after 07:00 (what the week-long test checks), plus the demo
/// addition `every 10 seconds & env 'demo'` so the pipeline runs within seconds of
/// `cargo run --example advanced`. `& source_reachable` is the custom condition of
/// `models/conditions.rs`.
///
/// Returns the fetched readings: `process_data` receives them through `Return("get_data")`.
#[redengine::task(
    start_cond = "(daily after 07:00 | (every 10 seconds & env 'demo')) & source_reachable"
)]
fn get_data() -> Result<Vec<u32>, String> {
    let fetch = FETCHES.fetch_add(1, Ordering::Relaxed) + 1;
    if fetch % FAIL_EVERY == 0 {
        return Err(format!(
            "fetch {fetch}: the data source timed out (in this demo, one fetch in \
             {FAIL_EVERY} fails)"
        ));
    }
    let readings = vec![fetch, fetch * 10, fetch * 100];
    println!("    get_data: fetch {fetch} got {readings:?}");
    Ok(readings)
}

/// In the guide: runs after each successful `get_data`.
#[redengine::task(start_cond = "after task 'get_data' succeeded")]
fn transform_data() {
    println!("    transform_data: cleaning the readings");
}

/// In the guide: runs after each successful `transform_data` (no outcome word means `succeeded`).
/// Appends a line to `<output_dir>/store.txt`; `output_dir` is a session parameter set in
/// `main.rs`.
#[redengine::task(start_cond = "after task 'transform_data'")]
fn store_data(output_dir: String) -> std::io::Result<()> {
    std::fs::create_dir_all(&output_dir)?;
    let path = Path::new(&output_dir).join("store.txt");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    writeln!(file, "stored at {}", chrono::Local::now().to_rfc3339())?;
    println!("    store_data: appended a line to {}", path.display());
    Ok(())
}

/// In the guide: runs after each failed `get_data`.
#[redengine::task(start_cond = "after task 'get_data' failed")]
fn report_errors() {
    println!("    report_errors: get_data failed, paging whoever is on call");
}
