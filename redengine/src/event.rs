//! What wakes the scheduler: finished runs and control requests, delivered over one
//! channel, and the [`Alarm`] a sleeping clock listens to.
//!
//! This is a leaf: the loop, the clock, the session handle and the executors all import
//! it, and it imports nothing above it. Every sender (a thread run's callback, a process
//! run's waiter, a `SessionHandle` request, the signal thread)
//! sends one [`Event`]; only the loop receives.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::outcome::JobResult;

/// What wakes the loop.
#[derive(Debug)]
pub(crate) enum Event {
    /// A thread (or process) run ended.
    Finished {
        /// The task's index in the scheduler's check order.
        task: usize,
        /// The run's process-unique id: a late event of an abandoned run is ignored.
        run: u64,
        result: JobResult,
    },
    /// A control request (shutdown, force_run, parameter change …).
    Wake,
}

/// The channel every event travels on: many senders, one receiving loop.
pub(crate) fn channel() -> (Sender<Event>, Receiver<Event>) {
    crossbeam_channel::unbounded()
}

/// What ends a clock's sleep early: an event for the scheduler (a run finished, a request
/// arrived). A `Clock` receives it in `Clock::sleep`.
pub struct Alarm {
    rx: Receiver<Event>,
    received: RefCell<VecDeque<Event>>,
    in_flight: Cell<bool>,
    /// Work put off until the loop first has to wait (see [`Alarm::defer`]).
    deferred: Cell<Option<Deferred>>,
}

/// What [`Alarm::defer`] holds: run once, on the loop's thread.
type Deferred = Box<dyn FnOnce() + Send>;

impl std::fmt::Debug for Alarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alarm")
            .field("runs_in_flight", &self.in_flight.get())
            .finish_non_exhaustive()
    }
}

impl Alarm {
    pub(crate) fn new(rx: Receiver<Event>) -> Self {
        Alarm {
            rx,
            received: RefCell::new(VecDeque::new()),
            in_flight: Cell::new(false),
            deferred: Cell::new(None),
        }
    }

    /// Puts `work` off until the loop first blocks on this alarm or calls
    /// [`Alarm::run_deferred`], whichever comes first. The signal forwarder uses it: its
    /// thread is needed only once the loop waits or a run occupies it, so starting it
    /// there keeps a thread spawn off the path to the first cycle's launches.
    pub(crate) fn defer(&self, work: Deferred) {
        self.deferred.set(Some(work));
    }

    /// Runs the deferred work now, if it has not run yet.
    pub(crate) fn run_deferred(&self) {
        if let Some(work) = self.deferred.take() {
            work();
        }
    }

    /// Whether the alarm has rung: an event is waiting (never blocks).
    pub fn rang(&self) -> bool {
        if !self.received.borrow().is_empty() {
            return true;
        }
        match self.rx.try_recv() {
            Ok(event) => {
                self.received.borrow_mut().push_back(event);
                true
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => false,
        }
    }

    /// Blocks for at most `timeout` of real time (`None`: until it rings) and says whether
    /// it rang.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        if self.rang() {
            return true;
        }
        self.run_deferred();
        let received = match timeout {
            Some(t) => self.rx.recv_timeout(t).ok(),
            None => self.rx.recv().ok(),
        };
        match received {
            Some(event) => {
                self.received.borrow_mut().push_back(event);
                true
            }
            None => false,
        }
    }

    /// Whether a thread or process run is in flight (started and not reaped yet): its end
    /// will ring the alarm.
    pub fn runs_in_flight(&self) -> bool {
        self.in_flight.get()
    }

    /// The loop says whether runs are in flight before it sleeps.
    pub(crate) fn set_in_flight(&self, in_flight: bool) {
        self.in_flight.set(in_flight);
    }

    /// Whether any event waits, without receiving it: the loop reaps before every task's
    /// turn, and nearly always there is nothing to reap.
    pub(crate) fn pending(&self) -> bool {
        !self.received.borrow().is_empty() || !self.rx.is_empty()
    }

    /// Takes every event received so far (the loop's side).
    pub(crate) fn drain(&self) -> Vec<Event> {
        self.rang();
        let mut out: Vec<Event> = self.received.borrow_mut().drain(..).collect();
        while let Ok(event) = self.rx.try_recv() {
            out.push(event);
        }
        out
    }
}
