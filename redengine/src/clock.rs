//! Time for the scheduler: what "now" is and how the loop sleeps.
//!
//! The loop never spins. After a cycle it knows the earliest instant any condition can
//! change (or that none can without an event) and asks the clock to sleep until then; an
//! event (a run finished, a request arrived) rings the [`Alarm`] and ends the sleep early.
//! [`SystemClock`] really blocks; [`ManualClock`] jumps virtual time straight to the
//! deadline, so a simulated week takes milliseconds.

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::time::Duration;
#[cfg(not(unix))]
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::event::Alarm;

/// The scheduler's source of time and its way of sleeping.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Sleeps until `deadline` (`None`: no deadline) or until `alarm` rings, whichever
    /// comes first. Returns at once if the alarm has already rung.
    fn sleep(&self, deadline: Option<DateTime<Utc>>, alarm: &Alarm);
}

/// Wall-clock time; sleeps really block (0% CPU while idle).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        // perfspeed: two readings a run; `Utc::now` works out the date from the day
        // number each time, where the day of the last reading is kept here.
        since_epoch()
            .and_then(|since| TODAY.with(|today| wall_instant(since, today)))
            .unwrap_or_else(Utc::now)
    }

    fn sleep(&self, deadline: Option<DateTime<Utc>>, alarm: &Alarm) {
        match deadline {
            None => {
                alarm.wait(None);
            }
            Some(at) => sleep_until_wall(at, alarm, Utc::now, RECHECK),
        }
    }
}

/// The wall clock's time since the epoch, `None` before it: what
/// `SystemTime::now().duration_since(UNIX_EPOCH)` gives. perfspeed: on Unix the clock
/// `SystemTime::now` reads (`CLOCK_REALTIME`), read directly: the standard library's
/// subtraction from the epoch was half the cost of a reading.
#[cfg(unix)]
fn since_epoch() -> Option<Duration> {
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_REALTIME).ok()?;
    // `time_t` and `c_long` are 32 bits on some targets.
    #[allow(clippy::useless_conversion)]
    after_epoch(now.tv_sec().into(), now.tv_nsec().into())
}

/// A `timespec` reading as a time since the epoch, `None` before it (or malformed).
#[cfg(unix)]
fn after_epoch(secs: i64, nanos: i64) -> Option<Duration> {
    let secs = u64::try_from(secs).ok()?;
    let nanos = u32::try_from(nanos).ok().filter(|n| *n < 1_000_000_000)?;
    Some(Duration::new(secs, nanos))
}

/// The wall clock's time since the epoch, `None` before it.
#[cfg(not(unix))]
fn since_epoch() -> Option<Duration> {
    SystemTime::now().duration_since(UNIX_EPOCH).ok()
}

thread_local! {
    /// The day number (since the epoch) and date of this thread's last wall-clock reading.
    static TODAY: Cell<Option<(u64, NaiveDate)>> = const { Cell::new(None) };
}

/// The instant `since` the epoch, as `DateTime::from_timestamp` gives it, with the date
/// taken from `today` when it is the same day (and kept there otherwise). `None` past
/// chrono's range.
fn wall_instant(since: Duration, today: &Cell<Option<(u64, NaiveDate)>>) -> Option<DateTime<Utc>> {
    let secs = since.as_secs();
    let (day, second) = (secs / 86_400, secs % 86_400);
    let date = match today.get() {
        Some((known, date)) if known == day => date,
        _ => {
            let midnight = i64::try_from(day * 86_400).ok()?;
            let date = DateTime::from_timestamp(midnight, 0)?.date_naive();
            today.set(Some((day, date)));
            date
        }
    };
    let second = u32::try_from(second).ok()?;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(second, since.subsec_nanos())?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// The longest one real wait lasts before the wall clock is read again. A wait is a
/// relative duration, so a clock stepped forward (NTP, a resumed VM) would otherwise be
/// noticed only after the whole wait (hours, for a daily window); now it is within this.
/// Each re-read wakes the thread, which costs more CPU than the read: a minute keeps an
/// idle scheduler's CPU where it was (measured: every 5 s tripled it).
const RECHECK: Duration = Duration::from_secs(60);

/// Waits until the wall clock `now` reads `at` or the alarm rings, re-reading the clock
/// at least every `recheck`.
fn sleep_until_wall(
    at: DateTime<Utc>,
    alarm: &Alarm,
    now: impl Fn() -> DateTime<Utc>,
    recheck: Duration,
) {
    loop {
        let left = (at - now()).to_std().unwrap_or(Duration::ZERO);
        if left.is_zero() || alarm.wait(Some(left.min(recheck))) {
            return;
        }
    }
}

/// Virtual time for tests: starts where you say and moves only when the scheduler sleeps
/// (or you call [`ManualClock::advance`]/[`ManualClock::set`]).
///
/// Deterministic by default: virtual time never moves while a thread or process run is in
/// flight. The scheduler then sleeps until the run ends (its end rings the alarm), so a
/// run's outcome is seen at the virtual instant it started, however loaded the machine
/// is. With nothing in flight, a sleep jumps straight to its deadline; with no deadline it
/// blocks until an event (e.g. a shutdown request from another thread).
///
/// A run that only ends when virtual time passes (a thread that waits for its timeout or
/// `end_cond` to set its termination flag) would then wait forever: opt in to
/// [`ManualClock::with_grace`] for such tests. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
    grace: Option<Duration>,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
            grace: None,
        }
    }

    /// The real time a sleep with runs in flight allows them before virtual time jumps
    /// anyway (`None`, the default: it never jumps while a run is in flight).
    pub fn grace(&self) -> Option<Duration> {
        self.grace
    }

    /// Opt-in: lets virtual time jump to the next deadline after `grace` of real time even
    /// while runs are in flight — for runs that end only when time passes (a timeout or
    /// `end_cond` sets their termination flag). A run that would have ended within the
    /// grace on an idle machine may then be seen later in virtual time on a loaded one, so
    /// keep such tests' assertions independent of that.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
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

    fn sleep(&self, deadline: Option<DateTime<Utc>>, alarm: &Alarm) {
        if alarm.rang() {
            return;
        }
        if alarm.runs_in_flight() {
            let Some(grace) = self.grace else {
                // Deterministic: the run's end rings the alarm; time waits for it.
                alarm.wait(None);
                return;
            };
            if alarm.wait(Some(grace)) {
                return;
            }
        }
        match deadline {
            Some(at) => self.set(at),
            None => {
                alarm.wait(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use chrono::TimeZone;

    use super::*;

    /// The wall clock's reading with a kept date is what chrono makes of the same instant,
    /// across days (the kept date changes with them) and within one.
    #[test]
    fn a_kept_date_gives_chrono_s_instant() {
        let today = Cell::new(None);
        for secs in [
            0,
            86_399,
            86_400,
            1_700_000_000,
            1_700_006_399,
            1_700_006_400,
            1_700_006_401,
            1_700_000_000,
            4_102_444_800,
        ] {
            for nanos in [0, 1, 999_999_999] {
                let since = Duration::new(secs, nanos);
                let chrono = DateTime::from_timestamp(secs as i64, nanos).unwrap();
                assert_eq!(wall_instant(since, &today), Some(chrono), "{since:?}");
            }
        }
        assert_eq!(wall_instant(Duration::MAX, &today), None);
    }

    /// The direct reading is the standard library's: between two of its readings.
    #[cfg(unix)]
    #[test]
    fn the_direct_reading_is_the_standard_library_s() {
        use std::time::{SystemTime, UNIX_EPOCH};
        let std_now = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let before = std_now();
        let ours = since_epoch().unwrap();
        let after = std_now();
        assert!(
            before <= ours && ours <= after,
            "{before:?} {ours:?} {after:?}"
        );
        assert_eq!(after_epoch(5, 7), Some(Duration::new(5, 7)));
        assert_eq!(after_epoch(-1, 999_999_999), None, "before the epoch");
        assert_eq!(after_epoch(0, 1_000_000_000), None);
        assert_eq!(after_epoch(0, -1), None);
    }

    /// A wall clock stepped forward past the deadline ends the wait at the next re-read,
    /// not after the whole relative wait (an hour here).
    #[test]
    fn a_forward_clock_step_ends_the_wait_at_the_next_reading() {
        let (_tx, rx) = crate::event::channel();
        let alarm = Alarm::new(rx);
        let t0 = Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap();
        let readings = AtomicU32::new(0);
        let now = || {
            // First reading: 09:00. Then the clock has jumped to 11:00.
            if readings.fetch_add(1, Ordering::SeqCst) == 0 {
                t0
            } else {
                t0 + chrono::TimeDelta::hours(2)
            }
        };
        sleep_until_wall(
            t0 + chrono::TimeDelta::hours(1),
            &alarm,
            now,
            Duration::from_millis(5),
        );
        assert_eq!(readings.load(Ordering::SeqCst), 2);
    }
}
