//! What ignite checks for tasks that run as `process`: everything such a run sends to or
//! receives from its child must be able to cross the process boundary.

use super::{Prepared, Source};
use crate::error::Problem;
use crate::execution::Execution;

/// Process-boundary problems of the prepared tasks.
pub(super) fn check(tasks: &[Prepared], problems: &mut Vec<Problem>) {
    for task in tasks.iter().filter(|t| t.execution == Execution::Process) {
        for arg in task
            .args
            .iter()
            .filter(|a| matches!(a.source, Source::Handle))
        {
            problems.push(Problem {
                location: Some(task.info.location),
                message: format!(
                    "task '{}': argument `{}` is a `SessionHandle`, which controls the \
                     scheduler of this process; a `process` task runs in a child process: \
                     use `execution = \"main\"` or `\"thread\"`",
                    task.name, arg.name
                ),
            });
        }
    }
    check_returns(tasks, problems);
}

/// A `Return("a")` binding to a process task `a` whose return type cannot be serialized
/// would silently receive `None` forever (the value stays in the child).
fn check_returns(tasks: &[Prepared], problems: &mut Vec<Problem>) {
    for task in tasks {
        for arg in &task.args {
            let Source::Return(upstream) = &arg.source else {
                continue;
            };
            let Some(up) = tasks.iter().find(|t| t.name == *upstream) else {
                continue;
            };
            if up.execution == Execution::Process && up.returns.codec().is_none() {
                problems.push(Problem {
                    location: Some(task.info.location),
                    message: format!(
                        "task '{}': parameter `{}` takes the return value of task '{}', which \
                         runs as a process, but its return type `{}` cannot be sent back from \
                         the child; derive `serde::Serialize` and `serde::Deserialize` for it, \
                         or run '{}' with `execution = \"thread\"` or `\"main\"`",
                        task.name,
                        arg.name,
                        up.name,
                        up.returns.name(),
                        up.name
                    ),
                });
            }
        }
    }
}
