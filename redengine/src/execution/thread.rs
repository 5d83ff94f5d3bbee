//! The `thread` executor: each run on its own OS thread named after its task, taken from a
//! pool that grows to the demand and shrinks when idle. The thread measures its own finish
//! instant and reports through the scheduler's event channel, which wakes the loop at once.
//!
//! A thread's name cannot change once it runs, and a run sees `redengine:<task>` as its
//! thread's name, so idle threads are kept per task name: a task that runs again reuses
//! the thread its last run finished on instead of paying for a new one. A thread idle for
//! [`IDLE`] ends; at most [`MAX_IDLE`] threads wait at once (a thread that finds the pool
//! full ends at once), so a burst of many different tasks leaves nothing behind.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::job::{Dispatch, Done, Executor, Job};

/// How long an idle thread waits for its task's next run before it ends.
const IDLE: Duration = Duration::from_secs(10);

/// The most threads waiting idle at once, over all tasks.
const MAX_IDLE: usize = 64;

/// Runs each job on a thread named after its task.
pub(super) struct Threaded;

impl Executor for Threaded {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        let name = format!("redengine:{}", job.info.name);
        let work = Work { job, done };
        let Some(work) = pool().hand_over(&name, work) else {
            return Dispatch::Started;
        };
        let slot = Arc::new(Slot::default());
        let spawned = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || serve(name, slot, work));
        match spawned {
            Ok(_) => Dispatch::Started,
            Err(e) => Dispatch::Failed(format!("could not spawn a thread: {e}")),
        }
    }
}

/// One run for a pool thread.
struct Work {
    job: Job,
    done: Done,
}

/// Where an idle thread waits for its next run.
#[derive(Default)]
struct Slot {
    work: Mutex<Option<Work>>,
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
    /// Gives `work` to an idle thread named `name`; gives it back when there is none.
    fn hand_over(&self, name: &str, work: Work) -> Option<Work> {
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
            return Some(work);
        };
        // Taken off the idle list, the thread waits for this work (see `next`).
        *lock(&slot.work) = Some(work);
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

    /// Takes `slot` off the idle list; `false` when a dispatch already took it (its work
    /// is on the way).
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

/// A pool thread: runs `work`, then waits idle for its task's next run.
///
/// The thread goes on the idle list before it reports the run's end: whatever the
/// scheduler launches once it learns of the end finds this thread waiting, so a task that
/// runs again always reuses its thread.
fn serve(name: String, slot: Arc<Slot>, work: Work) {
    let mut work = work;
    loop {
        let Work { job, done } = work;
        // The run's own panics (body, hooks, parameter functions) are caught in `execute`.
        let result = job.execute();
        let parked = pool().park(&name, &slot);
        // A panic while reporting must not strand work already handed to this thread.
        let _ = catch_unwind(AssertUnwindSafe(|| done(result)));
        if !parked {
            return;
        }
        match next(&name, &slot) {
            Some(next) => work = next,
            None => return,
        }
    }
}

/// Waits on `slot` for the next run; `None` when idle for [`IDLE`] (the thread ends).
fn next(name: &str, slot: &Arc<Slot>) -> Option<Work> {
    let mut guard = lock(&slot.work);
    let mut timed_out = false;
    loop {
        if let Some(work) = guard.take() {
            return Some(work);
        }
        if timed_out {
            drop(guard);
            if pool().unpark(name, slot) {
                return None;
            }
            // A dispatch took this thread off the list just now: its work is coming.
            guard = lock(&slot.work);
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
