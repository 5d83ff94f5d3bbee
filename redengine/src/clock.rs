//! Time for the scheduler: what "now" is and how the loop waits.
//!
//! The loop never spins. After a cycle it knows the earliest instant any condition can
//! change (or that none can without an event) and asks the clock to wait until then or
//! until an event (a run finished, a shutdown request) arrives. [`SystemClock`] really
//! blocks; [`ManualClock`] jumps virtual time straight to the deadline when nothing is in
//! flight, so a simulated week takes milliseconds.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, TryRecvError};

use crate::cycle::Event;

/// The scheduler's source of time and its way of waiting.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Waits until `deadline` (`None`: no deadline) or until `wake` receives an event.
    ///
    /// `in_flight` is true while a thread or process run has not been reaped yet.
    fn wait(&self, deadline: Option<DateTime<Utc>>, in_flight: bool, wake: &Wakeup);
}

/// The scheduler's event inbox, handed to [`Clock::wait`].
pub struct Wakeup {
    rx: Receiver<Event>,
    received: RefCell<VecDeque<Event>>,
}

impl Wakeup {
    pub(crate) fn new(rx: Receiver<Event>) -> Self {
        Wakeup {
            rx,
            received: RefCell::new(VecDeque::new()),
        }
    }

    /// Whether an event is already waiting (never blocks).
    pub fn poll(&self) -> bool {
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

    /// Blocks for at most `timeout` (`None`: until an event) and says whether one arrived.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        if self.poll() {
            return true;
        }
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

    /// Takes every event received so far (the loop's side).
    pub(crate) fn drain(&self) -> Vec<Event> {
        self.poll();
        let mut out: Vec<Event> = self.received.borrow_mut().drain(..).collect();
        while let Ok(event) = self.rx.try_recv() {
            out.push(event);
        }
        out
    }
}

/// Wall-clock time; waits really block (0% CPU while idle).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn wait(&self, deadline: Option<DateTime<Utc>>, _in_flight: bool, wake: &Wakeup) {
        match deadline {
            None => {
                wake.wait(None);
            }
            Some(at) => {
                let left = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                if left > Duration::ZERO {
                    wake.wait(Some(left));
                }
            }
        }
    }
}

/// Virtual time for tests: starts where you say and moves only when the scheduler waits
/// (or you call [`ManualClock::advance`]/[`ManualClock::set`]).
///
/// When the scheduler waits with nothing in flight, time jumps straight to the deadline.
/// With runs in flight it first gives them up to [`ManualClock::grace`] of real time to
/// finish (so a thread's outcome is seen at the virtual instant it started), then jumps.
/// With no deadline and nothing in flight it blocks until an event (e.g. a shutdown
/// request from another thread). Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
    grace: Duration,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
            grace: Duration::from_millis(200),
        }
    }

    /// The real time a wait with runs in flight allows them before virtual time jumps.
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Sets the real-time grace given to in-flight runs (default 200 ms).
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Moves time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let mut now = self.lock();
        *now = now.checked_add_signed(by).unwrap_or(*now);
    }

    /// Sets the time (never backwards: an earlier instant is ignored).
    pub fn set(&self, to: DateTime<Utc>) {
        let mut now = self.lock();
        if to > *now {
            *now = to;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        match self.now.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }

    fn wait(&self, deadline: Option<DateTime<Utc>>, in_flight: bool, wake: &Wakeup) {
        if wake.poll() {
            return;
        }
        if in_flight {
            if wake.wait(Some(self.grace)) {
                return;
            }
            if deadline.is_none() {
                wake.wait(None);
                return;
            }
        }
        match deadline {
            Some(at) => self.set(at),
            None => {
                wake.wait(None);
            }
        }
    }
}
