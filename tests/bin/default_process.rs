//! A program as a newcomer writes it from the README: a `#[task]` with the default
//! execution (`process`) that takes a value no child process can receive. It must fail
//! at start-up, naming the task, the value, its type and the fixes — before any launch.

use std::sync::{Arc, Mutex};

use redengine::Session;

#[redengine::task(start_cond = "true")]
fn record(buffer: Arc<Mutex<Vec<u8>>>) {
    if let Ok(mut buffer) = buffer.lock() {
        buffer.push(1);
    }
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    Session::from_registry()
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        .param("buffer", Arc::new(Mutex::new(Vec::<u8>::new())))
        .shut_cond("true")
        .build()
}
