//! The time zone wall-clock periods are computed in.
//!
//! Periods (`daily`, `time of week …`) are wall-clock periods, while log records are
//! absolute instants. Evaluation converts `now` to the wall clock once, builds occurrence
//! windows there, and converts their edges back to instants. Internally both sides are
//! `i64` microseconds: "wall" values count from the naive 1970-01-01 00:00, instants from
//! the UTC epoch, so conversions in the `Utc` and `Fixed` zones are one subtraction.
//!
//! The rules for daylight-saving gaps and folds are written out in `docs/time-zones.md`.

mod name;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};

pub use name::ZoneError;

const SECOND: i64 = 1_000_000;

/// The time zone in which wall-clock periods are computed.
///
/// Build one from a name with [`Zone::from_name`] (or `str::parse`): an IANA name such as
/// `Europe/Helsinki`, `UTC`, `local`, or a fixed offset `UTC+05:30`. `Display` prints the
/// name a reader knows it by.
///
/// Every zone follows the same rules when its clocks change (`docs/time-zones.md`): a
/// wall time inside a gap moves forward by the gap, a wall time that occurs twice denotes
/// its first occurrence, and hours, minutes and seconds are counted on the clock as it
/// runs, so the repeated hour is an hour of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Zone {
    /// Coordinated Universal Time: no offset, no daylight saving.
    #[default]
    Utc,
    /// The process's local time zone (the `TZ` variable or the system setting), with its
    /// daylight-saving changes.
    Local,
    /// A fixed offset from UTC, without daylight saving.
    Fixed(FixedOffset),
    /// A zone of the IANA time-zone database (`Europe/Helsinki`), with its history of
    /// offsets and daylight-saving changes, compiled into the program: the answer does not
    /// depend on the machine's zone files or on `TZ`. Needs the `tz` feature.
    #[cfg(feature = "tz")]
    Named(chrono_tz::Tz),
}

impl Zone {
    /// The zone called `name`: an IANA name (`Europe/Helsinki`, exact spelling), `UTC`,
    /// `local` (the process's zone) or a fixed offset `UTC+HH:MM` / `UTC-HH:MM`.
    ///
    /// ```
    /// use redengine_conditions::Zone;
    ///
    /// // With the `tz` feature (on by default in this crate):
    /// assert_eq!(Zone::from_name("UTC")?, Zone::Utc);
    /// assert_eq!(Zone::from_name("Europe/Helsinki")?.to_string(), "Europe/Helsinki");
    /// let e = Zone::from_name("Europe/Helsinky").unwrap_err();
    /// assert_eq!(e.to_string(), "unknown time zone `Europe/Helsinky`; did you mean `Europe/Helsinki`?");
    /// # Ok::<(), redengine_conditions::ZoneError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ZoneError`] naming the text and, when one is close, the zone it was probably
    /// meant to be.
    pub fn from_name(name: &str) -> Result<Zone, ZoneError> {
        name::parse(name)
    }

    /// The offset from UTC in force at the instant `t`.
    pub fn offset_at(self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Utc => Utc.fix(),
            Zone::Fixed(offset) => offset,
            Zone::Local => Local.offset_from_utc_datetime(&t.naive_utc()).fix(),
            #[cfg(feature = "tz")]
            Zone::Named(tz) => tz.offset_from_utc_datetime(&t.naive_utc()).fix(),
        }
    }

    /// The instant `t` with this zone's offset at that instant, for display and log
    /// records (`2024-10-27T03:00:00+02:00`).
    pub fn with_offset(self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.offset_at(t))
    }

    /// The wall-clock time of `t` in this zone.
    pub fn to_local(self, t: DateTime<Utc>) -> NaiveDateTime {
        naive(self.wall_of(micros(t)))
    }

    /// The instant a wall-clock time denotes in this zone.
    ///
    /// A time inside a daylight-saving gap moves forward by the gap (02:30 becomes 03:30);
    /// an ambiguous one (the repeated hour when clocks go back) is the earlier instant.
    pub fn from_local(self, local: NaiveDateTime) -> DateTime<Utc> {
        instant(self.utc_of(wall(local)))
    }

    /// The wall-clock value (µs since the naive epoch) of the instant `us`.
    pub(crate) fn wall_of(self, us: i64) -> i64 {
        match self {
            Zone::Utc => us,
            Zone::Fixed(offset) => us.saturating_add(offset_micros(offset)),
            Zone::Local => wall_in(&Local, us),
            #[cfg(feature = "tz")]
            Zone::Named(tz) => wall_in(&tz, us),
        }
    }

    /// The earliest instant (µs) a wall-clock value denotes, gaps moved forward.
    pub(crate) fn utc_of(self, wall: i64) -> i64 {
        self.readings(wall).0
    }

    /// The instants a wall value denotes, as (earlier, later): equal unless the wall time
    /// occurs twice.
    pub(crate) fn readings(self, wall: i64) -> (i64, i64) {
        match self {
            Zone::Utc => (wall, wall),
            Zone::Fixed(offset) => {
                let us = wall.saturating_sub(offset_micros(offset));
                (us, us)
            }
            Zone::Local => utc_in(&Local, wall),
            #[cfg(feature = "tz")]
            Zone::Named(tz) => utc_in(&tz, wall),
        }
    }
}

fn offset_micros(offset: FixedOffset) -> i64 {
    i64::from(offset.local_minus_utc()) * SECOND
}

/// Microseconds since the UTC epoch of an instant (the resolution conditions compare at).
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The instant `us` microseconds after the epoch, saturating at chrono's range.
pub(crate) fn instant(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or(if us < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// The naive date-time of a wall value, saturating at chrono's range.
pub(crate) fn naive(wall: i64) -> NaiveDateTime {
    instant(wall).naive_utc()
}

/// The wall value of a naive date-time.
pub(crate) fn wall(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_micros()
}

/// The wall value of the instant `us` in any chrono zone.
fn wall_in<Tz: TimeZone>(tz: &Tz, us: i64) -> i64 {
    let offset = tz.offset_from_utc_datetime(&instant(us).naive_utc()).fix();
    us.saturating_add(offset_micros(offset))
}

/// The instants a wall value denotes in any chrono zone, as (earlier, later): equal
/// unless the time is ambiguous. A time in a gap is read with the offset in force before
/// the gap, which moves it forward by the gap's length.
///
/// Only the instant-to-offset direction is trusted: a candidate offset counts when the
/// instant it gives really has that offset. Looking the wall time up directly
/// (`offset_from_local_datetime`) called the first instant after a fall-back change
/// ambiguous in the system-zone implementation (04:00 in Helsinki on the day its clocks
/// go from 04:00 back to 03:00, which the clock never shows twice), and that opened a
/// 04:00 window at 03:00.
fn utc_in<Tz: TimeZone>(tz: &Tz, wall: i64) -> (i64, i64) {
    let local = naive(wall);
    let offset_near = |days: i64| {
        local.checked_add_signed(TimeDelta::days(days)).map_or_else(
            || Utc.fix(),
            |near| tz.offset_from_utc_datetime(&near).fix(),
        )
    };
    // The offsets in force a day before and a day after: every real zone's changes are
    // months apart, so these are the two candidates around any change.
    let (before, after) = (offset_near(-1), offset_near(1));
    if before == after {
        // No change within a day either side: the one offset is the answer.
        let us = wall.saturating_sub(offset_micros(before));
        return (us, us);
    }
    let reading = |offset: FixedOffset| {
        let us = wall.saturating_sub(offset_micros(offset));
        (wall_in(tz, us) == wall).then_some(us)
    };
    match (reading(before), reading(after)) {
        (Some(a), Some(b)) => (a.min(b), a.max(b)),
        (Some(us), None) | (None, Some(us)) => (us, us),
        (None, None) => {
            // In the gap, or (with no change nearby) an offset the two probes missed.
            let own = tz.offset_from_utc_datetime(&local).fix();
            let us = reading(own).unwrap_or_else(|| wall.saturating_sub(offset_micros(before)));
            (us, us)
        }
    }
}

#[cfg(all(test, feature = "tz"))]
mod tests;
