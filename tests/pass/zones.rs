//! `zone` and `misfire` on `#[task]`: IANA names, the special names, offsets, and each
//! misfire policy compile, and the session they make ignites.

use redengine::Session;

#[redengine::task(
    start_cond = "cron 30 2 * * *",
    zone = "America/New_York",
    misfire = "run_once"
)]
fn new_york_cron() {}

#[redengine::task(start_cond = "daily", zone = "UTC+05:30", misfire = "skip")]
fn fixed_offset() {}

#[redengine::task(start_cond = "daily", zone = "UTC", misfire = "run_if_open")]
fn utc() {}

#[redengine::task(start_cond = "hourly", zone = "local")]
fn local() {}

fn main() {
    let session = Session::from_registry().log_memory().build().unwrap();
    session.ignite().unwrap();
}
