//! SIGINT/SIGTERM while the scheduler runs (docs/runtime.md, "Shutdown"): the first signal requests a
//! graceful shutdown, a second one during the graceful wait makes it instant.
//!
//! A helper thread receives the signals (signal-hook's self-pipe, so nothing unsafe runs
//! in the handler) and wakes the loop through the session's event channel. The handlers
//! are removed when `run()` returns.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::handle::Control;

/// Installed handlers; dropping it removes them and joins the helper thread.
pub(crate) struct SignalGuard {
    #[cfg(unix)]
    inner: Option<(signal_hook::iterator::Handle, std::thread::JoinHandle<()>)>,
}

/// Installs the handlers for the duration of one `run()` (nothing when `enabled` is off:
/// the config `handle_signals`, for programs that handle signals themselves). Failing to
/// install them is logged and the scheduler runs without them.
pub(crate) fn install(control: &Arc<Control>, enabled: bool) -> SignalGuard {
    #[cfg(unix)]
    {
        if !enabled {
            return SignalGuard { inner: None };
        }
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::iterator::Signals;

        let mut signals = match Signals::new([SIGINT, SIGTERM]) {
            Ok(signals) => signals,
            Err(e) => {
                ::log::warn!(
                    target: "redengine::scheduler",
                    "cannot install SIGINT/SIGTERM handlers ({e}); a signal will end the \
                     process without a graceful shutdown"
                );
                return SignalGuard { inner: None };
            }
        };
        let handle = signals.handle();
        let control = Arc::clone(control);
        let thread = std::thread::Builder::new()
            .name("redengine:signals".to_string())
            .spawn(move || {
                for signal in signals.forever() {
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
            });
        match thread {
            Ok(thread) => SignalGuard {
                inner: Some((handle, thread)),
            },
            Err(e) => {
                handle.close();
                ::log::warn!(
                    target: "redengine::scheduler",
                    "cannot start the signal thread ({e}); signals end the process"
                );
                SignalGuard { inner: None }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (control, enabled);
        SignalGuard {}
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some((handle, thread)) = self.inner.take() {
            handle.close();
            // The thread only forwards signals; if it panicked there is nothing to recover.
            let _ = thread.join();
        }
    }
}
