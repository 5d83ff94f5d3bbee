//! The runs in flight, per task: up to the task's `max_instances` each (1 by default,
//! so a task never overlaps itself unless it says so).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use chrono::{DateTime, Utc};

use redengine_conditions::NameHasher;

use crate::termination::TerminationFlag;

/// A run handed to an asynchronous executor and not reaped yet.
pub(super) struct Running {
    /// The process-unique run id its `Finished` event carries.
    pub(super) run: u64,
    pub(super) start: DateTime<Utc>,
    pub(super) flag: TerminationFlag,
    /// Which attempt of a retried run this is (1 for the first).
    pub(super) attempt: u32,
}

/// Every run in flight, by task index, oldest first within a task.
#[derive(Default)]
pub(super) struct Runs {
    // perfspeed: keyed by task index, which the program's task list gives, not a peer:
    // FNV-1a instead of SipHash on every launch and reap.
    by_task: HashMap<usize, Vec<Running>, BuildHasherDefault<NameHasher>>,
}

impl Runs {
    /// Whether no run is in flight.
    pub(super) fn is_empty(&self) -> bool {
        self.by_task.is_empty()
    }

    /// Whether task `i` has a run in flight.
    pub(super) fn contains_key(&self, i: &usize) -> bool {
        self.by_task.contains_key(i)
    }

    /// How many runs of task `i` are in flight.
    pub(super) fn count(&self, i: usize) -> usize {
        self.by_task.get(&i).map_or(0, Vec::len)
    }

    /// The runs of task `i`, oldest first.
    pub(super) fn of(&self, i: usize) -> &[Running] {
        self.by_task.get(&i).map_or(&[], Vec::as_slice)
    }

    /// The tasks with a run in flight (each once).
    pub(super) fn tasks(&self) -> Vec<usize> {
        self.by_task.keys().copied().collect()
    }

    /// Every run in flight with its task.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &Running)> {
        self.by_task
            .iter()
            .flat_map(|(i, runs)| runs.iter().map(move |r| (*i, r)))
    }

    /// Adds a run of task `i`.
    pub(super) fn insert(&mut self, i: usize, run: Running) {
        self.by_task.entry(i).or_default().push(run);
    }

    /// Takes out run `run` of task `i`, if it is in flight (a late event of an abandoned
    /// run finds nothing).
    pub(super) fn remove(&mut self, i: usize, run: u64) -> Option<Running> {
        let runs = self.by_task.get_mut(&i)?;
        let at = runs.iter().position(|r| r.run == run)?;
        let taken = runs.remove(at);
        if runs.is_empty() {
            self.by_task.remove(&i);
        }
        Some(taken)
    }

    /// Takes out every run.
    pub(super) fn drain(&mut self) -> Vec<(usize, Running)> {
        self.by_task
            .drain()
            .flat_map(|(i, runs)| runs.into_iter().map(move |r| (i, r)))
            .collect()
    }
}
