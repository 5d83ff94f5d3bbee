//! Ignite: every check before start-up (RUNTIME.md §1), all problems reported at once.
//!
//! Conditions are parsed again (they were checked at compile time for `#[task]`, but a
//! runtime string may be wrong), task names and custom conditions are resolved with "did
//! you mean", duplicate names handled per `task_pre_exist`, parameters resolved and
//! type-checked (RUNTIME.md §7). The result is the check-ordered list of prepared tasks.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use redengine_conditions::{parse, suggest, Condition, KEYWORDS};

use crate::config::{TaskPreExist, Timeout};
use crate::error::{Error, ErrorKind, Problem};
use crate::execution::Execution;
use crate::hooks::{AfterInit, TaskInfo};
use crate::params::SessionParam;
use crate::registry::TaskFlags;
use crate::session::Session;
use crate::task::{Body, Location, Task};
use crate::value::TypeInfo;

mod args;

use args::plan_args;
pub(crate) use args::{PlannedArg, Source};
/// A validated task, ready for the cycle.
pub(crate) struct Prepared {
    pub(crate) name: String,
    pub(crate) start: Condition,
    pub(crate) end: Condition,
    pub(crate) execution: Execution,
    /// `None`: no timeout.
    pub(crate) timeout: Option<Duration>,
    pub(crate) flags: TaskFlags,
    pub(crate) args: Vec<PlannedArg>,
    pub(crate) body: Body,
    pub(crate) info: TaskInfo,
    /// The type of a successful run's value (its codec brings it back from a process).
    pub(crate) returns: TypeInfo,
    /// Removed or replaced by a task-file reload: never launched again.
    pub(crate) retired: bool,
}

/// The ignite result.
pub(crate) struct Plan {
    /// Tasks in check order.
    pub(crate) tasks: Vec<Prepared>,
    pub(crate) shut: Condition,
}

/// Runs every check; `Err` lists every problem with its location.
pub(crate) fn ignite(session: &Session) -> Result<Plan, Error> {
    let mut problems = Vec::new();
    let tasks = dedupe(session, &mut problems);
    let names: Vec<&str> = tasks.iter().map(|(n, _)| n.as_str()).collect();
    // Name resolution is a hash lookup: a chain of N tasks ignites in O(N), not O(N²).
    let known: HashSet<&str> = names.iter().copied().collect();
    let params = session.control.params();
    let mut customs: Vec<&str> = session.conditions.keys().map(String::as_str).collect();
    customs.sort_unstable();
    let returns: HashMap<&str, TypeInfo> =
        tasks.iter().map(|(n, t)| (n.as_str(), t.returns)).collect();

    let check = |text: &str, what: &str, at: Option<Location>, problems: &mut Vec<Problem>| {
        let cond = match parse(text) {
            Ok(c) => c,
            Err(e) => {
                problems.push(Problem {
                    location: at,
                    message: format!("invalid {what}: {e}"),
                });
                return Condition::False;
            }
        };
        for name in cond.task_names() {
            if !known.contains(name) {
                let hint = suggest(name, names.iter().copied())
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                problems.push(Problem {
                    location: at,
                    message: format!("{what} `{text}` names unknown task '{name}'{hint}"),
                });
            }
        }
        for name in cond.custom_names() {
            if !session.conditions.contains_key(name) {
                let hint = suggest(
                    name,
                    customs.iter().copied().chain(KEYWORDS.iter().copied()),
                )
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
                problems.push(Problem {
                    location: at,
                    message: format!(
                        "{what} `{text}` uses unknown condition `{name}`{hint} (register it \
                         with #[condition] or SessionBuilder::condition)"
                    ),
                });
            }
        }
        cond.walk(&mut |node| {
            if let Condition::ParamIs { key, .. } = node {
                if let Some(SessionParam::Function(_)) = params.get(key) {
                    problems.push(Problem {
                        location: at,
                        message: format!(
                            "{what} `{text}` compares parameter `{key}`, which is a parameter \
                             function; `param … is …` reads only value parameters"
                        ),
                    });
                }
            }
        });
        cond
    };

    let mut prepared = Vec::with_capacity(tasks.len());
    for (name, task) in &tasks {
        let at = Some(task.location);
        let start = check(
            &task.start_cond,
            &format!("start_cond of task '{name}'"),
            at,
            &mut problems,
        );
        let end = check(
            &task.end_cond,
            &format!("end_cond of task '{name}'"),
            at,
            &mut problems,
        );
        let execution = task.execution.unwrap_or(session.config.task_execution);
        if !crate::kind::supports(&*task.body, execution) {
            problems.push(crate::kind::unsupported(name, &*task.body, execution, at));
        }
        let timeout = match &task.timeout {
            None => session.config.timeout,
            Some(text) => Timeout::parse(text).unwrap_or_else(|e| {
                problems.push(Problem {
                    location: at,
                    message: format!(
                        "task '{name}': invalid timeout `{text}` ({e}); expected {}",
                        Timeout::ACCEPTED
                    ),
                });
                Timeout::Never
            }),
        };
        let timeout = match timeout {
            Timeout::After(d) if !task.flags.permanent => Some(d),
            _ => None,
        };
        let args = plan_args(name, task, &params, &returns, &names, &mut problems);
        if execution == Execution::Process {
            for arg in args.iter().filter(|a| matches!(a.source, Source::Handle)) {
                problems.push(Problem {
                    location: at,
                    message: format!(
                        "task '{name}': argument `{}` is a `SessionHandle`, which controls the \
                         scheduler of this process; a `process` task runs in a child process: \
                         use `execution = \"main\"` or `\"thread\"`",
                        arg.name
                    ),
                });
            }
        }
        prepared.push(Prepared {
            name: name.clone(),
            start,
            end,
            execution,
            timeout,
            flags: task.flags,
            args,
            body: task.body.clone(),
            returns: task.returns,
            retired: false,
            info: TaskInfo {
                name: name.clone(),
                execution,
                priority: task.priority,
                location: task.location,
            },
        });
    }

    #[cfg(unix)]
    crate::execution::process::check_returns(&prepared, &mut problems);

    let shut_text = &session.config.shut_cond;
    let shut = check(shut_text, "shut_cond", None, &mut problems);
    for phrase in shut.owner_phrases() {
        problems.push(Problem {
            location: None,
            message: format!(
                "`{phrase}` in shut_cond `{shut_text}` needs a task: it has no owner; name \
                 one with `task 'name' …`"
            ),
        });
    }

    if !problems.is_empty() {
        return Err(Error::new(ErrorKind::Ignite(problems)));
    }
    Ok(Plan {
        tasks: prepared,
        shut,
    })
}

/// Names every task, applies `task_pre_exist`, runs `task_init` hooks and returns the tasks
/// in check order (priority descending, then registered tasks by location, then
/// programmatic tasks in insertion order).
fn dedupe<'s>(session: &'s Session, problems: &mut Vec<Problem>) -> Vec<(String, &'s Task)> {
    let loaded = session.loader.iter().flat_map(|l| l.tasks());
    let mut order: Vec<(usize, &Task)> = session.tasks.iter().chain(loaded).enumerate().collect();
    order.sort_by_key(|(i, t)| {
        (
            !t.registered,
            if t.registered { Some(t.location) } else { None },
            *i,
        )
    });

    // `kept` keeps check order; a replaced entry becomes `None` so that `index` (name →
    // position) stays valid. Both make deduplication O(N) instead of a scan per task.
    let mut kept: Vec<Option<(String, &Task)>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut dupes: HashMap<String, Vec<Location>> = HashMap::new();
    let mut posts: Vec<(AfterInit, TaskInfo)> = Vec::new();
    for (_, task) in order {
        let name = match (&task.name, session.config.use_instance_naming) {
            (Some(n), _) => n.clone(),
            (None, true) => task.instance.to_string(),
            (None, false) => {
                problems.push(Problem {
                    location: Some(task.location),
                    message: "task has no name; give it one with `Task::builder(\"name\")` or set \
                              the config `use_instance_naming` to true"
                        .to_string(),
                });
                continue;
            }
        };
        let info = TaskInfo {
            name: name.clone(),
            execution: task.execution.unwrap_or(session.config.task_execution),
            priority: task.priority,
            location: task.location,
        };
        for hook in &session.hooks.task_init {
            if let Some(post) = hook(&info) {
                posts.push((post, info.clone()));
            }
        }
        let existing = index.get(&name).copied();
        match (existing, session.config.task_pre_exist) {
            (None, _) => {
                index.insert(name.clone(), kept.len());
                kept.push(Some((name, task)));
            }
            (Some(i), TaskPreExist::Raise) => {
                let first = kept[i].as_ref().map_or(task.location, |(_, t)| t.location);
                dupes
                    .entry(name)
                    .or_insert_with(|| vec![first])
                    .push(task.location);
            }
            (Some(i), TaskPreExist::Replace) => {
                kept[i] = None;
                index.insert(name.clone(), kept.len());
                kept.push(Some((name, task)));
            }
            (Some(_), TaskPreExist::Ignore) => {}
            (Some(_), TaskPreExist::Rename) => {
                let fresh = (1..)
                    .map(|i| format!("{name} - {i}"))
                    .find(|n| !index.contains_key(n))
                    .unwrap_or_else(|| format!("{name} - {}", task.instance));
                index.insert(fresh.clone(), kept.len());
                kept.push(Some((fresh, task)));
            }
        }
    }
    let mut kept: Vec<(String, &Task)> = kept.into_iter().flatten().collect();
    let mut dupes: Vec<_> = dupes.into_iter().collect();
    dupes.sort_by_key(|(_, locs)| locs[0]);
    for (name, locs) in dupes {
        let list: Vec<String> = locs.iter().map(ToString::to_string).collect();
        problems.push(Problem {
            location: locs.first().copied(),
            message: format!(
                "task name '{name}' is defined {} times ({}); rename one, or set the config \
                 `task_pre_exist` to `replace`, `ignore` or `rename`",
                locs.len(),
                list.join(", ")
            ),
        });
    }
    for (post, info) in posts {
        post(&info);
    }
    // Check order: priority descending; the sort is stable, so ties keep definition order.
    kept.sort_by_key(|(_, t)| std::cmp::Reverse(t.priority));
    kept
}
