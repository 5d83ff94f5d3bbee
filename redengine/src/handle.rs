//! Control over a running session from other threads, hooks and tasks.

use std::any::Any;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crossbeam_channel::{Receiver, Sender};

use crate::event::Event;
use crate::params::Params;
use crate::termination::{TerminationFlag, TerminationReason};
use crate::value::Value;

/// State shared between the scheduler and every [`SessionHandle`].
pub(crate) struct Control {
    pub(crate) shutdown: AtomicBool,
    /// SIGINT/SIGTERM received during this run (a second one makes shutdown instant).
    pub(crate) signals: AtomicUsize,
    pub(crate) restart: AtomicBool,
    pub(crate) on_hold: AtomicBool,
    pub(crate) force_run: Mutex<HashSet<String>>,
    pub(crate) force_termination: Mutex<HashSet<String>>,
    pub(crate) params: RwLock<Params>,
    pub(crate) tx: Sender<Event>,
    /// The loop's end of the channel: the session holds it between runs, so a request
    /// sent before `run()` is seen by the first cycle.
    pub(crate) rx: Receiver<Event>,
    /// The termination flag of the `main` run in progress, if any: a signal sets it
    /// (reason `shutdown`), since that run blocks the loop.
    pub(crate) inline_run: Mutex<Option<TerminationFlag>>,
    // --- store: history ---
    /// A reading handle on the session's log, for `SessionHandle::history`.
    pub(crate) log_reader: Mutex<Option<Box<dyn crate::log::LogStore>>>,
}

impl Control {
    /// A sender for the loop's events (an executor's "run finished").
    pub(crate) fn sender(&self) -> Sender<Event> {
        self.tx.clone()
    }

    /// The loop's receiving end.
    pub(crate) fn receiver(&self) -> Receiver<Event> {
        self.rx.clone()
    }

    /// Requests a graceful shutdown and wakes the loop.
    pub(crate) fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Sets (or clears, with `None`) the flag of the `main` run in progress.
    pub(crate) fn set_inline_run(&self, flag: Option<TerminationFlag>) {
        match self.inline_run.lock() {
            Ok(mut guard) => *guard = flag,
            Err(poisoned) => *poisoned.into_inner() = flag,
        }
    }

    /// Asks the `main` run in progress, if any, to stop (reason `shutdown`).
    pub(crate) fn terminate_inline_run(&self) {
        let flag = match self.inline_run.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(flag) = flag {
            flag.set(TerminationReason::Shutdown);
        }
    }

    fn wake(&self) {
        // The loop owns the receiver for the session's lifetime; a send can only fail
        // after the session is dropped, when there is no one left to wake.
        let _ = self.tx.send(Event::Wake);
    }

    pub(crate) fn params(&self) -> std::sync::RwLockReadGuard<'_, Params> {
        match self.params.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn params_mut(&self) -> std::sync::RwLockWriteGuard<'_, Params> {
        match self.params.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn take_set(set: &Mutex<HashSet<String>>) -> HashSet<String> {
        match set.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }

    fn insert(set: &Mutex<HashSet<String>>, name: &str) {
        match set.lock() {
            Ok(mut guard) => guard.insert(name.to_string()),
            Err(poisoned) => poisoned.into_inner().insert(name.to_string()),
        };
    }
}

/// Control over a session from other threads, hooks or tasks: cheap to clone.
#[derive(Clone)]
pub struct SessionHandle {
    pub(crate) control: Arc<Control>,
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle").finish_non_exhaustive()
    }
}

impl SessionHandle {
    /// Requests a graceful shutdown; wakes a waiting scheduler at once.
    pub fn shutdown(&self) {
        self.control.request_shutdown();
    }

    /// Requests a restart.
    pub fn restart(&self) {
        self.control.restart.store(true, Ordering::SeqCst);
        self.control.wake();
    }

    /// Pauses (`true`) or resumes launching; timeouts and end conditions still apply.
    pub fn set_on_hold(&self, on_hold: bool) {
        self.control.on_hold.store(on_hold, Ordering::SeqCst);
        self.control.wake();
    }

    /// Launches `task` at its next turn regardless of its `start_cond` and `disabled`.
    pub fn force_run(&self, task: &str) {
        Control::insert(&self.control.force_run, task);
        self.control.wake();
    }

    /// Terminates `task`'s running run at its next turn (reason `manual`).
    pub fn force_termination(&self, task: &str) {
        Control::insert(&self.control.force_termination, task);
        self.control.wake();
    }

    /// Sets a session parameter; the next launch that takes it sees the new value.
    pub fn set_param<T: Any + Send + Sync>(&self, name: &str, value: T) {
        self.control.params_mut().set_value(name, Value::new(value));
        self.control.wake();
    }

    /// Removes a session parameter.
    pub fn remove_param(&self, name: &str) -> bool {
        let removed = self.control.params_mut().remove(name);
        self.control.wake();
        removed
    }
}
