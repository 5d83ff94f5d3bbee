//! Each task's place in the agenda, 8 bytes a task.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// One task's place in the agenda.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum State {
    /// Evaluated at its next turn.
    Pending,
    /// Its start condition is false until this instant (`None`: until an event).
    Quiet(Option<DateTime<Utc>>),
    /// Never launches from its start condition (disabled, `on_startup`/`on_shutdown`,
    /// a start condition of `false`): only a forced launch looks at it.
    Idle,
}

const PENDING: i64 = i64::MIN;
const IDLE: i64 = i64::MIN + 1;
const QUIET: i64 = i64::MIN + 2;
/// Quiet until an instant kept in `far`.
const FAR: i64 = i64::MIN + 3;

// perf (memory): a `State` is 16 bytes (an instant is 12, and there is no room for the
// tag beside it); packed, 8. Deadlines are instants in nanoseconds since 1970 — what fits
// in an `i64` from 1677 to 2262, but for the few values kept below — and the other states
// are values before 1677 no deadline packs to. An instant that does not pack (out of that
// range, or a leap second, which nanoseconds since 1970 cannot tell from the next
// second) is kept in a map, so every instant reads back exactly.
/// The states of the tasks, by index.
#[derive(Default)]
pub(super) struct States {
    packed: Vec<i64>,
    far: HashMap<usize, DateTime<Utc>>,
}

impl States {
    /// Empty, with room for `n` tasks.
    pub(super) fn with_capacity(n: usize) -> Self {
        States {
            packed: Vec::with_capacity(n),
            far: HashMap::new(),
        }
    }

    /// Appends the next task's state.
    #[inline]
    pub(super) fn push(&mut self, state: State) {
        match state {
            State::Pending => self.packed.push(PENDING),
            State::Idle => self.packed.push(IDLE),
            State::Quiet(_) => {
                self.packed.push(PENDING);
                self.set(self.packed.len() - 1, state);
            }
        }
    }

    /// Task `i`'s state (`None`: no such task).
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<State> {
        let state = match *self.packed.get(i)? {
            PENDING => State::Pending,
            IDLE => State::Idle,
            QUIET => State::Quiet(None),
            FAR => State::Quiet(self.far.get(&i).copied()),
            nanos => State::Quiet(Some(DateTime::from_timestamp_nanos(nanos))),
        };
        Some(state)
    }

    /// Whether task `i` is quiet (what [`States::get`] says, without making its instant).
    #[inline]
    pub(super) fn is_quiet(&self, i: usize) -> bool {
        self.packed
            .get(i)
            .is_some_and(|&state| state != PENDING && state != IDLE)
    }

    /// Sets task `i`'s state (an index past the end is ignored).
    #[inline]
    pub(super) fn set(&mut self, i: usize, state: State) {
        let Some(slot) = self.packed.get_mut(i) else {
            return;
        };
        if *slot == FAR {
            self.far.remove(&i);
        }
        *slot = match state {
            State::Pending => PENDING,
            State::Idle => IDLE,
            State::Quiet(None) => QUIET,
            State::Quiet(Some(at)) => match pack(at) {
                Some(nanos) => nanos,
                None => {
                    self.far.insert(i, at);
                    FAR
                }
            },
        };
    }
}

/// `at` in nanoseconds since 1970, if it reads back as the same instant and is none of
/// the other states' values.
#[inline]
fn pack(at: DateTime<Utc>) -> Option<i64> {
    if at.timestamp_subsec_nanos() >= 1_000_000_000 {
        return None;
    }
    at.timestamp_nanos_opt().filter(|nanos| *nanos > FAR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn every_state_reads_back_as_set() {
        let at = |y, mo, d, h, mi, s, ns| {
            let date = NaiveDate::from_ymd_opt(y, mo, d).unwrap();
            Utc.from_utc_datetime(&date.and_hms_nano_opt(h, mi, s, ns).unwrap())
        };
        let leap = at(2016, 12, 31, 23, 59, 59, 1_500_000_000);
        let instants = [
            at(2024, 1, 1, 8, 0, 0, 0),
            at(1970, 1, 1, 0, 0, 0, 0),
            at(1969, 12, 31, 23, 59, 59, 999_999_999),
            at(2262, 4, 11, 23, 47, 16, 854_775_807),
            at(2262, 4, 11, 23, 47, 16, 854_775_808),
            at(1677, 9, 21, 0, 12, 43, 145_224_195),
            at(1677, 9, 21, 0, 12, 43, 145_224_192),
            at(9999, 12, 31, 23, 59, 59, 0),
            leap,
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ];
        let mut all = vec![State::Pending, State::Idle, State::Quiet(None)];
        all.extend(instants.iter().map(|t| State::Quiet(Some(*t))));
        let mut states = States::with_capacity(all.len());
        for state in &all {
            states.push(*state);
        }
        let read: Vec<State> = (0..all.len()).filter_map(|i| states.get(i)).collect();
        assert_eq!(read, all);
        for (i, state) in all.iter().enumerate() {
            assert_eq!(
                states.is_quiet(i),
                matches!(state, State::Quiet(_)),
                "{state:?}"
            );
        }
        assert!(!states.is_quiet(all.len()));
        assert_eq!(states.get(all.len()), None);
        // Set over each other, far ones included, every state still reads back.
        for (i, state) in all.iter().rev().enumerate() {
            states.set(i, *state);
            assert_eq!(states.get(i), Some(*state));
        }
        for i in 0..all.len() {
            states.set(i, State::Pending);
        }
        assert!(states.far.is_empty());
        states.set(all.len(), State::Idle);
        assert_eq!(states.get(all.len()), None);
    }
}
