//! A `#[redengine::main]` program whose tasks were forgotten (no `mod tasks;`), for
//! `tests/cli_console.rs`: `run`, `list` and `check` must say that no task is registered.

use redengine::Session;

#[redengine::main]
fn main() -> redengine::Result<Session> {
    Session::from_registry()
        .log_memory()
        .shut_cond("true")
        .build()
}
