//! A small `#[redengine::main]` program for `tests/cli.rs`, which runs the built binary:
//! a morning routine and a small pipeline, in main and thread execution.
//!
//! The session logs to memory unless `--log PATH` names a CSV file, and its `shut_cond`
//! is `true`, so `run` starts up and stops at once.

use redengine::{Session, Zone};

#[redengine::task(start_cond = "daily after 07:00", execution = "main")]
fn wake_up() {}

#[redengine::task(
    start_cond = "daily between 08:00 and 08:15 & after task 'wake_up'",
    execution = "thread"
)]
fn wash_teeth() {}

#[redengine::task(start_cond = "daily after 09:00", execution = "main", priority = 1)]
fn get_data() -> Vec<u32> {
    vec![1, 2, 3]
}

#[redengine::task(
    start_cond = "after task 'get_data' succeeded",
    execution = "thread",
    params(mydata = Return("get_data"))
)]
fn process_data(mydata: Option<Vec<u32>>) -> Result<usize, String> {
    mydata
        .map(|d| d.len())
        .ok_or_else(|| "get_data has not returned yet".to_string())
}

#[redengine::task(start_cond = "after task 'process_data' failed", execution = "main")]
fn report_errors() {}

#[redengine::task(execution = "main")]
fn broken() -> Result<(), String> {
    Err("database unreachable".to_string())
}

#[redengine::task(
    start_cond = "weekly on Monday",
    execution = "main",
    params(receivers = vec!["me@example.com".to_string()])
)]
fn report_news(receivers: Vec<String>) -> Result<(), String> {
    if receivers.is_empty() {
        Err("no receivers".to_string())
    } else {
        Ok(())
    }
}

#[redengine::task(start_cond = "is_holiday & daily", execution = "main")]
fn announce(friend_list: Vec<String>) -> Result<(), String> {
    if friend_list.is_empty() {
        Err("no friends to tell".to_string())
    } else {
        Ok(())
    }
}

#[redengine::task(start_cond = "hourly", execution = "main", disabled)]
fn sleeping() {}

#[redengine::param]
fn friend_list() -> Vec<String> {
    vec!["ann".to_string()]
}

#[redengine::condition]
fn is_holiday() -> bool {
    false
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    Session::from_registry()
        .zone(Zone::Utc)
        .log_memory()
        .shut_cond("true")
        .build()
}
