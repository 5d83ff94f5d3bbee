//! What a task is besides its name, start condition, flags and instance id: its body,
//! where it was defined, how it runs. Tasks made in a row with one setup share it.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use super::share::{last_or_make, never_text};
use super::{Body, Location, More};
use crate::execution::Execution;
use crate::misfire::Misfire;

/// A task's setup: read as `task.setup.body`, `task.setup.location` …
#[derive(Clone)]
pub(crate) struct Setup {
    // perf (memory): tasks with one condition text share one allocation of it (see
    // `shared_text`): 10,000 tasks made in a loop with one window keep it once.
    pub(crate) start_cond: Arc<str>,
    // perf (memory): what a run returns is the body's `returns()`, not kept a second time.
    pub(crate) body: Body,
    pub(crate) location: Location,
    // perf (memory): what most tasks do not set, boxed (`None`: nothing set): the session
    // keeps every task, and these would double the size of each.
    pub(crate) more: Option<Box<More>>,
    pub(crate) priority: i32,
    pub(crate) execution: Option<Execution>,
    // zones: the task's misfire policy (`None`: the session's `misfire`).
    pub(crate) misfire: Option<Misfire>,
    /// Registered with `#[task]`: ordered by location rather than insertion.
    pub(crate) registered: bool,
}

// perf (start-up): a builder holds no start text nor body until given (they are given in
// the same chain, usually): it used to hold the shared defaults, `false` and a
// placeholder body, each taken (an atomic increment) and given back (a decrement) for
// every task.
/// A setup being built: everything but the body, which finishes it; the start condition
/// `None` until given (`false`).
pub(crate) struct Draft {
    pub(crate) start_cond: Option<Arc<str>>,
    pub(crate) location: Location,
    pub(crate) more: Option<Box<More>>,
    pub(crate) priority: i32,
    pub(crate) execution: Option<Execution>,
    pub(crate) misfire: Option<Misfire>,
}

impl Draft {
    /// The setup of a task built with `body`.
    #[inline]
    pub(crate) fn finish(self, body: Body) -> Setup {
        Setup {
            start_cond: self.start_cond.unwrap_or_else(never_text),
            body,
            location: self.location,
            more: self.more,
            priority: self.priority,
            execution: self.execution,
            misfire: self.misfire,
            registered: false,
        }
    }
}

impl Setup {
    /// Whether a task with `self` may read `other` instead: the same body and start text
    /// (one allocation of it), the same place in the source and settings, and none of the
    /// rare ones (they are not compared).
    fn same(&self, other: &Setup) -> bool {
        Arc::ptr_eq(&self.body, &other.body)
            && Arc::ptr_eq(&self.start_cond, &other.start_cond)
            && same_place(&self.location, &other.location)
            && self.priority == other.priority
            && self.execution == other.execution
            && self.misfire == other.misfire
            && self.registered == other.registered
            && self.more.is_none()
            && other.more.is_none()
    }
}

// perf (start-up): tasks made in a row usually have one `file!()` text: its address is
// compared before its bytes.
/// Whether two locations are one place in the source.
pub(crate) fn same_place(a: &Location, b: &Location) -> bool {
    a.line == b.line && a.column == b.column && (std::ptr::eq(a.file, b.file) || a.file == b.file)
}

// perf (memory): the session keeps every task for the whole run (a change through a
// handle or a task-file reload checks them all again); with its setup inline a task was
// 104 bytes, now 40. Tasks made in a loop (one call site, one stateless body, no rare
// setting) have one setup: like condition texts and bodies, each thread keeps the last
// setup it made, weakly, and a task with an equal one shares it. A task whose setup
// differs from the last one has its own; what it reads is the same either way.
/// `setup` shared: the last one made on this thread if equal.
pub(super) fn shared_setup(setup: Setup) -> Arc<Setup> {
    thread_local! {
        static LAST: RefCell<Option<Weak<Setup>>> = const { RefCell::new(None) };
    }
    last_or_make(&LAST, setup, Setup::same, Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Task;

    #[test]
    fn a_draft_finishes_with_its_body_and_the_false_text_unless_given_one() {
        let draft = |start_cond: Option<&str>| Draft {
            start_cond: start_cond.map(Arc::from),
            location: Location::new("a.rs", 1, 1),
            more: None,
            priority: 3,
            execution: Some(Execution::Main),
            misfire: None,
        };
        let body = Task::builder("b").run(|_| ()).setup.body.clone();
        let unset = draft(None).finish(Arc::clone(&body));
        assert!(Arc::ptr_eq(&unset.start_cond, &never_text()));
        assert!(Arc::ptr_eq(&unset.body, &body) && !unset.registered);
        assert_eq!(
            (unset.priority, unset.execution),
            (3, Some(Execution::Main))
        );
        let given = draft(Some("daily")).finish(body);
        assert_eq!(&*given.start_cond, "daily");
    }

    #[test]
    fn tasks_made_in_a_row_share_a_setup_only_when_it_is_the_same() {
        let make = |name: &str, priority: i32| Task::builder(name).priority(priority).run(|_| ());
        let (a, b, c) = (make("a", 0), make("b", 0), make("c", 1));
        assert!(Arc::ptr_eq(&a.setup, &b.setup));
        assert!(!Arc::ptr_eq(&b.setup, &c.setup));
        assert_eq!((a.priority(), c.priority()), (0, 1));
        let timed = |name: &str, cond: &str| Task::builder(name).start_cond(cond).run(|_| ());
        let (x, y, z) = (
            timed("x", "daily"),
            timed("y", "daily"),
            timed("z", "hourly"),
        );
        assert!(Arc::ptr_eq(&x.setup, &y.setup) && !Arc::ptr_eq(&y.setup, &z.setup));
        assert_eq!((y.start_cond(), z.start_cond()), ("daily", "hourly"));
        // A task given another start condition has a setup of its own; the others keep theirs.
        let mut w = x.clone();
        w.set_start_cond(crate::task::shared_text("every 2 hours"));
        assert!(!Arc::ptr_eq(&w.setup, &x.setup));
        assert_eq!(
            (w.start_cond(), x.start_cond(), y.start_cond()),
            ("every 2 hours", "daily", "daily")
        );
        // Only the last one is compared: after another setup, an equal one is new.
        let d = make("d", 0);
        assert!(!Arc::ptr_eq(&a.setup, &d.setup));
        // A rare setting, another place in the source, another body: a setup of its own.
        let timed = |name: &str| Task::builder(name).timeout("1 hour").run(|_| ());
        let (e, f) = (timed("e"), timed("f"));
        assert!(!Arc::ptr_eq(&e.setup, &f.setup));
        assert_eq!(f.more().timeout.as_deref(), Some("1 hour"));
        let g = Task::builder("g").run(|_| ());
        let h = Task::builder("h").run(|_| ());
        assert!(!Arc::ptr_eq(&g.setup, &h.setup));
        assert_ne!(g.location().line, h.location().line);
        let counted = |n: u32| Task::builder("n").run(move |_| n);
        assert!(!Arc::ptr_eq(&counted(1).setup, &counted(2).setup));
        // Once every task holding it is gone, the next task makes it anew.
        let kept = Arc::downgrade(&d.setup);
        drop(d);
        assert!(kept.upgrade().is_none());
    }
}
