//! One shared pool of helper threads: a thread whose errand ended waits idle for the next
//! errand, whatever it is, instead of ending, so work that comes often does not pay for a
//! new OS thread each time (creating and ending one costs a dozen system calls: stack,
//! guard page, signal stack, name, affinity), and a burst of many different tasks runs on
//! as many threads as run at once, not one thread per task.
//!
//! Each errand has a name, which its thread carries at the OS level while the errand runs
//! (what `top -H`, `ps -L`, gdb, perf and `/proc/self/task/*/comm` show; the kernel keeps
//! 15 bytes of it). Renaming is a system call (about 0.4 µs here), so a thread is renamed
//! only when its next errand's name differs, and an idle thread keeps its last errand's
//! name: a task that runs again on the thread it left pays nothing. A thread's Rust name
//! is fixed when it starts, so every pool thread's is [`POOL_NAME`] (also its OS name
//! until its first errand).
//!
//! The pool grows to the demand: an errand that finds no idle thread starts one. It shrinks
//! when idle: a thread idle for [`IDLE`] ends, and at most [`MAX_IDLE`] threads wait at
//! once (a thread that finds the pool full ends at once). Idle threads are reused last in,
//! first out, so the threads used keep warm caches and the rest time out.
//!
//! Users: the `thread` executor (each run), the `process` executor (the waiter of each
//! child and the reader of its standard error), and the command kind's output reader.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long an idle thread waits for its next errand before it ends.
pub(crate) const IDLE: Duration = Duration::from_secs(10);

/// The most threads waiting idle at once.
pub(crate) const MAX_IDLE: usize = 64;

/// The Rust name of every pool thread (`std::thread::current().name()` in an errand).
pub(crate) const POOL_NAME: &str = "redengine";

/// What a pool thread does after its errand, once it is back on the idle list: report
/// the errand's end. Whatever the report sets off (the scheduler launching another run)
/// then finds this thread idle.
pub(crate) type Report = Box<dyn FnOnce() + Send>;

/// One errand: its work, then (optionally) its report.
pub(crate) type Errand = Box<dyn FnOnce() -> Option<Report> + Send>;

/// Runs `errand` on an idle thread, or on a new one, under the OS thread name `name`.
pub(crate) fn run(name: impl Into<Name>, errand: Errand) -> std::io::Result<()> {
    static POOL: Pool = Pool::new();
    POOL.run(name.into(), errand)
}

/// An OS thread name as the kernel keeps it: at most 15 bytes (cut at a character
/// boundary) and a NUL, on the stack, so naming a thread allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name([u8; 16]);

impl From<&str> for Name {
    fn from(name: &str) -> Self {
        Name::new(name)
    }
}

impl Name {
    pub(crate) fn new(name: &str) -> Self {
        Name::tagged("", name)
    }

    /// `tag:name` (or `name` alone for an empty tag), cut like [`Name::new`]: a helper
    /// thread of a run says what it does and for which task in its 15 bytes, where a long
    /// prefix would leave no room for the task.
    pub(crate) fn tagged(tag: &str, name: &str) -> Self {
        let mut bytes = [0; 16];
        let mut len = 0;
        let parts: [&str; 3] = if tag.is_empty() {
            [name, "", ""]
        } else {
            [tag, ":", name]
        };
        for part in parts {
            // A NUL would end the name early anyway; stop there.
            let part = part.split('\0').next().unwrap_or_default();
            let mut take = part.len().min(15 - len);
            while !part.is_char_boundary(take) {
                take -= 1;
            }
            bytes[len..len + take].copy_from_slice(&part.as_bytes()[..take]);
            len += take;
            if take < part.len() {
                break;
            }
        }
        Name(bytes)
    }

    /// Names the calling thread (best effort: a thread keeps running under its old name
    /// if the kernel refuses, which it does not for a valid name).
    fn apply(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Ok(name) = std::ffi::CStr::from_bytes_until_nul(&self.0) {
            let _ = nix::sys::prctl::set_name(name);
        }
    }
}

/// What an idle thread is handed: the errand and the name to run it under.
struct Mail {
    name: Name,
    errand: Errand,
}

/// Where an idle thread waits for its next errand. Both fields are only used under the
/// pool's one lock (`Pool::idle`): the mailbox's own mutex only makes it writable from
/// the handing thread without `unsafe`, and is never waited on.
#[derive(Default)]
struct Slot {
    mail: Mutex<Option<Mail>>,
    /// Waited on with the pool's lock.
    ready: Condvar,
}

/// The idle threads, the last to go idle on top. The process has one ([`run`]); tests
/// make their own, which no other test's errands share.
struct Pool {
    idle: Mutex<Vec<Arc<Slot>>>,
}

/// A poisoned lock only means a panic elsewhere while it was held; the data (a list of
/// idle threads, a mailbox) stays consistent, so carry on.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    const fn new() -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `errand` on an idle thread, or on a new one, under the OS thread name `name`.
    fn run(&'static self, name: Name, errand: Errand) -> std::io::Result<()> {
        let Some(mail) = self.hand_over(Mail { name, errand }) else {
            return Ok(());
        };
        std::thread::Builder::new()
            .name(POOL_NAME.to_string())
            .spawn(move || serve(self, mail))
            .map(drop)
    }

    /// Gives `mail` to the idle thread on top; gives it back when there is none.
    fn hand_over(&self, mail: Mail) -> Option<Mail> {
        let mut idle = lock(&self.idle);
        let Some(slot) = idle.pop() else {
            return Some(mail);
        };
        // Off the idle list and with its mail, under one lock: the thread cannot time out
        // in between (see `next`).
        *lock(&slot.mail) = Some(mail);
        drop(idle);
        // Woken after the lock is free, it does not wake only to wait for it.
        slot.ready.notify_one();
        None
    }

    /// Puts the calling thread's `slot` on top of the idle list; `false` when the pool is
    /// full.
    fn park(&self, slot: &Arc<Slot>) -> bool {
        let mut idle = lock(&self.idle);
        if idle.len() >= MAX_IDLE {
            return false;
        }
        if idle.capacity() == 0 {
            idle.reserve_exact(MAX_IDLE);
        }
        idle.push(Arc::clone(slot));
        true
    }

    /// Waits, parked, for the next errand; `None` when idle for [`IDLE`] (the thread
    /// ends).
    fn next(&self, slot: &Arc<Slot>) -> Option<Mail> {
        let deadline = Instant::now() + IDLE;
        let mut idle = lock(&self.idle);
        loop {
            if let Some(mail) = lock(&slot.mail).take() {
                return Some(mail);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // No mail under the lock: still on the list, so no hand-over can pick it.
                // `remove` keeps the others in order (the oldest are at the bottom).
                if let Some(at) = idle.iter().position(|s| Arc::ptr_eq(s, slot)) {
                    idle.remove(at);
                }
                return None;
            }
            idle = slot
                .ready
                .wait_timeout(idle, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// A pool thread: runs its errand under the errand's name, goes on the idle list,
/// reports, then waits idle for the next errand.
///
/// The thread goes on the idle list before it reports: whatever the report sets off (the
/// scheduler launching another run) finds this thread waiting.
fn serve(pool: &'static Pool, first: Mail) {
    // The OS name std gave the thread when it started it.
    let mut named = Name::new(POOL_NAME);
    let slot = Arc::new(Slot::default());
    let mut mail = first;
    loop {
        if mail.name != named {
            mail.name.apply();
            named = mail.name;
        }
        // Errands catch their own panics (a run's body, hooks, parameter functions); one
        // that escapes ends this thread, which was not on the idle list.
        let Ok(report) = catch_unwind(AssertUnwindSafe(mail.errand)) else {
            return;
        };
        let parked = pool.park(&slot);
        if let Some(report) = report {
            // A panic while reporting must not strand an errand already handed over.
            let _ = catch_unwind(AssertUnwindSafe(report));
        }
        if !parked {
            return;
        }
        match pool.next(&slot) {
            Some(next) => mail = next,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread::ThreadId;

    /// A pool of the test's own: no other test's errands take its threads.
    fn private() -> &'static Pool {
        Box::leak(Box::new(Pool::new()))
    }

    /// The calling thread's OS name.
    fn comm() -> String {
        std::fs::read_to_string("/proc/thread-self/comm")
            .unwrap()
            .trim_end()
            .to_string()
    }

    /// What an errand saw: its thread, its Rust name, its OS name, and the OS name while
    /// it reported (idle again).
    type Seen = (ThreadId, Option<String>, String, String);

    /// Runs one errand named `name` on `pool` and waits for its report, so its thread is
    /// idle again.
    fn one(pool: &'static Pool, name: &str) -> Seen {
        let (tx, rx) = mpsc::channel();
        pool.run(
            Name::new(name),
            Box::new(move || {
                let me = std::thread::current();
                let seen = (me.id(), me.name().map(str::to_string), comm());
                Some(Box::new(move || {
                    let (id, rust, os) = seen;
                    let _ = tx.send((id, rust, os, comm()));
                }) as Report)
            }),
        )
        .unwrap();
        rx.recv_timeout(Duration::from_secs(10)).unwrap()
    }

    #[test]
    fn errands_of_different_names_reuse_one_thread_under_their_own_os_name() {
        let pool = private();
        let seen: Vec<Seen> = (0..8)
            .map(|i| one(pool, &format!("pool-test-{i}")))
            .collect();
        for (i, (id, rust, os, idle)) in seen.iter().enumerate() {
            // Each errand finds the thread the last one left idle.
            assert_eq!(id, &seen[0].0, "{seen:?}");
            assert_eq!(rust.as_deref(), Some(POOL_NAME));
            assert_eq!(os, &format!("pool-test-{i}"));
            // Idle again when it reports, it keeps the name until its next errand.
            assert_eq!(idle, &format!("pool-test-{i}"));
        }
    }

    #[test]
    fn a_thread_is_renamed_only_when_the_name_changes_and_always_then() {
        let pool = private();
        let names = ["same", "same", "other", "same", POOL_NAME, "same"];
        let seen: Vec<String> = names.iter().map(|n| one(pool, n).2).collect();
        assert_eq!(seen, names);
    }

    #[test]
    fn the_thread_idle_the_shortest_time_is_taken_first() {
        let pool = private();
        // Two errands at once, so two threads: the first runs until the second started;
        // the second ends after the first reported.
        let (first_done, first_reported) = mpsc::channel::<ThreadId>();
        let (started, first_wait) = mpsc::channel::<()>();
        let (second_go, second_wait) = mpsc::channel::<()>();
        let (second_done, second_reported) = mpsc::channel::<ThreadId>();
        pool.run(
            Name::new("first"),
            Box::new(move || {
                first_wait.recv().unwrap();
                let me = std::thread::current().id();
                Some(Box::new(move || first_done.send(me).unwrap()) as Report)
            }),
        )
        .unwrap();
        pool.run(
            Name::new("second"),
            Box::new(move || {
                started.send(()).unwrap();
                second_wait.recv().unwrap();
                let me = std::thread::current().id();
                Some(Box::new(move || second_done.send(me).unwrap()) as Report)
            }),
        )
        .unwrap();
        let first = first_reported
            .recv_timeout(Duration::from_secs(10))
            .unwrap();
        second_go.send(()).unwrap();
        let second = second_reported
            .recv_timeout(Duration::from_secs(10))
            .unwrap();
        assert_ne!(first, second);
        assert_eq!(lock(&pool.idle).len(), 2);
        assert_eq!(one(pool, "third").0, second);
    }

    #[test]
    fn at_most_max_idle_threads_wait() {
        let pool = private();
        let n = MAX_IDLE + 6;
        // All at once (each waits for all the others), so `n` threads.
        let all = Arc::new(std::sync::Barrier::new(n));
        let (tx, rx) = mpsc::channel();
        for i in 0..n {
            let (all, tx) = (Arc::clone(&all), tx.clone());
            pool.run(
                Name::new(&format!("wide-{i}")),
                Box::new(move || {
                    all.wait();
                    let me = std::thread::current().id();
                    Some(Box::new(move || tx.send(me).unwrap()) as Report)
                }),
            )
            .unwrap();
        }
        let threads: std::collections::HashSet<ThreadId> = (0..n)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(threads.len(), n);
        assert_eq!(lock(&pool.idle).len(), MAX_IDLE);
    }

    #[test]
    fn an_os_name_keeps_15_bytes_cut_at_a_character() {
        assert_eq!(&Name::new("short").0[..6], b"short\0");
        assert_eq!(&Name::new("a-very-long-task-name").0, b"a-very-long-tas\0");
        // `é` is two bytes: the 15th byte would split it.
        assert_eq!(&Name::new("aaaaaaaaaaaaaaé").0, b"aaaaaaaaaaaaaa\0\0");
        assert_eq!(&Name::new("a\0b").0[..2], b"a\0");
        assert_eq!(&Name::tagged("wait", "report").0, b"wait:report\0\0\0\0\0");
        assert_eq!(
            &Name::tagged("wait", "a-long-task-name").0,
            b"wait:a-long-tas\0"
        );
        assert_eq!(one(private(), "a-very-long-task-name").2, "a-very-long-tas");
    }

    #[test]
    fn a_panicking_report_does_not_cost_the_thread() {
        let pool = private();
        let (tx, rx) = mpsc::channel();
        pool.run(
            Name::new("pool-panic"),
            Box::new(move || {
                let me = std::thread::current().id();
                Some(Box::new(move || {
                    tx.send(me).unwrap();
                    panic!("the report panics")
                }) as Report)
            }),
        )
        .unwrap();
        let before = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        // The thread parked before its report panicked: the next errand finds it.
        assert_eq!(one(pool, "pool-after").0, before);
    }

    #[test]
    fn a_panicking_errand_costs_its_thread_not_the_pool() {
        let pool = private();
        let before = one(pool, "pool-before").0;
        let (tx, rx) = mpsc::channel();
        pool.run(
            Name::new("pool-boom"),
            Box::new(move || {
                tx.send(()).unwrap();
                panic!("the errand panics")
            }),
        )
        .unwrap();
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let after = one(pool, "pool-after-boom");
        assert_ne!(after.0, before, "the thread whose errand panicked ended");
        assert_eq!(after.2, "pool-after-boom");
    }
}
