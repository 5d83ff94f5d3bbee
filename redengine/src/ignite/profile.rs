//! What a prepared task is besides its name, body, flags and state: its conditions, how
//! it runs (execution, timeout, retries, zone …) and where it was defined. Tasks made in
//! a row with one profile share it.

use std::sync::Arc;
use std::time::Duration;

use redengine_conditions::{Condition, Zone};

use super::{Args, Retry};
use crate::execution::Execution;
use crate::location::Location;
use crate::misfire::Misfire;
use crate::task::{same_place, Task};

/// A prepared task's conditions and settings, read through the task (`task.start`,
/// `task.timeout`, `task.location` …).
#[derive(Clone)]
pub(crate) struct Profile {
    // perf (memory): one parsed condition per distinct text, shared by every task that
    // has that text (a condition is 96 bytes inline, more with its nested parts). A new
    // start condition through a handle gives the task a profile of its own.
    pub(crate) start: Arc<Condition>,
    // Most tasks have the default `false`.
    pub(crate) end: Arc<Condition>,
    pub(crate) execution: Execution,
    /// `None`: no timeout.
    pub(crate) timeout: Option<Duration>,
    // perf (memory): most tasks take no argument: 8 bytes, not a boxed slice's 16.
    pub(crate) args: Args,
    pub(crate) priority: i32,
    pub(crate) location: Location,
    // retries: when failed runs are tried again, and how many runs may overlap.
    pub(crate) retry: Retry,
    pub(crate) max_instances: u32,
    // zones: the zone its conditions are computed in (its own, else the session's) and
    // its misfire policy (its own, else the session's).
    pub(crate) zone: Zone,
    pub(crate) misfire: Misfire,
}

impl Profile {
    /// Whether a task with `self` may read `other` instead: every setting equal, and no
    /// arguments (arguments are rare; they are not compared).
    fn same(&self, other: &Profile) -> bool {
        Arc::ptr_eq(&self.start, &other.start)
            && Arc::ptr_eq(&self.end, &other.end)
            && same_place(&self.location, &other.location)
            && self.execution == other.execution
            && self.timeout == other.timeout
            && self.priority == other.priority
            && self.max_instances == other.max_instances
            && self.zone == other.zone
            && self.misfire == other.misfire
            && *self.retry == *other.retry
            && self.args.is_empty()
            && other.args.is_empty()
    }
}

// perf (memory): the session keeps each task and the scheduler what it prepared from it;
// a profile inline made the prepared task 144 bytes. Tasks made in a loop (one call site,
// one condition text, the session's defaults) have one profile: shared, a prepared task
// is 56 bytes. The body is not in it: a closure with state is a body of its own for each
// task, and would make each profile its own. Like condition texts, only the last profile
// is compared (a constant cost a task); a task whose profile differs from its neighbour's
// has its own.
/// Shares a profile with the task prepared before, if equal.
#[derive(Default)]
pub(super) struct Profiles {
    last: Option<Arc<Profile>>,
    /// The last profile is a task's without rare settings (its `more` unset): whether
    /// that task was permanent (it then has no timeout).
    plain: Option<bool>,
}

impl Profiles {
    /// For `task` without rare settings, the last profile if it is one of such a task
    /// with the same location, priority, permanence, conditions (`start`, `end`),
    /// `execution` and `misfire`: everything else is the session's, the same for both.
    pub(super) fn plain(
        &self,
        task: &Task,
        (start, end): (&Arc<Condition>, &Arc<Condition>),
        execution: Execution,
        misfire: Misfire,
    ) -> Option<Arc<Profile>> {
        let last = self.last.as_ref()?;
        let same = task.setup.more.is_none()
            && self.plain == Some(task.flags.permanent)
            && Arc::ptr_eq(&last.start, start)
            && Arc::ptr_eq(&last.end, end)
            && same_place(&last.location, &task.setup.location)
            && last.priority == task.setup.priority
            && last.execution == execution
            && last.misfire == misfire;
        same.then(|| Arc::clone(last))
    }

    /// `profile` (made for `task`), or the last one shared if it is the same.
    pub(super) fn share(&mut self, profile: Profile, task: &Task) -> Arc<Profile> {
        if let Some(last) = &self.last {
            if last.same(&profile) {
                return Arc::clone(last);
            }
        }
        let shared = Arc::new(profile);
        self.last = Some(Arc::clone(&shared));
        self.plain = task.setup.more.is_none().then_some(task.flags.permanent);
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::RetryPolicy;

    fn profile(line: u32) -> Profile {
        static NEVER: std::sync::OnceLock<Arc<Condition>> = std::sync::OnceLock::new();
        let never = NEVER.get_or_init(|| Arc::new(Condition::False));
        Profile {
            start: Arc::clone(never),
            end: Arc::clone(never),
            execution: Execution::Main,
            timeout: None,
            args: Args::NONE,
            priority: 0,
            location: Location::new("a.rs", line, 1),
            retry: Retry::NONE,
            max_instances: 1,
            zone: Zone::Utc,
            misfire: Misfire::RunIfOpen,
        }
    }

    #[test]
    fn only_an_equal_profile_is_shared() {
        let plain = Task::builder("a").run(|_| ());
        let mut profiles = Profiles::default();
        let first = profiles.share(profile(1), &plain);
        assert!(Arc::ptr_eq(&first, &profiles.share(profile(1), &plain)));
        let changes: [fn(&mut Profile); 10] = [
            |p| p.end = Arc::new(Condition::False),
            |p| p.start = Arc::new(Condition::False),
            |p| p.zone = Zone::Local,
            |p| p.location.line = 2,
            |p| p.execution = Execution::Thread,
            |p| p.timeout = Some(Duration::from_secs(1)),
            |p| p.priority = 1,
            |p| p.max_instances = 2,
            |p| p.misfire = Misfire::Skip,
            |p| {
                p.retry = Retry::from(RetryPolicy {
                    retries: 1,
                    ..RetryPolicy::NONE
                });
            },
        ];
        for change in changes {
            let mut changed = profile(1);
            change(&mut changed);
            let mut profiles = Profiles::default();
            let first = profiles.share(profile(1), &plain);
            assert!(!Arc::ptr_eq(&first, &profiles.share(changed, &plain)));
        }
        let mut profiles = Profiles::default();
        let first = profiles.share(profile(1), &plain);
        assert!(!Arc::ptr_eq(&first, &profiles.share(profile(2), &plain)));
        // Only the last one is compared: after another profile, an equal one is new.
        assert!(!Arc::ptr_eq(&first, &profiles.share(profile(1), &plain)));
    }
}
