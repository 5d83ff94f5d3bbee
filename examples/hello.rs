//! The README's quick start: a task, when it runs in plain words, and the session.
use redengine::{Session, SessionBuilder};

#[redengine::task(start_cond = "every 2 seconds", execution = "main")]
fn hello() {
    println!("hello from redengine");
}

#[redengine::main]
fn main() -> SessionBuilder {
    let stop = "scheduler has run over 7 seconds";
    Session::from_registry().log_memory().shut_cond(stop)
}
