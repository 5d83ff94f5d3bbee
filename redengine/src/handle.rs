//! Control over a running session from other threads, hooks and tasks.

use std::any::Any;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::error::{Error, ErrorKind, Problem, Result};
use crate::event::Event;
use crate::log::Action;
use crate::params::Params;
use crate::termination::{TerminationFlag, TerminationReason};
use crate::value::Value;

mod published;

pub(crate) use published::Published;

/// State shared between the scheduler and every [`SessionHandle`].
pub(crate) struct Control {
    pub(crate) shutdown: AtomicBool,
    /// SIGINT/SIGTERM received during this run (a second one makes shutdown instant).
    pub(crate) signals: AtomicUsize,
    pub(crate) restart: AtomicBool,
    pub(crate) on_hold: AtomicBool,
    pub(crate) force_run: Mutex<HashSet<String>>,
    pub(crate) force_termination: Mutex<HashSet<String>>,
    /// A `force_run` or `force_termination` name waits in its set: the loop takes the
    /// sets' locks only then (perfspeed: two locks a cycle otherwise).
    pub(crate) requested: AtomicBool,
    pub(crate) params: RwLock<Params>,
    pub(crate) tx: Sender<Event>,
    /// The loop's end of the channel: the session holds it between runs, so a request
    /// sent before `run()` is seen by the first cycle.
    pub(crate) rx: Receiver<Event>,
    /// The termination flag of the `main` run in progress, if any: a signal sets it
    /// (reason `shutdown`), since that run blocks the loop. After the run it stays here,
    /// closed, until the next `main` run's takes its place.
    pub(crate) inline_run: Mutex<Option<TerminationFlag>>,
    // manage: tasks changed from a handle while the scheduler runs.
    /// Task changes waiting for the loop, and what it last published of its tasks.
    pub(crate) desk: Mutex<Desk>,
    // async: the tokio runtime `execution = "async"` runs on.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) tokio: crate::runtime::AsyncRuntime,
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

    /// Puts the flag of the `main` run about to start where a signal finds it, and gives
    /// back the one of the `main` run before (closed when that run ended, see
    /// [`TerminationFlag::close_inline`]). perfspeed: one lock a run, not one at its start
    /// and one at its end.
    pub(crate) fn swap_inline_run(&self, flag: TerminationFlag) -> Option<TerminationFlag> {
        match self.inline_run.lock() {
            Ok(mut guard) => guard.replace(flag),
            Err(poisoned) => poisoned.into_inner().replace(flag),
        }
    }

    /// Asks the `main` run in progress, if any, to stop (reason `shutdown`): the flag found
    /// is the last `main` run's, which no longer listens once that run ended.
    pub(crate) fn terminate_inline_run(&self) {
        let flag = match self.inline_run.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(flag) = flag {
            flag.set_unless_closed(TerminationReason::Shutdown);
        }
    }

    /// The desk, locked (a panic while it was held leaves it usable: every change to it is
    /// a whole push or drain).
    pub(crate) fn desk(&self) -> std::sync::MutexGuard<'_, Desk> {
        match self.desk.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
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

    /// Whether a `force_run` or `force_termination` request arrived since the last call
    /// (the loop then takes both sets).
    pub(crate) fn take_requested(&self) -> bool {
        self.requested.load(Ordering::Acquire) && self.requested.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn take_set(set: &Mutex<HashSet<String>>) -> HashSet<String> {
        match set.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }

    fn insert(&self, set: &Mutex<HashSet<String>>, name: &str) {
        match set.lock() {
            Ok(mut guard) => guard.insert(name.to_string()),
            Err(poisoned) => poisoned.into_inner().insert(name.to_string()),
        };
        // After the insert: a loop that sees the mark finds the name in the set.
        self.requested.store(true, Ordering::Release);
    }
}

/// Control over a session from other threads, hooks or tasks: cheap to clone.
///
/// Besides shutdown, restart, holds, forced launches and session parameters, it changes
/// the scheduler's tasks while it runs — [`add_task`](Self::add_task),
/// [`remove_task`](Self::remove_task), [`disable_task`](Self::disable_task),
/// [`enable_task`](Self::enable_task), [`set_start_cond`](Self::set_start_cond) — and
/// lists them with [`tasks`](Self::tasks) (the repository's docs/runtime.md, "Managing
/// tasks while running").
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
        self.control.insert(&self.control.force_run, task);
        self.control.wake();
    }

    /// Terminates `task`'s running run at its next turn (reason `manual`).
    pub fn force_termination(&self, task: &str) {
        self.control.insert(&self.control.force_termination, task);
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

// manage: tasks changed from a handle while the scheduler runs (docs/runtime.md,
// "Managing tasks while running").

/// How long a change waits for the loop to take it before it is withdrawn: the loop takes
/// changes once per turn, so only a loop blocked by a long `main` run or hook is this late.
const REPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A change to the scheduler's tasks, asked through a [`SessionHandle`].
pub(crate) enum Change {
    /// A `Task` (erased: the task module depends on this one through the task context, so
    /// this one cannot name it; the scheduler takes it back out) and its name.
    Add(Box<dyn Any + Send>, Option<String>),
    Remove(String),
    /// `true`: disable; `false`: enable.
    Disable(String, bool),
    StartCond(String, String),
}

impl Change {
    /// The change in a few words, for messages: "add task 'report'".
    pub(crate) fn describe(&self) -> String {
        match self {
            Change::Add(_, name) => match name {
                Some(name) => format!("add task '{name}'"),
                None => "add an unnamed task".to_string(),
            },
            Change::Remove(name) => format!("remove task '{name}'"),
            Change::Disable(name, true) => format!("disable task '{name}'"),
            Change::Disable(name, false) => format!("enable task '{name}'"),
            Change::StartCond(name, text) => {
                format!("set the start_cond of task '{name}' to `{text}`")
            }
        }
    }

    /// The error refusing this change for `problems`.
    pub(crate) fn refused(&self, problems: Vec<Problem>) -> Error {
        Error::new(ErrorKind::Refused {
            change: self.describe(),
            problems,
        })
    }

    /// The error refusing this change for one reason that has no source location.
    pub(crate) fn refused_because(&self, message: String) -> Error {
        self.refused(vec![Problem {
            location: None,
            message,
        }])
    }
}

/// A change waiting for the loop; `reply` is `None` when nobody waits for the answer
/// (asked before `run()` or from the loop's own thread).
pub(crate) struct Request {
    pub(crate) change: Change,
    pub(crate) reply: Option<Sender<Result<()>>>,
    id: u64,
}

/// Where handles leave task changes for the loop, and where the loop leaves its task list.
#[derive(Default)]
pub(crate) struct Desk {
    /// The loop takes changes (and answers them) from now until it stops.
    pub(crate) live: bool,
    /// The thread the loop runs on: a change asked from it (a hook, a `main` run) cannot
    /// wait for the loop's answer.
    pub(crate) loop_thread: Option<std::thread::ThreadId>,
    pub(crate) pending: Vec<Request>,
    /// Callers of [`SessionHandle::tasks`] waiting for a fresh list.
    pub(crate) watchers: Vec<Sender<Vec<TaskState>>>,
    /// The task list the loop published last.
    pub(crate) tasks: Published,
    next_id: u64,
}

impl Desk {
    /// Whether the loop will answer a caller on this thread.
    fn answers_here(&self) -> bool {
        self.live && self.loop_thread != Some(std::thread::current().id())
    }
}

/// One task of a running scheduler, as [`SessionHandle::tasks`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskState {
    /// The task's name.
    pub name: String,
    /// Its start condition, as the scheduler checks it now, in its canonical spelling (as
    /// `list` and `check` print it), which may differ from the text as written.
    pub start_cond: String,
    /// Whether it is disabled (it then launches only when forced).
    pub disabled: bool,
    /// Whether a run of it is in progress.
    pub running: bool,
    /// Its latest log record's action and time: `Run` while running, else the last
    /// outcome; `None` if the log has no record of it.
    pub last: Option<(Action, DateTime<Utc>)>,
}

impl SessionHandle {
    /// Removes task `name`: a run in progress finishes (it is reaped and logged as
    /// usual), and the task never launches again. Its log records stay (conditions on it
    /// still see them), and a task of the same name can be added later. Refused if
    /// another task refers to it, or if it comes from a task file (edit the file
    /// instead). Answered as [`add_task`](Self::add_task).
    pub fn remove_task(&self, name: &str) -> Result<()> {
        self.change(Change::Remove(name.to_string()))
    }

    /// Disables task `name` from the next cycle on: it launches only when forced
    /// ([`force_run`](Self::force_run)); a run in progress goes on. Answered as
    /// [`add_task`](Self::add_task).
    pub fn disable_task(&self, name: &str) -> Result<()> {
        self.change(Change::Disable(name.to_string(), true))
    }

    /// Enables task `name` again (or a task built with `disabled`). Answered as
    /// [`add_task`](Self::add_task).
    pub fn enable_task(&self, name: &str) -> Result<()> {
        self.change(Change::Disable(name.to_string(), false))
    }

    /// Replaces the start condition of task `name` from the next cycle on. The condition
    /// is checked as at start-up (syntax, task and condition names); refused for a task
    /// from a task file (edit the file instead). Answered as [`add_task`](Self::add_task).
    pub fn set_start_cond(&self, name: &str, start_cond: &str) -> Result<()> {
        self.change(Change::StartCond(name.to_string(), start_cond.to_string()))
    }

    /// The tasks of the running scheduler, in check order, with their state.
    ///
    /// From another thread while the scheduler runs, the loop answers at its next turn;
    /// otherwise (before `run()`, after it, from a hook or a `main` run) this is the list
    /// the scheduler published last: empty before the first `run()`. It is this process's
    /// view only: the `list` command builds the session afresh in its own process and does
    /// not see changes made through a handle.
    pub fn tasks(&self) -> Vec<TaskState> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        {
            let mut desk = self.control.desk();
            if !desk.answers_here() {
                return desk.tasks.states();
            }
            desk.watchers.push(tx);
        }
        self.control.wake();
        match rx.recv_timeout(REPLY_WAIT) {
            Ok(tasks) => tasks,
            Err(_) => self.control.desk().tasks.states(),
        }
    }

    /// Leaves `change` for the loop; waits for the answer when the loop can give one.
    pub(crate) fn change(&self, change: Change) -> Result<()> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let describe = change.describe();
        let id = {
            let mut desk = self.control.desk();
            let answers = desk.answers_here();
            desk.next_id += 1;
            let id = desk.next_id;
            desk.pending.push(Request {
                change,
                reply: answers.then_some(tx),
                id,
            });
            if !answers {
                drop(desk);
                ::log::debug!(
                    target: "redengine::scheduler",
                    "{describe}: queued for the scheduler's next turn"
                );
                self.control.wake();
                return Ok(());
            }
            id
        };
        self.control.wake();
        let stopped = || {
            Err(Error::new(ErrorKind::Refused {
                change: describe.clone(),
                problems: vec![Problem {
                    location: None,
                    message: "the scheduler stopped before it answered; nothing changed"
                        .to_string(),
                }],
            }))
        };
        match rx.recv_timeout(REPLY_WAIT) {
            Ok(answer) => answer,
            Err(RecvTimeoutError::Disconnected) => stopped(),
            Err(RecvTimeoutError::Timeout) => {
                let mut desk = self.control.desk();
                match desk.pending.iter().position(|r| r.id == id) {
                    Some(at) => {
                        let request = desk.pending.remove(at);
                        Err(request.change.refused_because(format!(
                            "the scheduler did not take the change within {} s: its loop is \
                             held by a long `main` run or hook; nothing changed, ask again \
                             later",
                            REPLY_WAIT.as_secs()
                        )))
                    }
                    // Taken: the loop is applying it and answers at once.
                    None => {
                        drop(desk);
                        rx.recv().unwrap_or_else(|_| stopped())
                    }
                }
            }
        }
    }
}
