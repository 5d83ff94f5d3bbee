//! What ignite checks for tasks that run as `process`: everything such a run sends to or
//! receives from its child must be able to cross the process boundary. Found here, a value
//! that cannot cross is a start-up error (and a `check` error) naming the task, the value,
//! its type and the fixes — not a `fail` at the task's first launch.

use std::collections::HashMap;

use super::{PlannedArg, Prepared, Source};
use crate::error::Problem;
use crate::execution::Execution;
use crate::params::{Params, SessionParam};

/// The two ways out, for every message.
const FIXES: &str = "derive `serde::Serialize` and `serde::Deserialize` for the type, or run \
                     the task on a thread (`execution = \"thread\"` on the task, or the \
                     session's `task_execution`)";

/// Process-boundary problems of the prepared tasks.
pub(super) fn check(tasks: &[Prepared], params: &Params, problems: &mut Vec<Problem>) {
    // Built only when some task has a `Return` binding: most sessions have none.
    let mut by_name: Option<HashMap<&str, &Prepared>> = None;
    for task in tasks {
        for arg in &task.args {
            if let Source::Return(upstream) = &arg.source {
                let by_name = by_name
                    .get_or_insert_with(|| tasks.iter().map(|t| (t.name.as_str(), t)).collect());
                if let Some(up) = by_name.get(upstream.as_str()) {
                    check_return(task, arg, up, problems);
                }
            }
        }
        // A kind that cannot run as a process is refused on its own (ignite's kind check).
        if task.execution == Execution::Process
            && crate::kind::supports(&*task.body, Execution::Process)
        {
            for arg in &task.args {
                check_arg(task, arg, params, problems);
            }
        }
    }
}

/// One argument of a process task: it is sent to the child as JSON, unless the child
/// makes it itself (a `#[param]` function, the termination flag).
fn check_arg(task: &Prepared, arg: &PlannedArg, params: &Params, problems: &mut Vec<Problem>) {
    let what = match &arg.source {
        Source::Flag => return,
        Source::Handle => {
            problems.push(Problem {
                location: Some(task.location),
                message: format!(
                    "task '{}': argument `{}` is a `SessionHandle`, which controls the \
                     scheduler of this process; a `process` task runs in a child process: \
                     use `execution = \"main\"` or `\"thread\"`",
                    task.name, arg.name
                ),
            });
            return;
        }
        Source::Task(value) if value.type_info().codec().is_some() => return,
        Source::Task(_) => "the task parameter",
        Source::Session => match params.get(&arg.name) {
            Some(SessionParam::Function(_)) | None => return,
            Some(SessionParam::Value(v)) if v.type_info().codec().is_some() => return,
            Some(SessionParam::Value(_)) => "the session parameter",
        },
        Source::Return(_) => "the `Return` value",
    };
    if arg.ty.codec().is_some() {
        return;
    }
    problems.push(Problem {
        location: Some(task.location),
        message: format!(
            "task '{}' runs as a process, but {what} `{}` has type `{}`, which cannot be sent \
             to a child process; {FIXES}",
            task.name,
            arg.name,
            arg.ty.name()
        ),
    });
}

/// A `Return("a")` binding to a process task `a` whose return type cannot be serialized
/// would silently receive `None` forever (the value stays in the child).
fn check_return(task: &Prepared, arg: &PlannedArg, up: &Prepared, problems: &mut Vec<Problem>) {
    if up.execution != Execution::Process || up.returns().codec().is_some() {
        return;
    }
    problems.push(Problem {
        location: Some(task.location),
        message: format!(
            "task '{}': parameter `{}` takes the return value of task '{}', which runs as a \
             process, but its return type `{}` cannot be sent back from the child; derive \
             `serde::Serialize` and `serde::Deserialize` for it, or run '{}' with \
             `execution = \"thread\"` or `\"main\"`",
            task.name,
            arg.name,
            up.name,
            up.returns().name(),
            up.name
        ),
    });
}
