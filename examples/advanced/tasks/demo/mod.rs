//! Demo additions, not in the guide: tasks that make the scheduler visibly busy within
//! seconds of `cargo run --example advanced`. They run only while the session parameter
//! `env` is `"demo"` (set in `main.rs`), through the `env 'demo'` condition.
//!
//! (The pipeline's `get_data` also has a demo cadence, `every 10 seconds & env 'demo'`.)

/// Demo addition: a heartbeat every 5 seconds, on a thread, taking a moment each time.
#[redengine::task(start_cond = "every 5 seconds & env 'demo'")]
fn heartbeat() {
    std::thread::sleep(std::time::Duration::from_millis(100));
    println!("    heartbeat: ♥");
}
