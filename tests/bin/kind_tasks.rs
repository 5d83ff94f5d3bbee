//! A scheduler binary whose custom-kind task runs as a process child, for
//! `tests/kinds.rs`. `RE_LOG` is the CSV log and `RE_OUT` the file the task writes; the
//! child builds the same session (same kind value) from the same environment.

use std::path::PathBuf;

use redengine::{Execution, Outcome, Session, Task, TaskContext, TaskKind, Value};

/// Writes the process id it runs in and the session parameter `who` to a file.
struct Stamp {
    out: PathBuf,
}

impl TaskKind for Stamp {
    fn kind_name(&self) -> &str {
        "stamp"
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        let who = match ctx.param::<String>("who") {
            Ok(who) => who,
            Err(e) => return Outcome::Fail(e.to_string()),
        };
        let text = format!("pid={} who={who}", std::process::id());
        match std::fs::write(&self.out, text) {
            Ok(()) => Outcome::Success(None),
            Err(e) => Outcome::Fail(format!("cannot write {}: {e}", self.out.display())),
        }
    }
}

#[redengine::main]
fn main() -> Session {
    let out = PathBuf::from(std::env::var_os("RE_OUT").unwrap_or_else(|| "stamp.txt".into()));
    Session::builder()
        .log_csv(std::env::var_os("RE_LOG").unwrap_or_else(|| "log/tasks.csv".into()))
        // Sent to the process child as JSON, so it must be serializable.
        .param_value("who", Value::serializable("ann".to_string()))
        .shut_cond("task 'stamp' has finished")
        .task(
            Task::builder("stamp")
                .start_cond("~has started")
                .execution(Execution::Process)
                .arg_serde::<String>("who")
                .kind(Stamp { out }),
        )
        .build()
        .expect("the test session builds")
}
