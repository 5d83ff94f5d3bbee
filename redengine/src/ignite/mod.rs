//! Ignite: every check between a built [`Session`] and a running scheduler, all problems
//! reported at once (docs/runtime.md, "Ignite").
//!
//! Conditions are parsed again (they were checked at compile time for `#[task]`, but a
//! runtime string may be wrong), task names and custom conditions are resolved with "did
//! you mean", duplicate names handled per `task_pre_exist`, parameters resolved and
//! type-checked, and what process tasks send across the process boundary checked. The
//! result is a [`Plan`]: the tasks in check order, ready for the scheduler.
//!
//! There is one entry point, [`ignite`], with a [`Mode`]: the task files contribute their
//! tasks and problems to it, strictly for `check`, leniently for a running scheduler.

mod args;
mod check;
mod fast;
mod files;
mod order;
mod process;
mod profile;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use redengine_conditions::Condition;

use crate::error::{Error, ErrorKind, Result};
use crate::hooks::RunInfo;

pub(crate) use self::fast::FastMap;
use crate::registry::TaskFlags;
use crate::retry::RetryPolicy;
use crate::session::Session;
use crate::task::{Body, TaskName};
use crate::value::TypeInfo;

pub(crate) use args::{PlannedArg, Source};
pub(crate) use profile::Profile;

/// How strict ignite is with tasks from task files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every problem is an error, task files' included: [`Session::ignite`], the `check`
    /// command, a process child. `task_init` hooks run.
    Check,
    /// A scheduler starting: a task file's bad task is logged and left out (a bad file
    /// never stops the other tasks); problems of tasks in code are errors. `task_init`
    /// hooks run once per task.
    Run,
    /// A running scheduler re-reading changed task files: as [`Mode::Run`], but without
    /// `task_init` hooks (the scheduler runs them for the tasks it adds).
    Reload,
    // manage: tasks changed from a handle while the scheduler runs.
    /// A running scheduler checking a task change asked through a `SessionHandle`: as
    /// [`Mode::Reload`], but it says nothing about task files (their problems were
    /// reported when they were read).
    Manage,
    /// A process child preparing the task it runs: as [`Mode::Run`] (the scheduler that
    /// started it left the same tasks out), but it says nothing about task files — the
    /// scheduler already did.
    Child,
}

/// A validated task, ready for the cycle: what the loop changes (its flags, state) and its
/// body inline; what it reads (conditions, execution, timeout …) in its [`Profile`], which
/// it reads as its own fields (`task.start`, `task.timeout`).
pub(crate) struct Prepared {
    // perf (memory): the task's own name, shared (see `TaskName`).
    pub(crate) name: TaskName,
    // zones: set at start-up by the `skip` misfire policy, the instant before which its
    // start condition is not asked.
    pub(crate) hold_until: Hold,
    // perf (memory): shared with its neighbours when equal (see `Profiles`).
    pub(crate) profile: Arc<Profile>,
    pub(crate) body: Body,
    pub(crate) flags: TaskFlags,
    /// Removed or replaced by a task-file reload: never launched again.
    pub(crate) retired: bool,
    // perf (memory): what hooks and runs see as a `TaskInfo` is made by `info()` when
    // they need it, rather than kept with a second copy of the name for every task; what
    // a handle's task list shows of the start condition is the condition's display, made
    // when the list is read, not kept beside it (16 bytes a task); nor is the type a run
    // returns, which the body tells (24 bytes a task).
}

impl std::ops::Deref for Prepared {
    type Target = Profile;

    fn deref(&self) -> &Profile {
        &self.profile
    }
}

// perf (memory): only tasks with the `skip` misfire policy are ever held: 8 bytes a task
// rather than an instant's 16 inline.
/// The instant before which a task's start condition is not asked (none: not held); reads
/// as an `Option<DateTime<Utc>>` does.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct Hold(Option<Box<DateTime<Utc>>>);

impl Hold {
    /// The instant, if held and `keep` accepts it.
    pub(crate) fn filter(
        &self,
        keep: impl FnOnce(&DateTime<Utc>) -> bool,
    ) -> Option<DateTime<Utc>> {
        self.0.as_deref().copied().filter(keep)
    }

    /// Whether the task is held.
    pub(crate) fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the task is held until an instant `f` accepts.
    pub(crate) fn is_some_and(&self, f: impl FnOnce(DateTime<Utc>) -> bool) -> bool {
        self.0.as_deref().copied().is_some_and(f)
    }
}

impl From<Option<DateTime<Utc>>> for Hold {
    fn from(until: Option<DateTime<Utc>>) -> Self {
        Hold(until.map(Box::new))
    }
}

/// A task's planned arguments: boxed when it has some; reads as the slice.
// The box is the point: a thin pointer, 8 bytes where a `Vec` is 24.
#[allow(clippy::box_collection)]
#[derive(Clone, Default)]
pub(crate) struct Args(Option<Box<Vec<PlannedArg>>>);

impl Args {
    /// No arguments.
    pub(crate) const NONE: Args = Args(None);
}

impl From<Vec<PlannedArg>> for Args {
    fn from(args: Vec<PlannedArg>) -> Self {
        Args((!args.is_empty()).then(|| Box::new(args)))
    }
}

impl std::ops::Deref for Args {
    type Target = [PlannedArg];

    fn deref(&self) -> &[PlannedArg] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<'a> IntoIterator for &'a Args {
    type Item = &'a PlannedArg;
    type IntoIter = std::slice::Iter<'a, PlannedArg>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

// perf (memory): most tasks have no retries; a policy is 56 bytes.
/// A task's retry policy: boxed when it has one, [`RetryPolicy::NONE`] otherwise; reads
/// as the policy.
#[derive(Clone)]
pub(crate) struct Retry(Option<Box<RetryPolicy>>);

/// What a task without retries reads.
static NO_RETRIES: RetryPolicy = RetryPolicy::NONE;

impl Retry {
    /// No retries ([`RetryPolicy::NONE`]).
    pub(crate) const NONE: Retry = Retry(None);
}

impl From<RetryPolicy> for Retry {
    fn from(policy: RetryPolicy) -> Self {
        Retry((policy != RetryPolicy::NONE).then(|| Box::new(policy)))
    }
}

impl std::ops::Deref for Retry {
    type Target = RetryPolicy;

    fn deref(&self) -> &RetryPolicy {
        self.0.as_deref().unwrap_or(&NO_RETRIES)
    }
}

impl Prepared {
    /// The type of a successful run's value (its codec brings it back from a process).
    pub(crate) fn returns(&self) -> TypeInfo {
        self.body.returns()
    }

    /// Gives the task another start condition; returns the one it had. Its profile
    /// becomes its own if its neighbours share it: theirs do not change.
    pub(crate) fn set_start(&mut self, start: Arc<Condition>) -> Arc<Condition> {
        std::mem::replace(&mut Arc::make_mut(&mut self.profile).start, start)
    }

    /// The task as runs carry it (hooks see its [`RunInfo::task_info`]).
    pub(crate) fn info(&self) -> RunInfo {
        RunInfo {
            name: self.name.clone(),
            execution: self.execution,
            priority: self.priority,
            location: self.location,
        }
    }
}

/// The ignite result.
pub(crate) struct Plan {
    /// Tasks in check order.
    pub(crate) tasks: Vec<Prepared>,
    pub(crate) shut: Condition,
    /// Name → fingerprint of the task-file tasks in `tasks` (what a reload compares).
    pub(crate) files: HashMap<String, u64>,
}

/// Checks `session`; `Err` lists every problem with its location.
pub(crate) fn ignite(session: &Session, mode: Mode) -> Result<Plan> {
    ignite_only(session, mode, None)
}

/// As [`ignite`], but with `only` the plan holds just that task (a process child prepares
/// the one task it runs; every task is still named, so names resolve the same way).
pub(crate) fn ignite_only(session: &Session, mode: Mode, only: Option<&str>) -> Result<Plan> {
    let (excluded, mut problems) = match (mode, &session.loader) {
        (Mode::Check, Some(files)) => (HashSet::new(), files.problems()),
        (Mode::Run | Mode::Reload, Some(_)) => (files::leave_out(session, false)?, Vec::new()),
        (Mode::Child | Mode::Manage, Some(_)) => (files::leave_out(session, true)?, Vec::new()),
        (_, None) => (HashSet::new(), Vec::new()),
    };
    let init_hooks = !matches!(mode, Mode::Reload | Mode::Manage);
    let (tasks, shut, found) = check::prepare(session, &excluded, init_hooks, only);
    problems.extend(found);
    if !problems.is_empty() {
        return Err(Error::new(ErrorKind::Ignite(problems)));
    }
    let files = files::fingerprints(session, &excluded);
    Ok(Plan { tasks, shut, files })
}

impl Session {
    /// Runs every ignite check without starting: `Err` lists every problem.
    ///
    /// With [`SessionBuilder::load_tasks`](crate::SessionBuilder::load_tasks), every
    /// problem of the task files is listed too (a running scheduler only logs them and
    /// skips those tasks).
    pub fn ignite(&self) -> Result<()> {
        ignite(self, Mode::Check).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{Hold, Prepared};

    #[test]
    fn a_hold_reads_as_the_instant_it_holds() {
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2024, 1, 2, 8, 0, 0).unwrap();
        let none = Hold::from(None);
        assert!(!none.is_some() && !none.is_some_and(|_| true));
        assert_eq!((none.filter(|_| true), none), (None, Hold::default()));
        let held = Hold::from(Some(at));
        assert!(held.is_some() && held.is_some_and(|t| t == at));
        assert!(!held.is_some_and(|t| t > at));
        assert_eq!(held.filter(|t| *t == at), Some(at));
        assert_eq!(held.filter(|t| *t > later), None);
    }

    #[test]
    fn a_new_start_condition_is_the_tasks_own() {
        let task = |name: &str| crate::Task::builder(name).start_cond("daily").run(|_| ());
        let session = crate::Session::builder()
            .log_memory()
            .with_tasks([task("a"), task("b"), task("c")])
            .build()
            .unwrap();
        let mut plan = super::ignite(&session, super::Mode::Check).unwrap();
        let tasks = &mut plan.tasks;
        assert!(std::sync::Arc::ptr_eq(&tasks[0].profile, &tasks[1].profile));
        let hourly = std::sync::Arc::new(redengine_conditions::parse("every 1 hour").unwrap());
        let old = tasks[1].set_start(std::sync::Arc::clone(&hourly));
        assert_eq!(old.to_string(), "daily");
        let shown: Vec<String> = tasks.iter().map(|t| t.start.to_string()).collect();
        assert_eq!(shown, ["daily", &*hourly.to_string(), "daily"]);
        assert!(std::sync::Arc::ptr_eq(&tasks[0].profile, &tasks[2].profile));
        assert!(!std::sync::Arc::ptr_eq(
            &tasks[0].profile,
            &tasks[1].profile
        ));
        assert!(std::sync::Arc::ptr_eq(&tasks[0].body, &tasks[1].body));
    }

    #[test]
    fn tasks_with_bodies_of_their_own_share_a_profile() {
        // A closure with state is a body of its own for each task.
        let task = |i: u32| crate::Task::builder(format!("t{i}")).run(move |_| i);
        let session = crate::Session::builder()
            .log_memory()
            .with_tasks((0..3).map(task))
            .build()
            .unwrap();
        let plan = super::ignite(&session, super::Mode::Check).unwrap();
        let tasks = &plan.tasks;
        assert!(!std::sync::Arc::ptr_eq(&tasks[0].body, &tasks[1].body));
        assert!(std::sync::Arc::ptr_eq(&tasks[0].profile, &tasks[2].profile));
        for (prepared, task) in tasks.iter().zip(&session.tasks) {
            assert!(std::sync::Arc::ptr_eq(&prepared.body, &task.setup.body));
        }
    }

    #[test]
    fn a_prepared_task_stays_small() {
        // What a task costs the scheduler, beside its share of a profile (see `Profile`).
        assert_eq!(std::mem::size_of::<Prepared>(), 56);
    }
}
