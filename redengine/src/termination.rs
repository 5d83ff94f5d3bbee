//! Asking a run to stop: the reason and the cooperative flag every run carries.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The reason the scheduler asks a run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerminationReason {
    /// The run exceeded its timeout.
    Timeout,
    /// The task's `end_cond` became true.
    EndCond,
    /// `force_termination` or a manual request through the session handle.
    Manual,
    /// The scheduler is shutting down.
    Shutdown,
}

impl TerminationReason {
    /// The word written as the `terminate` record's message.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminationReason::Timeout => "timeout",
            TerminationReason::EndCond => "end_cond",
            TerminationReason::Manual => "manual",
            TerminationReason::Shutdown => "shutdown",
        }
    }
}

impl fmt::Display for TerminationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cooperative stop request for one run.
///
/// Rust cannot kill a thread, so `thread` (and `main`) runs are terminated by setting this
/// flag; a body that checks [`TerminationFlag::is_set`] and returns
/// `Terminated` is logged `terminate` with the reason. A body that
/// ignores it runs to completion. Clones share the flag. The first reason set wins.
///
/// A `process` run is terminated for real: its executor registers a watcher on the flag
/// that signals the child's process group the moment a reason is set.
#[derive(Clone, Default)]
pub struct TerminationFlag {
    shared: Arc<Shared>,
}

/// What the clones of a flag share.
#[derive(Default)]
struct Shared {
    /// Whether a reason is set: perfspeed, read without the lock (a body polls
    /// `is_set`, the scheduler asks every finish); set after the reason, under the lock.
    set: AtomicBool,
    /// A `main` run's flag after its run ended: a signal no longer reaches it (see
    /// [`TerminationFlag::close_inline`]).
    closed: AtomicBool,
    state: Mutex<FlagState>,
}

/// A watcher called once, with the first reason set.
type Watcher = Box<dyn FnOnce(TerminationReason) + Send>;

#[derive(Default)]
struct FlagState {
    reason: Option<TerminationReason>,
    watchers: Vec<Watcher>,
}

impl fmt::Debug for TerminationFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TerminationFlag")
            .field("reason", &self.reason())
            .finish()
    }
}

impl TerminationFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the scheduler asked the run to stop.
    pub fn is_set(&self) -> bool {
        self.reason().is_some()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FlagState> {
        match self.shared.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Why the run should stop, if it should.
    pub fn reason(&self) -> Option<TerminationReason> {
        if !self.shared.set.load(Ordering::Acquire) {
            return None;
        }
        self.state().reason
    }

    /// Asks the run to stop; setting it again keeps the first reason (harmless).
    pub fn set(&self, reason: TerminationReason) {
        let watchers = {
            let mut state = self.state();
            if state.reason.is_some() {
                return;
            }
            state.reason = Some(reason);
            self.shared.set.store(true, Ordering::Release);
            std::mem::take(&mut state.watchers)
        };
        for watch in watchers {
            watch(reason);
        }
    }

    /// A `main` run ended: a signal that comes from now on no longer sets its flag
    /// ([`TerminationFlag::set_unless_closed`]). perfspeed: the flag of the last `main` run
    /// stays where the signal thread finds it until the next one takes its place, so a
    /// run takes one lock there instead of two; closing it is what taking it out did.
    pub(crate) fn close_inline(&self) {
        self.shared.closed.store(true, Ordering::Release);
    }

    /// [`TerminationFlag::set`], unless the `main` run of this flag ended. A signal that
    /// comes as the run ends may set it or not, as when it took the flag out just before
    /// the loop did.
    pub(crate) fn set_unless_closed(&self, reason: TerminationReason) {
        if !self.shared.closed.load(Ordering::Acquire) {
            self.set(reason);
        }
    }

    /// This flag cleared for another run, when nothing else holds it any more: a run's
    /// flag is otherwise one allocation per run, and a `main` run's usually comes back
    /// unshared (a body that kept a clone keeps its flag, and the next run gets a new one).
    pub(crate) fn recycle(mut self) -> Option<Self> {
        let shared = Arc::get_mut(&mut self.shared)?;
        *shared.set.get_mut() = false;
        *shared.closed.get_mut() = false;
        let state = match shared.state.get_mut() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.reason = None;
        state.watchers.clear();
        Some(self)
    }

    /// Calls `watch` once with the first reason set: at once if the flag is already set.
    /// Watchers run outside the flag's lock, on the thread that sets the flag.
    pub(crate) fn on_set(&self, watch: impl FnOnce(TerminationReason) + Send + 'static) {
        let reason = {
            let mut state = self.state();
            match state.reason {
                Some(reason) => reason,
                None => {
                    state.watchers.push(Box::new(watch));
                    return;
                }
            }
        };
        watch(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchers_see_the_first_reason_once() {
        let flag = TerminationFlag::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        flag.on_set(move |r| s.lock().unwrap().push(r));
        flag.set(TerminationReason::EndCond);
        flag.set(TerminationReason::Shutdown);
        let s = seen.clone();
        flag.on_set(move |r| s.lock().unwrap().push(r));
        assert_eq!(
            *seen.lock().unwrap(),
            [TerminationReason::EndCond, TerminationReason::EndCond]
        );
    }

    #[test]
    fn only_an_unshared_flag_is_recycled_and_comes_back_clear() {
        let flag = TerminationFlag::new();
        let kept = flag.clone();
        flag.set(TerminationReason::Timeout);
        assert!(
            flag.recycle().is_none(),
            "a clone still sees the old run's flag"
        );
        assert_eq!(kept.reason(), Some(TerminationReason::Timeout));
        let fired = Arc::new(Mutex::new(0));
        let f = fired.clone();
        kept.on_set(move |_| *f.lock().unwrap() += 1);
        let flag = TerminationFlag::new();
        let f = fired.clone();
        flag.on_set(move |_| *f.lock().unwrap() += 10);
        flag.set(TerminationReason::Manual);
        let again = flag.recycle().expect("nothing else holds it");
        assert_eq!(again.reason(), None);
        let f = fired.clone();
        again.on_set(move |_| *f.lock().unwrap() += 100);
        again.set(TerminationReason::Shutdown);
        assert_eq!(again.reason(), Some(TerminationReason::Shutdown));
        assert_eq!(*fired.lock().unwrap(), 1 + 10 + 100);
    }

    /// A `main` run's flag closed at its end is out of a signal's reach, not of `set`,
    /// and a recycled one listens again.
    #[test]
    fn a_closed_flag_is_out_of_a_signal_s_reach_until_recycled() {
        let flag = TerminationFlag::new();
        flag.set_unless_closed(TerminationReason::Shutdown);
        assert_eq!(flag.reason(), Some(TerminationReason::Shutdown));
        let flag = flag.recycle().expect("nothing else holds it");
        flag.close_inline();
        flag.set_unless_closed(TerminationReason::Shutdown);
        assert_eq!(flag.reason(), None, "its run ended");
        flag.set(TerminationReason::Manual);
        assert_eq!(flag.reason(), Some(TerminationReason::Manual));
        let flag = flag.recycle().expect("nothing else holds it");
        flag.set_unless_closed(TerminationReason::Shutdown);
        assert_eq!(
            flag.reason(),
            Some(TerminationReason::Shutdown),
            "open again"
        );
    }

    #[test]
    fn flag_keeps_first_reason() {
        let flag = TerminationFlag::new();
        assert!(!flag.is_set());
        flag.clone().set(TerminationReason::Timeout);
        flag.set(TerminationReason::Shutdown);
        assert_eq!(flag.reason(), Some(TerminationReason::Timeout));
    }
}
