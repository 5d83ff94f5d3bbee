//! Retention: dropping old records from a [`History`] without changing what it says about
//! the retained window.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use super::History;
use crate::zone::{instant, micros};

impl History {
    /// Drops the records made before `cutoff`, except the latest record of each task and
    /// action, and returns how many went.
    ///
    /// Every question about a window that starts at or after `cutoff` (`has succeeded
    /// today`, `has run more than 3 times this week`) gets the same answer as before, and
    /// so does every question about the latest record of a kind (`after task 'x'
    /// succeeded`, `is running`). O(tasks × actions) when nothing is old enough.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use redengine_conditions::{Action, History};
    ///
    /// let at = |d, h| Utc.with_ymd_and_hms(2024, 1, d, h, 0, 0).unwrap();
    /// let mut history = History::new();
    /// history.push("fetch", Action::Success, at(1, 8));
    /// history.push("fetch", Action::Success, at(2, 8));
    /// history.push("report", Action::Success, at(1, 9));
    /// assert_eq!(history.prune_before(at(2, 0)), 1);
    /// assert_eq!(history.last("report", Action::Success), Some(at(1, 9)));
    /// assert!(!history.contains_any("fetch", &[Action::Success], at(1, 0), at(1, 23)));
    /// ```
    pub fn prune_before(&mut self, cutoff: DateTime<Utc>) -> usize {
        let cutoff = micros(cutoff);
        let mut gone = 0;
        for (_, log) in &mut self.logs {
            for times in &mut log.by_action {
                // Sorted: the old ones are a prefix; the newest always stays.
                let old = times
                    .partition_point(|&t| t < cutoff)
                    .min(times.len().saturating_sub(1));
                if old > 0 {
                    times.drop_oldest(old);
                    gone += old;
                }
            }
        }
        self.len -= gone;
        gone
    }

    /// The instant of the `n`-th newest record (1: the newest), for a retention that
    /// keeps a number of records; `None` when there are fewer than `n`.
    ///
    /// A scheduler asks this every 1,000 records written, when the history holds about
    /// `n` plus those 1,000: the answer is then the `k`-th oldest for a small `k`, found by
    /// walking the oldest ends of the sorted lists (O(lists + k log lists)) instead of
    /// collecting and selecting among every record (O(records)).
    pub fn nth_newest(&self, n: usize) -> Option<DateTime<Utc>> {
        if n == 0 || n > self.len {
            return None;
        }
        // The `k`-th oldest, counting from 0.
        let k = self.len - n;
        let lists = || self.logs().flat_map(|log| log.by_action.iter());
        if k > n {
            let mut all: Vec<i64> = lists().flat_map(|times| times.iter()).copied().collect();
            let (_, nth, _) = all.select_nth_unstable(k);
            return Some(instant(*nth));
        }
        // A min-heap of each non-empty list's next oldest instant.
        let mut heap: BinaryHeap<Reverse<(i64, &[i64])>> = lists()
            .filter_map(|times| times.split_first())
            .map(|(&first, rest)| Reverse((first, rest)))
            .collect();
        for _ in 0..k {
            let Reverse((_, rest)) = heap.pop()?;
            if let Some((&next, tail)) = rest.split_first() {
                heap.push(Reverse((next, tail)));
            }
        }
        heap.peek().map(|Reverse((t, _))| instant(*t))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::Action;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn answers_inside_the_window_do_not_change() {
        let mut history = History::new();
        for day in 1..=10 {
            history.push("daily", Action::Run, at(day, 8));
            history.push("daily", Action::Success, at(day, 9));
        }
        history.push("once", Action::Fail, at(1, 12));
        history.push("runner", Action::Run, at(2, 12));
        let before = history.clone();
        let gone = history.prune_before(at(8, 0));
        assert_eq!(gone, 14);
        assert_eq!(history.len(), before.len() - 14);
        for (from, to) in [
            (at(8, 0), at(10, 23)),
            (at(9, 0), at(9, 23)),
            (at(10, 8), at(10, 8)),
        ] {
            for action in Action::ALL {
                assert_eq!(
                    history.count_in("daily", &[action], micros(from), micros(to)),
                    before.count_in("daily", &[action], micros(from), micros(to))
                );
            }
        }
        // The latest of each kind stays, however old.
        assert_eq!(history.last("once", Action::Fail), Some(at(1, 12)));
        assert!(history.is_running("runner"));
        assert_eq!(history.last_record("daily"), before.last_record("daily"));
    }

    #[test]
    fn the_nth_newest_record() {
        let mut history = History::new();
        history.push("a", Action::Run, at(1, 1));
        history.push("b", Action::Run, at(1, 3));
        history.push("a", Action::Success, at(1, 2));
        assert_eq!(history.nth_newest(1), Some(at(1, 3)));
        assert_eq!(history.nth_newest(3), Some(at(1, 1)));
        assert_eq!(history.nth_newest(4), None);
        assert_eq!(history.nth_newest(0), None);
    }

    /// Both ways of finding it (walking the oldest ends, or selecting among all) give
    /// what sorting every instant gives, ties included.
    #[test]
    fn the_nth_newest_agrees_with_a_sort() {
        let mut history = History::new();
        let mut all = Vec::new();
        let mut seed = 7u64;
        for i in 0..600 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let hour = u32::try_from((seed >> 50) % 24).unwrap_or(0);
            let day = 1 + u32::try_from((seed >> 40) % 20).unwrap_or(0);
            let task = format!("t{}", i % 13);
            let action = Action::ALL[usize::try_from((seed >> 20) % 6).unwrap_or(0)];
            history.push(&task, action, at(day, hour));
            all.push(at(day, hour));
        }
        all.sort();
        for n in [1, 2, 50, 299, 300, 301, 550, 599, 600] {
            assert_eq!(history.nth_newest(n), Some(all[all.len() - n]), "n = {n}");
        }
    }
}
