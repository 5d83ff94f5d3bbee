//! How each argument of a task gets its value at every launch (docs/runtime.md, "Parameters"): a task
//! parameter of that name, else a session parameter or `#[param]` function, else a
//! built-in of that type — planned once at ignite, with every unresolved or mistyped
//! argument reported.

use std::collections::HashMap;

use redengine_conditions::suggest;

use crate::context::TerminationFlag;
use crate::error::Problem;
use crate::handle::SessionHandle;
use crate::task::{Task, TaskParam};
use crate::value::{TypeInfo, Value};

/// Where a prepared argument's value comes from at each launch.
#[derive(Clone)]
pub(crate) enum Source {
    /// A task parameter value.
    Task(Value),
    /// The session parameter of the argument's name (value or function), looked up at launch.
    Session,
    /// The latest return value of this task.
    Return(String),
    /// The run's termination flag.
    Flag,
    /// A handle on the running session (`SessionHandle`): shutdown, restart, force_run …
    Handle,
}

/// A task argument with its resolution.
#[derive(Clone)]
pub(crate) struct PlannedArg {
    pub(crate) name: String,
    pub(crate) ty: TypeInfo,
    pub(crate) source: Source,
}

/// Resolves each argument: task parameter, else session parameter, else built-in.
pub(super) fn plan_args(
    name: &str,
    task: &Task,
    params: &crate::params::Params,
    returns: &HashMap<&str, TypeInfo>,
    tasks: &super::order::Named<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<PlannedArg> {
    let at = Some(task.setup.location);
    let mismatch =
        |problems: &mut Vec<Problem>, param: &str, expected: TypeInfo, found: &str, what: &str| {
            problems.push(Problem {
                location: at,
                message: format!(
                "task '{name}': parameter `{param}` expects `{}`, but {what} has type `{found}`",
                expected.name()
            ),
            });
        };
    let mut planned = Vec::with_capacity(task.more().args.len());
    for arg in &task.more().args {
        // The type whose codec sends the value to a process child: the declared one, or
        // the value's own (a serializable value, or an upstream task's serializable
        // return type), which is the same type when ignite finds no mismatch.
        let mut ty = arg.ty;
        let bound = task.more().params.iter().find(|(n, _)| *n == arg.name);
        let source = match bound {
            Some((_, TaskParam::Value(v))) => {
                if v.type_info() != arg.ty {
                    mismatch(
                        problems,
                        &arg.name,
                        arg.ty,
                        v.type_name(),
                        "the task parameter",
                    );
                } else if ty.codec().is_none() {
                    ty = v.type_info();
                }
                Source::Task(v.clone())
            }
            Some((_, TaskParam::Return(upstream))) => {
                match returns.get(upstream.as_str()) {
                    Some(ty) if *ty != arg.ty => mismatch(
                        problems,
                        &arg.name,
                        arg.ty,
                        ty.name(),
                        &format!("task '{upstream}' returns a value that"),
                    ),
                    Some(up) => {
                        if ty.codec().is_none() {
                            ty = *up;
                        }
                    }
                    None => {
                        let names = tasks.iter().map(|(n, _)| n);
                        let hint = suggest(upstream, names)
                            .map(|s| format!("; did you mean '{s}'?"))
                            .unwrap_or_default();
                        problems.push(Problem {
                            location: at,
                            message: format!(
                                "task '{name}': parameter `{}` takes the return value of \
                                 unknown task '{upstream}'{hint}",
                                arg.name
                            ),
                        });
                    }
                }
                Source::Return(upstream.clone())
            }
            None => match params.get(&arg.name) {
                Some(p) => {
                    let ty = p.type_info();
                    if ty != arg.ty {
                        mismatch(
                            problems,
                            &arg.name,
                            arg.ty,
                            ty.name(),
                            "the session parameter",
                        );
                    }
                    Source::Session
                }
                None if arg.ty.is::<TerminationFlag>() => Source::Flag,
                None if arg.ty.is::<SessionHandle>() => Source::Handle,
                None => {
                    problems.push(Problem {
                        location: at,
                        message: format!(
                            "task '{name}': parameter `{}` (`{}`) is not set; add it as a task \
                             parameter, a session parameter or a #[param] function",
                            arg.name,
                            arg.ty.name()
                        ),
                    });
                    Source::Session
                }
            },
        };
        planned.push(PlannedArg {
            name: arg.name.clone(),
            ty,
            source,
        });
    }
    for (param, _) in &task.more().params {
        if !task.more().args.iter().any(|a| a.name == *param) {
            let args: Vec<&str> = task.more().args.iter().map(|a| a.name.as_str()).collect();
            let hint = suggest(param, args.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problems.push(Problem {
                location: at,
                message: format!(
                    "task '{name}': task parameter `{param}` is not an argument of the task \
                     (arguments: {}){hint}",
                    if args.is_empty() {
                        "none".to_string()
                    } else {
                        args.join(", ")
                    }
                ),
            });
        }
    }
    planned
}
