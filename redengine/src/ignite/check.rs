//! The checks of one session: every condition parsed, names resolved, parameters planned.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use redengine_conditions::{parse, suggest, Condition, KEYWORDS};

use super::args::plan_args;
use super::fast::FastMap;
use super::order::dedupe;
use super::Prepared;
use crate::config::Timeout;
use crate::error::Problem;
use crate::location::Location;
use crate::params::SessionParam;
use crate::session::Session;
use crate::value::TypeInfo;

/// Checks every task the session holds (loaded tasks in `excluded` left out) and the
/// `shut_cond`; returns the tasks in check order, the shut condition and every problem.
///
/// With `only` (a process child), every task is still named and deduplicated (so names
/// resolve as in the scheduler), but only that task is prepared: the child's start-up
/// does not grow with the number of tasks in the session. Nor are its conditions parsed:
/// a child never evaluates them (the scheduler that started it parsed and checked them),
/// and a parse in a fresh process is not cheap (the parser's first use measures the main
/// thread's stack, which reads all of `/proc/self/maps`).
pub(super) fn prepare<'s>(
    session: &'s Session,
    excluded: &HashSet<Location>,
    init_hooks: bool,
    only: Option<&str>,
) -> (Vec<Prepared>, Condition, Vec<Problem>) {
    let mut problems = Vec::new();
    let tasks = dedupe(session, excluded, init_hooks, &mut problems);
    // perf (memory): the names read from the task list, not copied into a list of their own.
    let names = || tasks.iter().map(|(n, _)| -> &str { n });
    // Name resolution is a hash lookup: a chain of N tasks ignites in O(N), not O(N²).
    // Made at the first condition that names a task.
    let mut known: Option<FastMap<&str, ()>> = None;
    let params = session.control.params();
    let mut customs: Vec<&str> = session.conditions.keys().map(String::as_str).collect();
    customs.sort_unstable();
    // Only tasks with arguments look up what other tasks return.
    let returns: HashMap<&str, TypeInfo> = if tasks.iter().any(|(_, t)| !t.more().args.is_empty()) {
        tasks
            .iter()
            .map(|(n, t)| (n.as_ref(), t.body.returns()))
            .collect()
    } else {
        HashMap::new()
    };

    // Tasks often share a condition text (`daily`, the default `false`, one window for a
    // family of tasks): each distinct text is parsed and checked once, and the
    // tasks share the parsed condition. Only successful parses are kept; a bad text is
    // parsed again to report it where it occurs, and a text whose names did not resolve
    // is checked again for each task that has it.
    let mut parsed: FastMap<&'s str, Checked> = FastMap::default();
    // The last text checked for start conditions, and for the others.
    let mut last: [Option<(&'s str, Checked)>; 2] = [None, None];
    // proc (child start-up): a process child's conditions stay unparsed, see above.
    let child = only.is_some();
    let mut check =
        |text: &'s str, what: What<'_>, at: Option<Location>, problems: &mut Vec<Problem>| {
            if child {
                return Arc::new(Condition::False);
            }
            // Tasks made in a loop have one start (and end) text after the other: no
            // hashing then.
            let slot = usize::from(!matches!(what, What::Start(_)));
            if let Some((prev, c)) = &last[slot] {
                if *prev == text && c.clean {
                    return Arc::clone(&c.cond);
                }
            }
            let cond = match parsed.get(text) {
                Some(c) if c.clean => {
                    let cond = Arc::clone(&c.cond);
                    last[slot] = Some((text, c.clone()));
                    return cond;
                }
                Some(c) => Arc::clone(&c.cond),
                None => match parse(text) {
                    Ok(c) => Arc::new(c),
                    Err(e) => {
                        problems.push(Problem {
                            location: at,
                            message: format!("invalid {what}: {e}"),
                        });
                        return Arc::new(Condition::False);
                    }
                },
            };
            let found = problems.len();
            for name in cond.task_names() {
                let known = known.get_or_insert_with(|| names().map(|n| (n, ())).collect());
                if !known.contains_key(name) {
                    let hint = suggest(name, names())
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
            let checked = Checked {
                cond: Arc::clone(&cond),
                clean: problems.len() == found,
            };
            last[slot] = Some((text, checked.clone()));
            parsed.insert(text, checked);
            cond
        };

    let mut prepared = Vec::with_capacity(if only.is_some() { 1 } else { tasks.len() });
    for (name, task) in &tasks {
        if only.is_some_and(|only| only != name) {
            continue;
        }
        let name: &str = name;
        let at = Some(task.location);
        let start = check(&task.start_cond, What::Start(name), at, &mut problems);
        let end = check(task.end_cond(), What::End(name), at, &mut problems);
        let execution = task.execution.unwrap_or(session.config.task_execution);
        if !crate::kind::supports(&*task.body, execution) {
            problems.push(crate::kind::unsupported(name, &*task.body, execution, at));
        }
        let timeout = match &task.more().timeout {
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
        // retries: the retry policy and instance limit, each bad value a problem.
        let once = match task.flags {
            f if f.on_startup => Some("on_startup"),
            f if f.on_shutdown => Some("on_shutdown"),
            _ => None,
        };
        let (retry, max_instances) =
            task.more()
                .retry
                .check(execution, once)
                .unwrap_or_else(|found| {
                    problems.extend(found.into_iter().map(|message| Problem {
                        location: at,
                        message: format!("task '{name}': {message}"),
                    }));
                    (crate::retry::RetryPolicy::NONE, 1)
                });
        let args = plan_args(name, task, &params, &returns, &tasks, &mut problems);
        // zones
        let zone = crate::task_zone::effective(task.more().zone.as_ref(), session.zone, name)
            .unwrap_or_else(|message| {
                problems.push(Problem {
                    location: at,
                    message,
                });
                session.zone
            });
        prepared.push(Prepared {
            name: name.to_string(),
            start,
            end,
            execution,
            timeout,
            flags: task.flags,
            args: args.into(),
            body: task.body.clone(),
            retired: false,
            retry: retry.into(),
            max_instances,
            // zones
            zone,
            misfire: task.misfire.unwrap_or(session.config.misfire),
            hold_until: None,
            priority: task.priority,
            location: task.location,
        });
    }

    super::process::check(&prepared, &params, &mut problems);

    let shut_text = &session.config.shut_cond;
    let shut = check(shut_text, What::Shut, None, &mut problems);
    for phrase in shut.owner_phrases() {
        problems.push(Problem {
            location: None,
            message: format!(
                "`{phrase}` in shut_cond `{shut_text}` needs a task: it has no owner; name \
                 one with `task 'name' …`"
            ),
        });
    }

    (prepared, (*shut).clone(), problems)
}

/// A condition text checked once: the parsed condition and whether its names resolved
/// (a text that did not is checked again for each task that has it).
#[derive(Clone)]
struct Checked {
    cond: Arc<Condition>,
    clean: bool,
}

/// Which condition a problem is about, formatted only when there is a problem.
#[derive(Clone, Copy)]
enum What<'a> {
    Start(&'a str),
    End(&'a str),
    Shut,
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Start(name) => write!(f, "start_cond of task '{name}'"),
            What::End(name) => write!(f, "end_cond of task '{name}'"),
            What::Shut => f.write_str("shut_cond"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::session::Session;
    use crate::task::Task;

    fn session(tasks: Vec<Task>) -> Session {
        Session::builder()
            .log_memory()
            .with_tasks(tasks)
            .build()
            .unwrap()
    }

    fn task(name: &str, cond: &str) -> Task {
        Task::builder(name).start_cond(cond).run(|_| ())
    }

    #[test]
    fn a_shared_bad_condition_is_reported_for_every_task_that_uses_it() {
        let s = session(vec![
            task("a", "daily afterr 10:00"),
            task("b", "daily afterr 10:00"),
        ]);
        let (_, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        let texts: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[0].starts_with("invalid start_cond of task 'a'"),
            "{texts:?}"
        );
        assert!(
            texts[1].starts_with("invalid start_cond of task 'b'"),
            "{texts:?}"
        );
    }

    #[test]
    fn a_shared_condition_is_parsed_once_and_checked_per_task() {
        let s = session(vec![
            task("a", "after task 'c' succeeded"),
            task("b", "after task 'c' succeeded"),
            task("c", "daily"),
        ]);
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(std::sync::Arc::ptr_eq(&tasks[0].start, &tasks[1].start));
        let shown = redengine_conditions::parse("after task 'c' succeeded").unwrap();
        assert_eq!(tasks[0].start.to_string(), shown.to_string());
        assert_eq!(tasks[2].start.to_string(), "daily");
    }

    #[test]
    fn tasks_with_one_text_share_one_parsed_condition() {
        let s = session(vec![
            task("a", "daily between 08:00 and 09:00"),
            task("b", "daily between 08:00 and 09:00"),
            task("c", "daily"),
        ]);
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(std::sync::Arc::ptr_eq(&tasks[0].start, &tasks[1].start));
        assert!(!std::sync::Arc::ptr_eq(&tasks[0].start, &tasks[2].start));
        assert!(std::sync::Arc::ptr_eq(&tasks[0].end, &tasks[2].end));
    }

    #[test]
    fn a_shared_text_naming_an_unknown_task_is_reported_for_every_task() {
        let s = session(vec![
            task("a", "after task 'nope' succeeded"),
            task("b", "after task 'nope' succeeded"),
            task("c", "after task 'a' succeeded"),
        ]);
        let (_, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        let texts: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].starts_with("start_cond of task 'a'"), "{texts:?}");
        assert!(texts[1].starts_with("start_cond of task 'b'"), "{texts:?}");
    }

    #[test]
    fn a_process_child_prepares_only_its_task() {
        // `b` names an unknown task: the scheduler refuses that session, but a child that
        // runs `a` has nothing to check about `b`.
        let s = session(vec![
            task("a", "daily"),
            task("b", "after task 'nope' succeeded"),
        ]);
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, Some("a"));
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a"]);
        let (_, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn a_process_child_does_not_parse_conditions() {
        // A child never evaluates conditions (its scheduler parsed and checked them), so
        // it does not parse them: not even a text the parser refuses stops it.
        let s = session(vec![task("a", "daily between")]);
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, Some("a"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(tasks.len(), 1);
        let (_, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
