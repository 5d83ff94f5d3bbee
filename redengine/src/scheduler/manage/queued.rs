//! Changes asked through a handle before `run()`: queued on the desk, applied to the
//! session's task list before ignite, as if they had been given to the builder.

use super::{name_of, named, process_problem, TARGET};
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::execution::Execution;
use crate::handle::{Change, Request};
use crate::ignite::{Mode, Plan};
use crate::session::Session;
use crate::task::Task;

/// Ignite for a scheduler starting ([`Mode::Run`]), after the changes queued before
/// `run()` are applied: their problems are reported with ignite's.
pub(in crate::scheduler) fn ignite_with_queued(session: &mut Session) -> Result<Plan> {
    let (added, mut queued) = apply_queued(session);
    let plan = crate::ignite::ignite(session, Mode::Run);
    if let Ok(plan) = &plan {
        for task in plan
            .tasks
            .iter()
            .filter(|t| added.iter().any(|a| t.name == *a))
        {
            if task.execution == Execution::Process {
                queued.push(Problem {
                    location: Some(task.location),
                    message: format!("add task '{}': {}", task.name, process_problem(&task.name)),
                });
            }
        }
    }
    match plan {
        Ok(plan) if queued.is_empty() => Ok(plan),
        Ok(_) => Err(Error::new(ErrorKind::Ignite(queued))),
        Err(e) if queued.is_empty() || e.problems().is_empty() => Err(e),
        Err(e) => {
            let mut problems = e.problems().to_vec();
            problems.extend(queued);
            Err(Error::new(ErrorKind::Ignite(problems)))
        }
    }
}

/// Applies the changes queued before `run()` to the session's task list, before ignite:
/// as if they had been given to the builder. Returns the names of the tasks added and, as
/// problems reported with ignite's, what cannot be applied (an unknown task).
fn apply_queued(session: &mut Session) -> (Vec<String>, Vec<Problem>) {
    let queued = std::mem::take(&mut session.control.desk().pending);
    let mut added = Vec::new();
    let mut problems = Vec::new();
    for Request { change, .. } in queued {
        let naming = session.config.use_instance_naming;
        let mut found = false;
        match &change {
            Change::Add(task, _) => {
                if let Some(task) = task.downcast_ref::<Task>() {
                    added.extend(name_of(task, naming));
                    session.tasks.push(task.clone());
                    found = true;
                }
            }
            Change::Remove(name) => {
                let before = session.tasks.len();
                session.tasks.retain(|t| !named(t, name, naming));
                found = session.tasks.len() < before;
            }
            Change::Disable(name, disabled) => {
                for task in session.tasks.iter_mut().filter(|t| named(t, name, naming)) {
                    task.flags.disabled = *disabled;
                    found = true;
                }
            }
            Change::StartCond(name, text) => {
                for task in session.tasks.iter_mut().filter(|t| named(t, name, naming)) {
                    task.set_start_cond(crate::task::shared_text(text));
                    found = true;
                }
            }
        }
        if found {
            ::log::info!(target: TARGET, "{}: applied before start-up", change.describe());
        } else {
            problems.push(Problem {
                location: None,
                message: format!(
                    "{} (asked through a SessionHandle before run()): the session has no \
                     task of that name defined in code (a task from a task file is changed \
                     in its file)",
                    change.describe()
                ),
            });
        }
    }
    (added, problems)
}
