//! The tasks ignite sees, named, deduplicated per `task_pre_exist`, in check order.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::fast::FastMap;
use crate::config::TaskPreExist;
use crate::error::Problem;
use crate::hooks::{AfterInit, TaskInfo};
use crate::location::Location;
use crate::session::Session;
use crate::task::Task;

/// Names every task, applies `task_pre_exist`, runs `task_init` hooks and returns the tasks
/// in check order (priority descending, then registered tasks by location, then
/// programmatic tasks in insertion order).
///
/// A name is borrowed from its task (owned only when ignite makes it: instance naming,
/// `rename`), and a `TaskInfo` is made only for `task_init` hooks: with 1,000 tasks this
/// runs at every launch, before the first cycle.
pub(super) fn dedupe<'s>(
    session: &'s Session,
    excluded: &HashSet<Location>,
    init_hooks: bool,
    problems: &mut Vec<Problem>,
) -> Named<'s> {
    let loaded = session
        .loader
        .iter()
        .flat_map(|files| files.tasks())
        .filter(|t| !excluded.contains(&t.setup.location));
    // perf (start-up): programmatic tasks only (the usual case) are in order already: they
    // are read where they are, without a list of their own.
    let sorted = match session.loader {
        None if !session.tasks.iter().any(|t| t.setup.registered) => None,
        _ => {
            let mut order: Vec<(usize, &Task)> =
                session.tasks.iter().chain(loaded).enumerate().collect();
            if order.iter().any(|(_, t)| t.setup.registered) {
                order.sort_by_key(|(i, t)| {
                    (
                        !t.setup.registered,
                        if t.setup.registered {
                            Some(t.setup.location)
                        } else {
                            None
                        },
                        *i,
                    )
                });
            }
            Some(order)
        }
    };
    let count = sorted.as_ref().map_or(session.tasks.len(), Vec::len);
    let order: Box<dyn Iterator<Item = &'s Task>> = match sorted {
        None => Box::new(session.tasks.iter()),
        Some(order) => Box::new(order.into_iter().map(|(_, t)| t)),
    };
    let hooks = init_hooks && !session.hooks.task_init.is_empty();

    // `kept` keeps check order; a replaced entry stays in place (listed in `replaced`,
    // removed at the end) so that `index` (name → position) stays valid. Both make
    // deduplication O(N) instead of a scan per task.
    let mut kept = Named::with_capacity(count);
    let mut replaced: Vec<usize> = Vec::new();
    let mut index = NameIndex::with_capacity(count);
    let mut dupes: HashMap<Cow<'s, str>, Vec<Location>> = HashMap::new();
    let mut posts: Vec<(AfterInit, TaskInfo)> = Vec::new();
    for task in order {
        let name: Cow<'s, str> = match (&task.name, session.config.use_instance_naming) {
            (Some(n), _) => Cow::Borrowed(n.as_str()),
            (None, true) => Cow::Owned(task.instance.to_string()),
            (None, false) => {
                problems.push(Problem {
                    location: Some(task.setup.location),
                    message: "task has no name; give it one with `Task::builder(\"name\")` or set \
                              the config `use_instance_naming` to true"
                        .to_string(),
                });
                continue;
            }
        };
        if let Some(problem) = unusable(&name) {
            problems.push(Problem {
                location: Some(task.setup.location),
                message: problem,
            });
            continue;
        }
        if hooks {
            let info = TaskInfo {
                name: name.to_string(),
                execution: session.execution_of(task),
                priority: task.setup.priority,
                location: task.setup.location,
            };
            for hook in &session.hooks.task_init {
                if let Some(post) = hook(&info) {
                    posts.push((post, info.clone()));
                }
            }
        }
        // perf (start-up): one hash and probe a new name, not a lookup then an insert.
        let Some(i) = index.get_or_insert(&name, kept.len()) else {
            kept.push(name, task);
            continue;
        };
        match session.config.task_pre_exist {
            TaskPreExist::Raise => {
                let first = kept.list[i].0.setup.location;
                dupes
                    .entry(name)
                    .or_insert_with(|| vec![first])
                    .push(task.setup.location);
            }
            TaskPreExist::Replace => {
                replaced.push(i);
                index.insert(&name, kept.len());
                kept.push(name, task);
            }
            TaskPreExist::Ignore => {}
            TaskPreExist::Rename => {
                let fresh = (1..)
                    .map(|i| format!("{name} - {i}"))
                    .find(|n| index.get(n).is_none())
                    .unwrap_or_else(|| format!("{name} - {}", task.instance));
                let fresh = Cow::Owned(fresh);
                index.insert(&fresh, kept.len());
                kept.push(fresh, task);
            }
        }
    }
    // perf (memory): the replaced entries leave in place, without a second list.
    if !replaced.is_empty() {
        replaced.sort_unstable();
        let mut at = 0;
        kept.list.retain(|_| {
            at += 1;
            replaced.binary_search(&(at - 1)).is_err()
        });
    }
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
    let list = &mut kept.list;
    if list
        .windows(2)
        .any(|w| w[0].0.setup.priority < w[1].0.setup.priority)
    {
        list.sort_by_key(|(t, _)| std::cmp::Reverse(t.setup.priority));
    }
    kept
}

// perf (memory): the index is the largest thing ignite makes (with 10,000 tasks, 16,384
// slots); a slot is 24 bytes with the name borrowed from its task, where a `Cow` of it
// made 32. The names ignite makes have a map of their own (empty but for instance naming
// and `rename`).
/// Name → position in the named list, for the names of the tasks and those ignite made.
struct NameIndex<'s> {
    own: FastMap<&'s str, u32>,
    made: FastMap<String, u32>,
}

impl<'s> NameIndex<'s> {
    fn with_capacity(n: usize) -> Self {
        let mut own = FastMap::default();
        own.reserve(n);
        NameIndex {
            own,
            made: FastMap::default(),
        }
    }

    /// The position of `name`.
    fn get(&self, name: &str) -> Option<usize> {
        let at = self.own.get(name).or_else(|| self.made.get(name))?;
        Some(*at as usize)
    }

    /// Sets the position of `name`, wherever it is kept.
    // The `Cow`'s variant says where a new name goes: borrowed, it lives as long as the
    // session; made, the index keeps a copy.
    #[allow(clippy::ptr_arg)]
    fn insert(&mut self, name: &Cow<'s, str>, at: usize) {
        let at = position(at);
        if let Some(slot) = self
            .own
            .get_mut(&**name)
            .or_else(|| self.made.get_mut(&**name))
        {
            *slot = at;
            return;
        }
        match name {
            Cow::Borrowed(own) => self.own.insert(own, at),
            Cow::Owned(made) => self.made.insert(made.clone(), at),
        };
    }

    /// The position of `name`, if it has one; else `name` is at `at` from now on.
    // perf (start-up): a task's own name new to the index (the usual case) costs one hash
    // and probe, not a lookup then an insert.
    #[inline]
    #[allow(clippy::ptr_arg)]
    fn get_or_insert(&mut self, name: &Cow<'s, str>, at: usize) -> Option<usize> {
        if let Cow::Borrowed(own) = name {
            if self.made.is_empty() {
                return match self.own.entry(own) {
                    Entry::Vacant(slot) => {
                        slot.insert(position(at));
                        None
                    }
                    Entry::Occupied(slot) => Some(*slot.get() as usize),
                };
            }
        }
        let found = self.get(name);
        if found.is_none() {
            self.insert(name, at);
        }
        found
    }
}

/// A position in the named list as the index keeps it (past 4,294,967,295 tasks it
/// saturates, which no memory holds).
fn position(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// The named tasks in check order: each task, and its name.
pub(super) struct Named<'s> {
    // perf (memory): 16 bytes a task — the task, and `OWN` or where in `made` its name
    // is — rather than 32 for the task and a `Cow` of its name: the list is alive beside
    // the prepared tasks, at the peak of ignite's memory.
    list: Vec<(&'s Task, u32)>,
    /// The names ignite made (instance naming, `rename`).
    made: Vec<String>,
    /// Some task pushed declares arguments (a replaced one may be among them).
    any_args: bool,
}

/// The task's own name.
const OWN: u32 = u32::MAX;

impl<'s> Named<'s> {
    fn with_capacity(n: usize) -> Self {
        Named {
            list: Vec::with_capacity(n),
            made: Vec::new(),
            any_args: false,
        }
    }

    #[inline(always)]
    fn push(&mut self, name: Cow<'s, str>, task: &'s Task) {
        self.any_args |= task.setup.more.as_ref().is_some_and(|m| !m.args.is_empty());
        let at = match name {
            Cow::Borrowed(_) if task.name.is_some() => OWN,
            name => {
                self.made.push(name.into_owned());
                u32::try_from(self.made.len() - 1).unwrap_or(OWN - 1)
            }
        };
        self.list.push((task, at));
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    // perf (start-up): known from the pushes, rather than a pass over every task.
    /// Whether a task may take arguments: `false` when none does (with a task replaced by
    /// `task_pre_exist = replace`, possibly `true` though none of those left does).
    pub(super) fn any_args(&self) -> bool {
        self.any_args
    }

    /// Each task with its name, and whether that is the task's own (not one ignite made).
    #[inline]
    pub(super) fn entries(&self) -> impl Iterator<Item = (&str, &'s Task, bool)> + '_ {
        self.list.iter().map(|&(task, at)| match at {
            OWN => (task.name.as_deref().unwrap_or_default(), task, true),
            at => (self.made[at as usize].as_str(), task, false),
        })
    }

    /// Each task with its name.
    #[inline]
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &'s Task)> + '_ {
        self.entries().map(|(name, task, _)| (name, task))
    }
}

/// Why a task name cannot be used, if it cannot: every name ignite accepts must be
/// launchable (a thread is named after its task, a process child gets it in its
/// environment, the log and the console print it on one line).
fn unusable(name: &str) -> Option<String> {
    // perf (start-up): a name of printable ASCII (the usual case) with a character other
    // than a space is usable, seen in one pass over its bytes.
    if name.bytes().all(|b| (b' '..=b'~').contains(&b)) && name.bytes().any(|b| b != b' ') {
        return None;
    }
    let problem = if name.trim().is_empty() {
        "is empty or blank"
    } else if name.contains('\0') {
        "contains a NUL byte"
    } else if name.chars().any(char::is_control) {
        "contains a control character (a line break, tab, escape …)"
    } else {
        return None;
    };
    Some(format!(
        "task name {name:?} {problem}; task names must be printable text: rename the task"
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::config::TaskPreExist;
    use crate::session::Session;
    use crate::task::Task;

    /// The check order (name, priority) of tasks named `names`, under `policy`.
    fn order(policy: TaskPreExist, names: &[&str]) -> Vec<(String, i32)> {
        let tasks = names
            .iter()
            .enumerate()
            .map(|(i, n)| Task::builder(*n).priority(i as i32 % 2).run(|_| ()));
        let session = Session::builder()
            .log_memory()
            .task_pre_exist(policy)
            .with_tasks(tasks)
            .build()
            .unwrap();
        let mut problems = Vec::new();
        let kept = super::dedupe(&session, &HashSet::new(), false, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        kept.iter()
            .map(|(n, t)| (n.to_string(), t.setup.priority))
            .collect()
    }

    #[test]
    fn replaced_tasks_leave_their_place_to_the_last_definition() {
        let names = ["a", "b", "c", "b", "a", "d"];
        // Priorities alternate 0, 1: higher first, definition order among equals.
        let got = order(TaskPreExist::Replace, &names);
        assert_eq!(
            got,
            [("b", 1), ("d", 1), ("c", 0), ("a", 0)].map(|(n, p)| (n.to_string(), p))
        );
        let got = order(TaskPreExist::Ignore, &names);
        assert_eq!(
            got,
            [("b", 1), ("d", 1), ("a", 0), ("c", 0)].map(|(n, p)| (n.to_string(), p))
        );
        let got = order(TaskPreExist::Rename, &names);
        let want = [
            ("b", 1),
            ("b - 1", 1),
            ("d", 1),
            ("a", 0),
            ("c", 0),
            ("a - 1", 0),
        ];
        assert_eq!(got, want.map(|(n, p)| (n.to_string(), p)));
    }

    #[test]
    fn a_name_ignite_made_is_taken_for_the_tasks_after_it() {
        // "a - 1" is made for the second "a"; the task named "a - 1" after it is a
        // duplicate of that name, as of any other.
        // (Priorities alternate 0, 1: higher first.)
        let got = order(TaskPreExist::Rename, &["a", "a", "a - 1", "a - 1"]);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a - 1", "a - 1 - 2", "a", "a - 1 - 1"]);
        let got = order(TaskPreExist::Replace, &["a", "a", "b", "a"]);
        assert_eq!(got, [("a".to_string(), 1), ("b".to_string(), 0)]);
        let mut index = super::NameIndex::with_capacity(2);
        let made = std::borrow::Cow::Owned("x".to_string());
        assert_eq!(index.get_or_insert(&made, 0), None);
        assert_eq!(
            index.get_or_insert(&std::borrow::Cow::Borrowed("x"), 1),
            Some(0)
        );
        index.insert(&std::borrow::Cow::Borrowed("x"), 2);
        assert_eq!((index.get("x"), index.own.len()), (Some(2), 0));
    }

    #[test]
    fn the_named_list_knows_whether_a_task_takes_arguments() {
        let named = |tasks: Vec<Task>| {
            let session = Session::builder()
                .log_memory()
                .with_tasks(tasks)
                .build()
                .unwrap();
            let mut problems = Vec::new();
            super::dedupe(&session, &HashSet::new(), false, &mut problems).any_args()
        };
        let plain = |name: &str| Task::builder(name).timeout("1 hour").run(|_| ());
        assert!(!named(vec![plain("a"), plain("b")]));
        let taking = Task::builder("c").arg::<u32>("n").run(|_| ());
        assert!(named(vec![plain("a"), taking, plain("b")]));
    }

    #[test]
    fn printable_names_are_usable_and_others_are_not() {
        for name in ["t1", "a b", " x ", "~!", "tâche", "日報", "x\u{a0}"] {
            assert_eq!(super::unusable(name), None, "{name:?}");
        }
        for name in [
            "",
            " ",
            "   ",
            "\u{a0}",
            "a\tb",
            "a\nb",
            "nul\0",
            "del\u{7f}",
            "\u{1b}[1m",
        ] {
            assert!(super::unusable(name).is_some(), "{name:?}");
        }
    }
}
