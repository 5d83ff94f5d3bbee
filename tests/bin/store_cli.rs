//! A `#[redengine::main]` program for `tests/history.rs`: the `history` and `log`
//! commands on logs the test writes. It logs to memory unless `--log PATH` names a file;
//! `STORE_CLI_RETENTION` sets its `log_retention` config key.

use redengine::{Session, SessionBuilder, Task, Zone};

#[redengine::main]
fn main() -> SessionBuilder {
    let mut builder = Session::builder()
        .zone(Zone::Utc)
        .log_memory()
        .shut_cond("true")
        .task(Task::builder("get_data").start_cond("false").run(|_| ()))
        .task(Task::builder("report").start_cond("false").run(|_| ()));
    if let Ok(retention) = std::env::var("STORE_CLI_RETENTION") {
        builder = builder.config("log_retention", retention);
    }
    builder
}
