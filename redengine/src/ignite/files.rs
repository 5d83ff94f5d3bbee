//! Task files in a running scheduler: a bad file never stops the other tasks. Their
//! problems are logged and the tasks they concern are left out of the plan.

use std::collections::{HashMap, HashSet};

use super::check::prepare;
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::location::Location;
use crate::session::Session;

fn report(problem: &Problem) {
    let effect = if problem.message.ends_with(crate::loader::KEPT) {
        ""
    } else {
        "; the task is not loaded"
    };
    crate::console::problem(
        "redengine::scheduler",
        &format!("task file: {problem}{effect}"),
    );
}

/// The task-file tasks to leave out: those with a problem of their own, a name another
/// task has, or a problem found when checking them with the rest. Logs each problem.
/// Problems of tasks defined in code are errors, as always.
pub(super) fn leave_out(session: &Session, quiet: bool) -> Result<HashSet<Location>> {
    let report = |p: &Problem| {
        if !quiet {
            report(p);
        }
    };
    let Some(files) = session.loader.as_ref() else {
        return Ok(HashSet::new());
    };
    for p in files.problems() {
        report(&p);
    }
    let mut excluded = HashSet::new();
    // A loaded task may not take the name of a code task or of an earlier loaded one.
    let mut taken: HashMap<&str, Location> = session
        .tasks
        .iter()
        .filter_map(|t| t.name.as_deref().map(|n| (n, t.setup.location)))
        .collect();
    for t in files.tasks() {
        let Some(name) = t.name.as_deref() else {
            continue;
        };
        match taken.get(name) {
            Some(first) => {
                report(&Problem {
                    location: Some(t.setup.location),
                    message: format!(
                        "task name '{name}' is already defined at {first}; rename one of them"
                    ),
                });
                excluded.insert(t.setup.location);
            }
            None => {
                taken.insert(name, t.setup.location);
            }
        }
    }
    // Leaving a task out can break another's reference to it: repeat until stable.
    loop {
        let (_, _, problems) = prepare(session, &excluded, false, None);
        if problems.is_empty() {
            return Ok(excluded);
        }
        let ours: HashSet<Location> = files
            .tasks()
            .map(|t| t.setup.location)
            .filter(|l| !excluded.contains(l))
            .collect();
        let bad: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.location.is_some_and(|l| ours.contains(&l)))
            .collect();
        if bad.is_empty() {
            return Err(Error::new(ErrorKind::Ignite(problems)));
        }
        for p in bad {
            report(p);
            excluded.extend(p.location);
        }
    }
}

/// Name → fingerprint of the task-file tasks that are not left out.
pub(super) fn fingerprints(
    session: &Session,
    excluded: &HashSet<Location>,
) -> HashMap<String, u64> {
    session
        .loader
        .iter()
        .flat_map(|files| files.loaded())
        .filter(|(task, _)| !excluded.contains(&task.setup.location))
        .filter_map(|(task, fingerprint)| {
            task.name.as_deref().map(|n| (n.to_string(), fingerprint))
        })
        .collect()
}
