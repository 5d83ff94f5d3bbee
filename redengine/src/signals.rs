//! SIGINT/SIGTERM while the scheduler runs (docs/runtime.md, "Shutdown"): the first signal requests a
//! graceful shutdown, a second one during the graceful wait makes it instant.
//!
//! The handlers are installed when `run()` starts (signal-hook's self-pipe, so nothing
//! unsafe runs in the handler, and a signal that arrives early is kept in the pipe). A
//! helper thread reads the pipe and wakes the loop through the session's event channel.
//! perfspeed: that thread is started when the loop first needs it — before it first
//! blocks, before a `main` run occupies it, or at the end of the first cycle, whichever
//! comes first (see [`Alarm::defer`]) — rather than before the first cycle: a thread spawn
//! costs tens of microseconds and turns the allocator to its locked paths. A signal that
//! arrives meanwhile waits in the pipe and is acted on when the thread starts, on the
//! loop's thread, before the loop goes on. The handlers are removed when `run()` returns.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use crate::event::Alarm;
use crate::handle::Control;

/// Installed handlers; dropping it removes them and joins the helper thread if it started.
pub(crate) struct SignalGuard {
    #[cfg(unix)]
    forwarder: Option<Arc<Mutex<Forwarder>>>,
}

/// The handlers' pipe, and the thread that forwards what it reads once started.
#[cfg(unix)]
enum Forwarder {
    /// Handlers installed; the thread is not needed yet.
    Pending {
        signals: signal_hook::iterator::Signals,
        control: Arc<Control>,
    },
    /// The thread runs (`None`: it could not be started).
    Started(
        signal_hook::iterator::Handle,
        Option<std::thread::JoinHandle<()>>,
    ),
    /// Taken for a moment by a start or a drop.
    Gone,
}

/// Installs the handlers for the duration of one `run()` (nothing when `enabled` is off:
/// the config `handle_signals`, for programs that handle signals themselves), and defers
/// the forwarding thread's start to `alarm`. Failing to install them is logged and the
/// scheduler runs without them.
pub(crate) fn install(control: &Arc<Control>, enabled: bool, alarm: &Alarm) -> SignalGuard {
    #[cfg(unix)]
    {
        if !enabled {
            return SignalGuard { forwarder: None };
        }
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::iterator::Signals;

        let signals = match Signals::new([SIGINT, SIGTERM]) {
            Ok(signals) => signals,
            Err(e) => {
                ::log::warn!(
                    target: "redengine::scheduler",
                    "cannot install SIGINT/SIGTERM handlers ({e}); a signal will end the \
                     process without a graceful shutdown"
                );
                return SignalGuard { forwarder: None };
            }
        };
        let forwarder = Arc::new(Mutex::new(Forwarder::Pending {
            signals,
            control: Arc::clone(control),
        }));
        let started = Arc::clone(&forwarder);
        alarm.defer(Box::new(move || start(&started)));
        SignalGuard {
            forwarder: Some(forwarder),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (control, enabled, alarm);
        SignalGuard {}
    }
}

/// The forwarder's state, locked (a panic while it was held leaves a whole state).
#[cfg(unix)]
fn lock(forwarder: &Mutex<Forwarder>) -> std::sync::MutexGuard<'_, Forwarder> {
    forwarder
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts the forwarding thread (once; a later call finds it started).
#[cfg(unix)]
fn start(forwarder: &Mutex<Forwarder>) {
    let mut state = lock(forwarder);
    let (mut signals, control) = match std::mem::replace(&mut *state, Forwarder::Gone) {
        Forwarder::Pending { signals, control } => (signals, control),
        other => {
            *state = other;
            return;
        }
    };
    // A signal that arrived before is acted on here, on the loop's thread, before the loop
    // goes on: as if the thread had been there all along (a virtual clock's next cycle
    // could otherwise come before the thread reads it).
    for signal in signals.pending() {
        forward(&control, signal);
    }
    let handle = signals.handle();
    let thread = std::thread::Builder::new()
        .name("redengine:signals".to_string())
        .spawn(move || {
            for signal in signals.forever() {
                forward(&control, signal);
            }
        });
    let thread = match thread {
        Ok(thread) => Some(thread),
        Err(e) => {
            handle.close();
            ::log::warn!(
                target: "redengine::scheduler",
                "cannot start the signal thread ({e}); signals end the process"
            );
            None
        }
    };
    *state = Forwarder::Started(handle, thread);
}

/// One received signal: a graceful shutdown the first time, an instant one after.
#[cfg(unix)]
fn forward(control: &Control, signal: i32) {
    let seen = control.signals.fetch_add(1, Ordering::SeqCst) + 1;
    ::log::warn!(
        target: "redengine::scheduler",
        "received signal {signal}: {}",
        if seen == 1 {
            "shutting down gracefully (send it again to stop at once)"
        } else {
            "stopping at once"
        }
    );
    control.request_shutdown();
    control.terminate_inline_run();
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(forwarder) = self.forwarder.take() {
            let state = std::mem::replace(&mut *lock(&forwarder), Forwarder::Gone);
            match state {
                // Dropping the pipe removes the handlers; a signal kept in it since the
                // last cycle has nothing left to stop.
                Forwarder::Pending { signals, .. } => drop(signals),
                Forwarder::Started(handle, thread) => {
                    handle.close();
                    // The thread only forwards signals; if it panicked there is nothing
                    // to recover.
                    if let Some(thread) = thread {
                        let _ = thread.join();
                    }
                }
                Forwarder::Gone => {}
            }
        }
    }
}
