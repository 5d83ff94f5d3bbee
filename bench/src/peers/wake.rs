//! The latency rows' floor: how late this machine wakes a thread at a whole second with no
//! scheduler at all. One thread sets its timer slack to 1 µs (as redengine's loop does
//! while it runs) and waits on a std `Condvar` until each next whole second, then reads
//! the clock: what is left of a scheduler's latency above this is the scheduler's own.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The instants at which the waits for the next `n` whole seconds ended.
pub(super) fn firings(n: usize) -> Result<Vec<DateTime<Utc>>, String> {
    std::thread::spawn(move || {
        #[cfg(target_os = "linux")]
        let _ = nix::sys::prctl::set_timerslack(1_000);
        let (lock, never) = (Mutex::new(()), Condvar::new());
        let mut stamps = Vec::with_capacity(n);
        while stamps.len() < n {
            let now = Utc::now();
            let left = Duration::from_nanos(u64::from(
                1_000_000_000 - now.timestamp_subsec_nanos().min(999_999_999),
            ));
            let guard = lock.lock().map_err(|e| e.to_string())?;
            // Nothing notifies: the wait ends at its timeout (or spuriously, early, which
            // the check below turns into another wait for the same second).
            let (guard, _) = never.wait_timeout(guard, left).map_err(|e| e.to_string())?;
            drop(guard);
            let woke = Utc::now();
            if woke.timestamp() > now.timestamp() {
                stamps.push(woke);
            }
        }
        Ok(stamps)
    })
    .join()
    .map_err(|_| "the wake-up floor's thread panicked".to_string())?
}
