//! The checks of one session: every condition parsed, names resolved, parameters planned.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use redengine_conditions::{parse, suggest, Condition, KEYWORDS};

use super::args::plan_args;
use super::fast::FastMap;
use super::order::{dedupe, Named};
use super::profile::Profiles;
use super::{Args, Prepared, Profile, Retry};
use crate::config::Timeout;
use crate::error::Problem;
use crate::location::Location;
use crate::params::{Params, SessionParam};
use crate::session::Session;
use crate::task::{Task, TaskName};
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
pub(super) fn prepare(
    session: &Session,
    excluded: &HashSet<Location>,
    init_hooks: bool,
    only: Option<&str>,
) -> (Vec<Prepared>, Condition, Vec<Problem>) {
    let mut problems = Vec::new();
    let tasks = dedupe(session, excluded, init_hooks, &mut problems);
    let params = session.control.params();
    let mut customs: Vec<&str> = session.conditions.keys().map(String::as_str).collect();
    customs.sort_unstable();
    // Only tasks with arguments look up what other tasks return, or send anything to a
    // process child that must be checked.
    let any_args = tasks.any_args();
    let returns: HashMap<&str, TypeInfo> = if any_args {
        tasks
            .iter()
            .map(|(n, t)| (n, t.setup.body.returns()))
            .collect()
    } else {
        HashMap::new()
    };

    // Tasks often share a condition text (`daily`, the default `false`, one window for a
    // family of tasks): each distinct text is parsed and checked once, and the
    // tasks share the parsed condition. Only successful parses are kept; a bad text is
    // parsed again to report it where it occurs, and a text whose names did not resolve
    // is checked again for each task that has it.
    let mut checker = Checker {
        session,
        tasks: &tasks,
        known: None,
        params: &params,
        customs: &customs,
        parsed: FastMap::default(),
        last: [None, None],
        // proc (child start-up): a process child's conditions stay unparsed, see above.
        child: only.is_some(),
    };

    let mut prepared = Vec::with_capacity(if only.is_some() { 1 } else { tasks.len() });
    let mut profiles = Profiles::default();
    for (name, task, own) in tasks.entries() {
        if only.is_some_and(|only| only != name) {
            continue;
        }
        // perf (memory, start-up): a name the task has is shared with it; only a name
        // ignite made (instance naming, `rename`) is a text of its own.
        let shared = match (own, &task.name) {
            (true, Some(own)) => own.clone(),
            _ => TaskName::from(name),
        };
        let at = Some(task.setup.location);
        let start = checker.check(&task.setup.start_cond, What::Start(name), at, &mut problems);
        let end = checker.check(task.end_cond(), What::End(name), at, &mut problems);
        let execution = session.execution_of(task);
        if !crate::kind::supports(&*task.setup.body, execution) {
            problems.push(crate::kind::unsupported(
                name,
                &*task.setup.body,
                execution,
                at,
            ));
        }
        let misfire = task.setup.misfire.unwrap_or(session.config.misfire);
        // perf (start-up): a task without rare settings next to one like it reads its
        // profile without a look at the settings.
        let profile = match profiles.plain(task, (&start, &end), execution, misfire) {
            Some(profile) => profile,
            None => {
                let rare = rare(
                    session,
                    name,
                    task,
                    &params,
                    &returns,
                    &tasks,
                    &mut problems,
                );
                let timeout = match rare.timeout {
                    Timeout::After(d) if !task.flags.permanent => Some(d),
                    _ => None,
                };
                let profile = Profile {
                    start,
                    end,
                    execution,
                    timeout,
                    args: rare.args,
                    retry: rare.retry,
                    max_instances: rare.max_instances,
                    // zones
                    zone: rare.zone,
                    misfire,
                    priority: task.setup.priority,
                    location: task.setup.location,
                };
                profiles.share(profile, task)
            }
        };
        prepared.push(Prepared {
            name: shared,
            hold_until: super::Hold::default(),
            profile,
            body: task.setup.body.clone(),
            flags: task.flags,
            retired: false,
        });
    }

    // perf (start-up): what crosses the process boundary is the arguments: without any,
    // the prepared tasks are not read again.
    if any_args {
        super::process::check(&prepared, &params, &mut problems);
    }

    let shut_text = &session.config.shut_cond;
    let shut = checker.check(shut_text, What::Shut, None, &mut problems);
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

/// A task's rarely set settings, checked.
struct Rare {
    timeout: Timeout,
    retry: Retry,
    max_instances: u32,
    args: Args,
    zone: redengine_conditions::Zone,
}

/// Checks the settings of `task` that most tasks leave unset; each bad value a problem.
fn rare(
    session: &Session,
    name: &str,
    task: &Task,
    params: &Params,
    returns: &HashMap<&str, TypeInfo>,
    tasks: &Named<'_>,
    problems: &mut Vec<Problem>,
) -> Rare {
    // perf (start-up): most tasks set none of these (no `More`): theirs are the session's,
    // known without a look at each setting.
    if task.setup.more.is_none() {
        return Rare {
            timeout: session.config.timeout,
            retry: Retry::NONE,
            max_instances: 1,
            args: Args::NONE,
            zone: session.zone,
        };
    }
    let at = Some(task.setup.location);
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
    // retries: the retry policy and instance limit, each bad value a problem.
    let execution = session.execution_of(task);
    let once = match task.flags {
        f if f.on_startup => Some("on_startup"),
        f if f.on_shutdown => Some("on_shutdown"),
        _ => None,
    };
    let (retry, max_instances) = task
        .more()
        .retry
        .check(execution, once)
        .unwrap_or_else(|found| {
            problems.extend(found.into_iter().map(|message| Problem {
                location: at,
                message: format!("task '{name}': {message}"),
            }));
            (crate::retry::RetryPolicy::NONE, 1)
        });
    let args = plan_args(name, task, params, returns, tasks, problems);
    // zones
    let zone = crate::task_zone::effective(task.more().zone.as_ref(), session.zone, name)
        .unwrap_or_else(|message| {
            problems.push(Problem {
                location: at,
                message,
            });
            session.zone
        });
    Rare {
        timeout,
        retry: retry.into(),
        max_instances,
        args: args.into(),
        zone,
    }
}

/// What checks condition texts: the session's names, and the texts checked so far.
struct Checker<'a, 's> {
    session: &'s Session,
    /// The named tasks; the names are read from here, not copied into a list of their own.
    tasks: &'a Named<'s>,
    /// Name resolution is a hash lookup: a chain of N tasks ignites in O(N), not O(N²).
    /// Made at the first condition that names a task.
    known: Option<FastMap<&'a str, ()>>,
    params: &'a Params,
    customs: &'a [&'s str],
    parsed: FastMap<&'s str, Checked>,
    /// The last text checked for start conditions, and for the others.
    last: [Option<(&'s str, Checked)>; 2],
    /// A process child: conditions stay unparsed (see [`prepare`]).
    child: bool,
}

impl<'a, 's> Checker<'a, 's> {
    /// The parsed condition of `text`, every problem of it pushed to `problems`.
    // perf (start-up): tasks made in a loop have one start (and end) text after the other,
    // and tasks made in a row share one allocation of their text (`shared_text`): a text at
    // the same address as the last one checked is that text, known without reading it
    // (with 1,000 tasks, 2,000 compares of the whole text fewer). An equal text elsewhere is
    // compared as before, and any other text is looked up by its content.
    #[inline(always)]
    fn check(
        &mut self,
        text: &'s str,
        what: What<'_>,
        at: Option<Location>,
        problems: &mut Vec<Problem>,
    ) -> Arc<Condition> {
        if self.child {
            return Arc::new(Condition::False);
        }
        let slot = usize::from(!matches!(what, What::Start(_)));
        if let Some((prev, c)) = &self.last[slot] {
            if c.clean && same_text(prev, text) {
                return Arc::clone(&c.cond);
            }
        }
        self.check_slow(text, slot, what, at, problems)
    }

    /// [`Self::check`] for a text other than the last one.
    #[inline(never)]
    fn check_slow(
        &mut self,
        text: &'s str,
        slot: usize,
        what: What<'_>,
        at: Option<Location>,
        problems: &mut Vec<Problem>,
    ) -> Arc<Condition> {
        let cond = match self.parsed.get(text) {
            Some(c) if c.clean => {
                let cond = Arc::clone(&c.cond);
                self.last[slot] = Some((text, c.clone()));
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
        let tasks = self.tasks;
        let names = || tasks.iter().map(|(n, _)| n);
        for name in cond.task_names() {
            let known = self
                .known
                .get_or_insert_with(|| names().map(|n| (n, ())).collect());
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
            if !self.session.conditions.contains_key(name) {
                let hint = suggest(
                    name,
                    self.customs.iter().copied().chain(KEYWORDS.iter().copied()),
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
        let params = self.params;
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
        self.last[slot] = Some((text, checked.clone()));
        self.parsed.insert(text, checked);
        cond
    }
}

/// Whether two condition texts are the same: one allocation (the usual case for tasks
/// made in a row), else equal content.
fn same_text(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
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

    #[test]
    fn a_text_is_the_last_one_by_address_and_length_or_by_content() {
        let text = String::from("daily between 08:00 and 09:00");
        let copy = text.clone();
        assert!(super::same_text(&text, &text));
        assert!(super::same_text(&text, &copy));
        // The same address, another length: a prefix is another text.
        assert!(!super::same_text(&text, &text[..5]));
        assert!(!super::same_text(&text, "daily"));
    }

    #[test]
    fn equal_texts_in_other_allocations_and_other_texts_get_their_own_conditions() {
        // `a` and `b` share one allocation of their text; `d` has an equal text of its
        // own (made after another one), `c` and `e` other texts, `e` one of the same
        // length as `a`'s; `f` follows `e` with an equal text of its own.
        let mut f = task("f", "");
        f.set_start_cond(std::sync::Arc::from("daily between 10:00 and 11:00"));
        let s = session(vec![
            task("a", "daily between 08:00 and 09:00"),
            task("b", "daily between 08:00 and 09:00"),
            task("c", "daily"),
            task("d", "daily between 08:00 and 09:00"),
            task("e", "daily between 10:00 and 11:00"),
            f,
        ]);
        assert!(!std::sync::Arc::ptr_eq(
            &s.tasks[0].setup.start_cond,
            &s.tasks[3].setup.start_cond
        ));
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        let shown: Vec<String> = tasks.iter().map(|t| t.start.to_string()).collect();
        let want = |text: &str| redengine_conditions::parse(text).unwrap().to_string();
        assert_eq!(
            shown,
            [
                want("daily between 08:00 and 09:00"),
                want("daily between 08:00 and 09:00"),
                want("daily"),
                want("daily between 08:00 and 09:00"),
                want("daily between 10:00 and 11:00"),
                want("daily between 10:00 and 11:00"),
            ]
        );
        assert!(!std::sync::Arc::ptr_eq(
            &s.tasks[4].setup.start_cond,
            &s.tasks[5].setup.start_cond
        ));
        assert!(std::sync::Arc::ptr_eq(&tasks[4].start, &tasks[5].start));
        assert!(std::sync::Arc::ptr_eq(&tasks[0].start, &tasks[3].start));
        assert!(!std::sync::Arc::ptr_eq(&tasks[0].start, &tasks[4].start));
    }

    #[test]
    fn a_task_without_rare_settings_gets_the_sessions() {
        let zone = redengine_conditions::Zone::from_name("UTC+02:00").unwrap();
        let s = Session::builder()
            .log_memory()
            .config("timeout", "1 hour")
            .zone(zone)
            .task(task("plain", "daily"))
            .task(Task::builder("forever").permanent(true).run(|_| ()))
            .task(
                Task::builder("own")
                    .timeout("5 minutes")
                    .zone_name("UTC")
                    .retries(2)
                    .run(|_| ()),
            )
            .build()
            .unwrap();
        assert!(s.tasks[0].setup.more.is_none() && s.tasks[1].setup.more.is_none());
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        let hour = Some(std::time::Duration::from_secs(3600));
        assert_eq!((tasks[0].timeout, tasks[0].zone), (hour, zone));
        assert_eq!((tasks[0].retry.retries, tasks[0].max_instances), (0, 1));
        assert!(tasks[0].args.is_empty());
        assert_eq!((tasks[1].timeout, tasks[1].zone), (None, zone));
        let own = &tasks[2];
        assert_eq!(own.timeout, Some(std::time::Duration::from_secs(300)));
        assert_eq!(own.zone, redengine_conditions::Zone::Utc);
        assert_eq!(own.retry.retries, 2);
    }

    #[test]
    fn tasks_made_in_a_loop_share_one_profile_and_each_reads_its_settings() {
        let make = |name: String, permanent: bool| {
            Task::builder(name)
                .start_cond("daily")
                .permanent(permanent)
                .run(|_| ())
        };
        let mut tasks: Vec<Task> = (0..3).map(|i| make(format!("t{i}"), false)).collect();
        tasks.push(make("forever".to_string(), true));
        tasks.push(Task::builder("own").timeout("1 hour").run(|_| ()));
        tasks.extend((3..5).map(|i| make(format!("t{i}"), false)));
        let s = Session::builder()
            .log_memory()
            .config("timeout", "2 hours")
            .with_tasks(tasks)
            .build()
            .unwrap();
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        let shared =
            |a: usize, b: usize| std::sync::Arc::ptr_eq(&tasks[a].profile, &tasks[b].profile);
        assert!(shared(0, 1) && shared(1, 2) && shared(5, 6));
        assert!(!shared(2, 3) && !shared(3, 4) && !shared(4, 5));
        let hours = |n: u64| Some(std::time::Duration::from_secs(n * 3600));
        let timeouts: Vec<_> = tasks.iter().map(|t| t.timeout).collect();
        let want = [
            hours(2),
            hours(2),
            hours(2),
            None,
            hours(1),
            hours(2),
            hours(2),
        ];
        assert_eq!(timeouts, want);
        for (prepared, task) in tasks.iter().zip(&s.tasks) {
            assert_eq!(prepared.name.as_str(), task.name().unwrap());
            assert_eq!(prepared.location, task.setup.location);
            assert!(std::sync::Arc::ptr_eq(&prepared.body, &task.setup.body));
        }
    }

    #[test]
    fn a_prepared_task_shares_its_tasks_name_and_a_made_name_is_its_own() {
        let s = Session::builder()
            .log_memory()
            .task_pre_exist(crate::config::TaskPreExist::Rename)
            .with_tasks([task("a", "daily"), task("a", "daily"), task("b", "daily")])
            .build()
            .unwrap();
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "a - 1", "b"]);
        let own = |i: usize| s.tasks[i].name.as_ref().unwrap();
        assert!(tasks[0].name.shares(own(0)));
        assert!(!tasks[1].name.shares(own(1)));
        assert!(tasks[2].name.shares(own(2)));
    }

    #[test]
    fn re_ignited_after_a_change_each_prepared_task_has_its_own_tasks_data() {
        // What a change through a handle does: edit the session's tasks, ignite again.
        let mut s = session(vec![
            task("a", "daily"),
            task("b", "every 1 hour"),
            task("c", "daily"),
        ]);
        s.tasks.retain(|t| t.name() != Some("b"));
        s.tasks.push(task("b", "every 2 hours"));
        s.tasks[0].set_start_cond(crate::task::shared_text("every 3 hours"));
        let (tasks, _, problems) = super::prepare(&s, &HashSet::new(), false, None);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(&str, String)> = tasks
            .iter()
            .map(|t| (t.name.as_str(), t.start.to_string()))
            .collect();
        let shown = |text: &str| redengine_conditions::parse(text).unwrap().to_string();
        assert_eq!(
            got,
            [
                ("a", shown("every 3 hours")),
                ("c", shown("daily")),
                ("b", shown("every 2 hours")),
            ]
        );
        for (prepared, task) in tasks.iter().zip(&s.tasks) {
            assert!(prepared.name.shares(task.name.as_ref().unwrap()));
            assert_eq!(prepared.location, task.setup.location);
        }
    }
}
