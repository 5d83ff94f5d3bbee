//! A scheduler binary for `tests/scheduler_checks.rs`: process slots handed out fairly,
//! and a builder task's `Return` value crossing to a process child.
//!
//! `RE_SCENARIO` picks the tasks, `RE_LOG` is the CSV log, `RE_OUT` a directory where
//! tasks leave evidence. The children build the same session from the same environment.

use std::path::PathBuf;

use redengine::{Execution, Session, SessionBuilder, Task};

/// How many process tasks compete for the slots in the `fair` scenario.
const FAIR_TASKS: usize = 12;

fn out(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os("RE_OUT").unwrap_or_default()).join(name)
}

/// `fair`: twelve process tasks that are always due, two slots. Each must get a turn.
fn fair(builder: SessionBuilder) -> SessionBuilder {
    let mut all = Vec::new();
    let mut builder = builder.max_process_count(2);
    for i in 0..FAIR_TASKS {
        let name = format!("t{i:02}");
        all.push(format!("task '{name}' has succeeded"));
        builder = builder.task(
            Task::builder(name)
                .start_cond("true")
                .execution(Execution::Process)
                .run(|_| ()),
        );
    }
    builder.shut_cond(all.join(" & "))
}

/// `returned`: a process task takes another process task's return value through a
/// builder `returned_from` binding.
fn returned(builder: SessionBuilder) -> SessionBuilder {
    builder
        .task(
            Task::builder("make")
                .start_cond("~has started")
                .execution(Execution::Process)
                .run_serde(|_| Ok::<String, String>("made in a child".to_string())),
        )
        .task(
            Task::builder("take")
                .start_cond("after task 'make' succeeded")
                .execution(Execution::Process)
                .returned_from::<String>("text", "make")
                .run(|ctx| -> Result<(), String> {
                    let text: Option<String> = ctx.returned("text").map_err(|e| e.to_string())?;
                    std::fs::write(out("take"), format!("{text:?}")).map_err(|e| e.to_string())
                }),
        )
        .shut_cond("task 'take' has finished")
}

#[redengine::main]
fn main() -> redengine::Result<Session> {
    let scenario = std::env::var("RE_SCENARIO").unwrap_or_default();
    let builder = Session::builder()
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()));
    let builder = match scenario.as_str() {
        "fair" => fair(builder),
        "returned" => returned(builder),
        _ => builder.shut_cond("true"),
    };
    builder.build()
}
