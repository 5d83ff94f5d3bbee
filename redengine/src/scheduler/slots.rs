//! Fair process slots: at most `max_process_count` process runs are alive, and a freed
//! slot goes to the due task that has waited longest, within its priority
//! (docs/runtime.md, "Launch guards").
//!
//! Without a queue a freed slot went to the first task in check order, so with many due
//! process tasks the last ones in check order could wait forever. A process task whose
//! turn comes while every slot is taken has its start condition checked anyway; if it is
//! due it takes a place in line. A free slot is then given in this order: higher priority
//! first, then the longest-waiting task, then a task that was not waiting. So a due task
//! gets a slot within (the tasks ahead of it in line) launches.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

/// A place in line: priority descending, then arrival.
type Place = (Reverse<i32>, u64);

/// The line of due process tasks waiting for a slot.
#[derive(Default)]
pub(super) struct Slots {
    line: BTreeMap<Place, usize>,
    places: HashMap<usize, Place>,
    arrivals: u64,
}

impl Slots {
    /// Whether task `i` (of `priority`) may take a slot when `free` slots are free: fewer
    /// than `free` waiting tasks are ahead of it.
    pub(super) fn may_launch(&self, i: usize, priority: i32, free: usize) -> bool {
        if free == 0 {
            return false;
        }
        if self.line.is_empty() {
            return true;
        }
        let place = self
            .places
            .get(&i)
            .copied()
            .unwrap_or((Reverse(priority), u64::MAX));
        self.line.range(..place).count() < free
    }

    /// Whether task `i` is waiting in line.
    pub(super) fn waiting(&self, i: usize) -> bool {
        !self.places.is_empty() && self.places.contains_key(&i)
    }

    /// Task `i` is due but got no slot: it joins the line (once).
    pub(super) fn join(&mut self, i: usize, priority: i32) {
        if self.places.contains_key(&i) {
            return;
        }
        self.arrivals += 1;
        let place = (Reverse(priority), self.arrivals);
        self.line.insert(place, i);
        self.places.insert(i, place);
    }

    /// Task `i` launched, or is no longer due: it leaves the line.
    pub(super) fn leave(&mut self, i: usize) {
        // Every launch check calls this: no hashing while nobody waits.
        if self.places.is_empty() {
            return;
        }
        if let Some(place) = self.places.remove(&i) {
            self.line.remove(&place);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_waiting_task_gets_the_next_slot() {
        let mut slots = Slots::default();
        slots.join(7, 0);
        slots.join(3, 0);
        // One slot: only the first in line may take it, whatever the check order.
        assert!(!slots.may_launch(3, 0, 1));
        assert!(slots.may_launch(7, 0, 1));
        assert!(
            !slots.may_launch(1, 0, 1),
            "a task not in line comes after the line"
        );
        assert!(slots.may_launch(3, 0, 2));
        slots.leave(7);
        assert!(slots.may_launch(3, 0, 1));
        // A higher priority goes first, even when it arrives later.
        slots.join(9, 5);
        assert!(slots.may_launch(9, 5, 1));
        assert!(!slots.may_launch(3, 0, 1));
        assert!(
            slots.may_launch(4, 5, 2),
            "not waiting, but above the line's priority"
        );
        assert!(!slots.may_launch(3, 0, 0), "no free slot");
    }
}
