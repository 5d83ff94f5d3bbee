//! The checks of one session: every condition parsed, names resolved, parameters planned.

use std::collections::{HashMap, HashSet};

use redengine_conditions::{parse, suggest, Condition, KEYWORDS};

use super::args::plan_args;
use super::order::dedupe;
use super::Prepared;
use crate::config::Timeout;
use crate::error::Problem;
use crate::hooks::TaskInfo;
use crate::location::Location;
use crate::params::SessionParam;
use crate::session::Session;
use crate::value::TypeInfo;

/// Checks every task the session holds (loaded tasks in `excluded` left out) and the
/// `shut_cond`; returns the tasks in check order, the shut condition and every problem.
pub(super) fn prepare(
    session: &Session,
    excluded: &HashSet<Location>,
    init_hooks: bool,
) -> (Vec<Prepared>, Condition, Vec<Problem>) {
    let mut problems = Vec::new();
    let tasks = dedupe(session, excluded, init_hooks, &mut problems);
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
        // retries: the retry policy and instance limit, each bad value a problem.
        let once = match task.flags {
            f if f.on_startup => Some("on_startup"),
            f if f.on_shutdown => Some("on_shutdown"),
            _ => None,
        };
        let (retry, max_instances) = task.retry.check(execution, once).unwrap_or_else(|found| {
            problems.extend(found.into_iter().map(|message| Problem {
                location: at,
                message: format!("task '{name}': {message}"),
            }));
            (crate::retry::RetryPolicy::NONE, 1)
        });
        let args = plan_args(name, task, &params, &returns, &names, &mut problems);
        // zones
        let zone = crate::task_zone::effective(task.zone.as_ref(), session.zone, name)
            .unwrap_or_else(|message| {
                problems.push(Problem {
                    location: at,
                    message,
                });
                session.zone
            });
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
            retry,
            max_instances,
            // zones
            zone,
            misfire: task.misfire.unwrap_or(session.config.misfire),
            hold_until: None,
            info: TaskInfo {
                name: name.clone(),
                execution,
                priority: task.priority,
                location: task.location,
            },
        });
    }

    super::process::check(&prepared, &params, &mut problems);

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

    (prepared, shut, problems)
}
