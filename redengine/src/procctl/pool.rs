//! Named helper threads, kept for reuse: a thread whose errand ended waits idle for the
//! next errand under the same name instead of ending, so a task that runs often does not
//! pay for a new OS thread each time (creating and ending one costs a dozen system calls:
//! stack, signal stack, name, affinity).
//!
//! A thread's name cannot change once it runs, and the name is what a run sees (the
//! `thread` executor's `redengine:<task>`), so idle threads are kept per name. A thread
//! idle for [`IDLE`] ends; at most [`MAX_IDLE`] threads wait at once (a thread that finds
//! the pool full ends at once), so a burst of many different names leaves nothing behind.
//!
//! Users: the `thread` executor (each run), the `process` executor (the waiter of each
//! child and the reader of its standard error), and the command kind's output reader.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long an idle thread waits for its next errand before it ends.
pub(crate) const IDLE: Duration = Duration::from_secs(10);

/// The most threads waiting idle at once, over all names.
pub(crate) const MAX_IDLE: usize = 64;

/// What a pool thread does after its errand, once it is back on the idle list: report
/// the errand's end. Whatever the report sets off (the scheduler launching the task
/// again) then finds this thread idle.
pub(crate) type Report = Box<dyn FnOnce() + Send>;

/// One errand: its work, then (optionally) its report.
pub(crate) type Errand = Box<dyn FnOnce() -> Option<Report> + Send>;

/// Runs `errand` on an idle thread named `name`, or on a new one.
pub(crate) fn run(name: String, errand: Errand) -> std::io::Result<()> {
    let Some(errand) = pool().hand_over(&name, errand) else {
        return Ok(());
    };
    let slot = Arc::new(Slot::default());
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || serve(name, slot, errand))
        .map(drop)
}

/// Where an idle thread waits for its next errand.
#[derive(Default)]
struct Slot {
    errand: Mutex<Option<Errand>>,
    ready: Condvar,
}

/// The idle threads, by thread name.
#[derive(Default)]
struct Pool {
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    by_name: HashMap<String, Vec<Arc<Slot>>>,
    count: usize,
}

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(Pool::default)
}

/// A poisoned lock only means a panic elsewhere while it was held; the data (a list of
/// idle threads, a hand-over slot) stays consistent, so carry on.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// Gives `errand` to an idle thread named `name`; gives it back when there is none.
    fn hand_over(&self, name: &str, errand: Errand) -> Option<Errand> {
        let slot = {
            let mut idle = lock(&self.idle);
            let slot = idle.by_name.get_mut(name).and_then(Vec::pop);
            if slot.is_some() {
                idle.count -= 1;
            }
            if idle.by_name.get(name).is_some_and(Vec::is_empty) {
                idle.by_name.remove(name);
            }
            slot
        };
        let Some(slot) = slot else {
            return Some(errand);
        };
        // Taken off the idle list, the thread waits for this errand (see `next`).
        *lock(&slot.errand) = Some(errand);
        slot.ready.notify_one();
        None
    }

    /// Puts the calling thread's `slot` on the idle list; `false` when the pool is full.
    fn park(&self, name: &str, slot: &Arc<Slot>) -> bool {
        let mut idle = lock(&self.idle);
        if idle.count >= MAX_IDLE {
            return false;
        }
        idle.count += 1;
        idle.by_name
            .entry(name.to_string())
            .or_default()
            .push(Arc::clone(slot));
        true
    }

    /// Takes `slot` off the idle list; `false` when a hand-over already took it (its
    /// errand is on the way).
    fn unpark(&self, name: &str, slot: &Arc<Slot>) -> bool {
        let mut idle = lock(&self.idle);
        let Some(list) = idle.by_name.get_mut(name) else {
            return false;
        };
        let Some(at) = list.iter().position(|s| Arc::ptr_eq(s, slot)) else {
            return false;
        };
        list.swap_remove(at);
        if list.is_empty() {
            idle.by_name.remove(name);
        }
        idle.count -= 1;
        true
    }
}

/// A pool thread: runs `errand`, goes on the idle list, reports, then waits idle for the
/// next errand under its name.
///
/// The thread goes on the idle list before it reports: whatever the report sets off (the
/// scheduler launching the task again) finds this thread waiting, so a task that runs
/// again always reuses its thread.
fn serve(name: String, slot: Arc<Slot>, errand: Errand) {
    let mut errand = errand;
    loop {
        // Errands catch their own panics (a run's body, hooks, parameter functions); one
        // that escapes ends this thread, which was not on the idle list.
        let Ok(report) = catch_unwind(AssertUnwindSafe(errand)) else {
            return;
        };
        let parked = pool().park(&name, &slot);
        if let Some(report) = report {
            // A panic while reporting must not strand an errand already handed over.
            let _ = catch_unwind(AssertUnwindSafe(report));
        }
        if !parked {
            return;
        }
        match next(&name, &slot) {
            Some(next) => errand = next,
            None => return,
        }
    }
}

/// Waits on `slot` for the next errand; `None` when idle for [`IDLE`] (the thread ends).
fn next(name: &str, slot: &Arc<Slot>) -> Option<Errand> {
    let mut guard = lock(&slot.errand);
    let mut timed_out = false;
    loop {
        if let Some(errand) = guard.take() {
            return Some(errand);
        }
        if timed_out {
            drop(guard);
            if pool().unpark(name, slot) {
                return None;
            }
            // A hand-over took this thread off the list just now: its errand is coming.
            guard = lock(&slot.errand);
            while guard.is_none() {
                guard = slot
                    .ready
                    .wait(guard)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            continue;
        }
        let (g, result) = slot
            .ready
            .wait_timeout(guard, IDLE)
            .unwrap_or_else(PoisonError::into_inner);
        guard = g;
        timed_out = result.timed_out();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_errand_under_the_same_name_reuses_the_thread_and_its_name() {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..3 {
            let tx = tx.clone();
            let (done_tx, done_rx) = std::sync::mpsc::channel();
            run(
                "redengine:pool-test".to_string(),
                Box::new(move || {
                    let me = std::thread::current();
                    let seen = (me.id(), me.name().map(str::to_string));
                    Some(Box::new(move || {
                        let _ = tx.send(seen);
                        let _ = done_tx.send(());
                    }) as Report)
                }),
            )
            .unwrap();
            // The report runs once the thread is idle again: the next errand finds it.
            done_rx.recv().unwrap();
        }
        let seen: Vec<_> = rx.try_iter().collect();
        assert_eq!(seen.len(), 3);
        assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
        assert_eq!(seen[0].1.as_deref(), Some("redengine:pool-test"));
    }

    #[test]
    fn a_panicking_report_does_not_cost_the_thread() {
        let (tx, rx) = std::sync::mpsc::channel();
        let name = "redengine:pool-panic";
        let first = tx.clone();
        run(
            name.to_string(),
            Box::new(move || {
                let _ = first.send(std::thread::current().id());
                Some(Box::new(|| panic!("the report panics")) as Report)
            }),
        )
        .unwrap();
        let before = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        // The thread parked before its report panicked: the next errand finds it (a
        // hand-over that comes before it parked would start a new thread, so wait for
        // it to be idle).
        while !lock(&pool().idle).by_name.contains_key(name) {
            std::thread::yield_now();
        }
        run(
            name.to_string(),
            Box::new(move || {
                let _ = tx.send(std::thread::current().id());
                None
            }),
        )
        .unwrap();
        let after = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(before, after);
    }
}
