//! The task history conditions read: every log record, indexed by task and action.
//!
//! Conditions ask narrow questions ("did `x` finish between 08:00 and now?", "when did `x`
//! last start?"). Scanning the log for each of them is what makes the Python peers slow,
//! so [`History`] keeps, per task name and per action, a sorted vector of instants: every
//! question is one hash lookup plus a binary search, whatever the log size.
//!
//! It keeps nothing else: each task name once, and eight bytes per record. A million
//! records over a thousand tasks take about 8 MiB (16 MiB while vectors grow), where the
//! records themselves, with their messages, would take over 200 MiB.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};

// What a record says happened: the action word.
mod action;
// Retention: `History::prune_before`, `History::nth_newest`.
mod prune;
// One action's sorted instants.
mod times;

pub use action::{Action, ParseActionError};
use times::Times;

// One definition of the microsecond conversions: the zone code, which is compiled without
// the `eval` feature too, owns them.
pub(crate) use crate::zone::{instant, micros};

/// One record of the task log, as far as conditions care: who, what and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogRecord {
    /// The task's name.
    pub task: String,
    /// What happened.
    pub action: Action,
    /// When the record was written. Naive times are read as UTC.
    pub created: NaiveDateTime,
}

impl LogRecord {
    /// A record of `action` for `task` written at `created` (UTC).
    pub fn new(task: impl Into<String>, action: Action, created: NaiveDateTime) -> Self {
        LogRecord {
            task: task.into(),
            action,
            created,
        }
    }
}

/// FNV-1a, for maps keyed by task names and condition texts: those are chosen by the
/// program, not by an attacker, so the hash only needs to be fast on short strings
/// (SipHash costs a third of a condition check's 200 ns budget). The history's map and
/// the runtime's start-up lookups use it; do not key it by what a network peer sends.
#[derive(Clone, Copy, Debug)]
pub struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// One task's records: the sorted instants of each action.
#[derive(Debug, Clone, Default)]
struct TaskLog {
    by_action: [Times; 6],
    /// The latest record (ties: the one pushed last), which decides `is running`.
    last: Option<(Action, i64)>,
}

/// The indexed task history that conditions read.
///
/// Per task name and per action it keeps the sorted instants of the records, plus the
/// latest record of each task. Appending in time order is amortised O(1); a record older
/// than the newest of its kind is inserted in place (O(n), rare: one task's records are
/// written in time order). Every query is a hash lookup plus at most one binary search per
/// action, so evaluation cost does not grow with the log.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use redengine_conditions::{Action, History};
///
/// let mut history = History::new();
/// let at = |h, m| Utc.with_ymd_and_hms(2024, 1, 1, h, m, 0).unwrap();
/// history.push("fetch", Action::Run, at(8, 0));
/// history.push("fetch", Action::Success, at(8, 1));
/// assert!(history.contains_any("fetch", &[Action::Success, Action::Fail], at(8, 0), at(9, 0)));
/// assert_eq!(history.last("fetch", Action::Run), Some(at(8, 0)));
/// assert!(!history.is_running("fetch"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Each task's place in `logs`. The table keeps about 1.6 slots per task, and a slot
    /// of a name and a place is 24 bytes.
    index: HashMap<Arc<str>, usize, BuildHasherDefault<NameHasher>>,
    /// Each task's name (shared with `index`) and records, in the order the tasks first
    /// appeared. Boxed, so that growing the list moves pointers, not logs.
    logs: Vec<(Arc<str>, Box<TaskLog>)>,
    /// The place of the task pushed last. perfspeed: a scheduler pushes a run's records
    /// one after the other (its `run`, then its finish), so a push first compares the name
    /// found there, which costs a fraction of hashing it and probing the table.
    recent: usize,
    len: usize,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        History::default()
    }

    /// Records that `task` did `action` at `created`.
    pub fn push(&mut self, task: &str, action: Action, created: DateTime<Utc>) {
        self.insert(task, action, created);
    }

    /// Records that `task` did `action` at `created`, like [`History::push`], and says
    /// whether this is the first record of `task` (one hash lookup for both, which
    /// matters when a start-up feeds a million records).
    pub fn insert(&mut self, task: &str, action: Action, created: DateTime<Utc>) -> bool {
        let at = micros(created);
        let (place, new) = match self.logs.get(self.recent) {
            Some((name, _)) if **name == *task => (self.recent, false),
            _ => match self.index.get(task) {
                Some(&place) => (place, false),
                None => {
                    let name: Arc<str> = Arc::from(task);
                    self.index.insert(Arc::clone(&name), self.logs.len());
                    self.logs.push((name, Box::default()));
                    (self.logs.len() - 1, true)
                }
            },
        };
        self.recent = place;
        let log = &mut self.logs[place].1;
        log.by_action[action.index()].insert(at);
        if log.last.is_none_or(|(_, newest)| at >= newest) {
            log.last = Some((action, at));
        }
        self.len += 1;
        new
    }

    /// A history holding `records`; their naive `created` times are read as UTC.
    pub fn from_records(records: &[LogRecord]) -> Self {
        let mut history = History::new();
        for record in records {
            history.push(&record.task, record.action, record.created.and_utc());
        }
        history
    }

    /// The records of `task`.
    fn log(&self, task: &str) -> Option<&TaskLog> {
        let place = *self.index.get(task)?;
        self.logs.get(place).map(|(_, log)| &**log)
    }

    /// Every task's records.
    fn logs(&self) -> impl Iterator<Item = &TaskLog> {
        self.logs.iter().map(|(_, log)| &**log)
    }

    /// The number of records pushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// When `task` last did `action`, if ever.
    pub fn last(&self, task: &str, action: Action) -> Option<DateTime<Utc>> {
        self.last_micros(task, &[action]).map(instant)
    }

    /// The latest record of `task`: its action and instant.
    pub fn last_record(&self, task: &str) -> Option<(Action, DateTime<Utc>)> {
        let (action, at) = self.log(task)?.last?;
        Some((action, instant(at)))
    }

    /// Whether a run of `task` is in progress: its latest record is `run`.
    pub fn is_running(&self, task: &str) -> bool {
        matches!(
            self.log(task).and_then(|log| log.last),
            Some((Action::Run, _))
        )
    }

    /// Whether `task` has a record with an action in `actions` inside the closed window
    /// `[from, to]`. O(log n) per action.
    pub fn contains_any(
        &self,
        task: &str,
        actions: &[Action],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> bool {
        self.any_in(task, actions, micros(from), micros(to))
    }

    /// [`History::contains_any`] on microsecond instants.
    pub(crate) fn any_in(&self, task: &str, actions: &[Action], from: i64, to: i64) -> bool {
        if from > to {
            return false;
        }
        let Some(log) = self.log(task) else {
            return false;
        };
        actions.iter().any(|action| {
            let times = &log.by_action[action.index()];
            match times.last() {
                Some(&newest) if newest >= from => {
                    let index = times.partition_point(|&t| t < from);
                    times.get(index).is_some_and(|&t| t <= to)
                }
                _ => false,
            }
        })
    }

    /// The number of records of `task` with an action in `actions` inside the closed
    /// window `[from, to]`: two binary searches per action, O(log n).
    pub(crate) fn count_in(&self, task: &str, actions: &[Action], from: i64, to: i64) -> u64 {
        if from > to {
            return 0;
        }
        let Some(log) = self.log(task) else {
            return 0;
        };
        actions
            .iter()
            .map(|action| {
                let times = &log.by_action[action.index()];
                let low = times.partition_point(|&t| t < from);
                let high = times.partition_point(|&t| t <= to);
                u64::try_from(high - low).unwrap_or(u64::MAX)
            })
            .fold(0, u64::saturating_add)
    }

    /// The latest instant of a record of `task` with an action in `actions`.
    pub(crate) fn last_micros(&self, task: &str, actions: &[Action]) -> Option<i64> {
        let log = self.log(task)?;
        actions
            .iter()
            .filter_map(|action| log.by_action[action.index()].last().copied())
            .max()
    }

    /// The latest record of `task` with an action in `actions` at or before `at`.
    pub(crate) fn last_at_or_before(&self, task: &str, actions: &[Action], at: i64) -> Option<i64> {
        let log = self.log(task)?;
        actions
            .iter()
            .filter_map(|action| {
                let times = &log.by_action[action.index()];
                let index = times.partition_point(|&t| t <= at);
                index.checked_sub(1).map(|i| times[i])
            })
            .max()
    }

    /// The earliest record of `task` with an action in `actions` strictly after `at`.
    pub(crate) fn first_after(&self, task: &str, actions: &[Action], at: i64) -> Option<i64> {
        let log = self.log(task)?;
        actions
            .iter()
            .filter_map(|action| {
                let times = &log.by_action[action.index()];
                times.get(times.partition_point(|&t| t <= at)).copied()
            })
            .min()
    }

    /// Whether the history holds any record of `task`.
    pub fn knows(&self, task: &str) -> bool {
        self.index.contains_key(task)
    }

    /// Calls `f` with this history as it would be had `task` also made `records`, then
    /// puts `task`'s records back as they were: a what-if on one task ("when could it
    /// start again had it run now?") that copies that task's records, not the whole log,
    /// which at start-up on a long log may hold millions.
    pub fn with_records<R>(
        &mut self,
        task: &str,
        records: &[(Action, DateTime<Utc>)],
        f: impl FnOnce(&History) -> R,
    ) -> R {
        let saved = self.log(task).cloned();
        let len = self.len;
        for &(action, created) in records {
            self.insert(task, action, created);
        }
        let result = f(self);
        let place = self.index.get(task).copied();
        match (saved, place) {
            (Some(log), Some(place)) => *self.logs[place].1 = log,
            (None, Some(place)) => {
                // The task came with the what-if: it leaves its place to the last task.
                self.index.remove(task);
                self.logs.swap_remove(place);
                if let Some((moved, _)) = self.logs.get(place) {
                    self.index.insert(Arc::clone(moved), place);
                }
            }
            _ => {}
        }
        self.len = len;
        result
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 8, minute, 0).unwrap()
    }

    #[test]
    fn out_of_order_pushes_are_sorted() {
        let mut history = History::new();
        history.push("a", Action::Success, at(10));
        history.push("a", Action::Success, at(5));
        history.push("a", Action::Success, at(7));
        assert_eq!(history.len(), 3);
        assert_eq!(history.last("a", Action::Success), Some(at(10)));
        assert!(history.contains_any("a", &[Action::Success], at(6), at(8)));
        assert!(!history.contains_any("a", &[Action::Success], at(8), at(9)));
        assert_eq!(history.last_record("a"), Some((Action::Success, at(10))));
        assert_eq!(
            history.last_at_or_before("a", &[Action::Success], micros(at(9))),
            Some(micros(at(7)))
        );
        assert_eq!(
            history.first_after("a", &[Action::Success], micros(at(5))),
            Some(micros(at(7)))
        );
    }

    #[test]
    fn windows_are_closed() {
        let mut history = History::new();
        history.push("a", Action::Fail, at(5));
        assert!(history.contains_any("a", &[Action::Fail], at(5), at(5)));
        assert!(history.contains_any("a", &[Action::Fail], at(4), at(5)));
        assert!(!history.contains_any("a", &[Action::Fail], at(6), at(4)));
        assert!(!history.contains_any("a", &[Action::Success], at(0), at(9)));
        assert!(!history.contains_any("b", &[Action::Fail], at(0), at(9)));
    }

    #[test]
    fn counts_are_closed_windows_over_several_actions() {
        let mut history = History::new();
        for minute in [5, 5, 6, 8] {
            history.push("a", Action::Fail, at(minute));
        }
        history.push("a", Action::Success, at(6));
        history.push("a", Action::Run, at(6));
        let us = |m| micros(at(m));
        let finished = [Action::Success, Action::Fail];
        assert_eq!(history.count_in("a", &finished, us(5), us(8)), 5);
        assert_eq!(history.count_in("a", &finished, us(6), us(6)), 2);
        assert_eq!(history.count_in("a", &[Action::Fail], us(5), us(5)), 2);
        assert_eq!(
            history.count_in("a", &[Action::Fail], us(5) + 1, us(8) - 1),
            1
        );
        assert_eq!(history.count_in("a", &[Action::Fail], us(8), us(5)), 0);
        assert_eq!(
            history.count_in("a", &[Action::Fail], i64::MIN, i64::MAX),
            4
        );
        assert_eq!(history.count_in("b", &finished, i64::MIN, i64::MAX), 0);
    }

    #[test]
    fn an_action_held_inline_keeps_order_when_it_grows_and_shrinks() {
        let mut history = History::new();
        history.push("a", Action::Run, at(5));
        history.push("a", Action::Run, at(3)); // older than the one held inline
        history.push("a", Action::Run, at(4));
        assert_eq!(history.last("a", Action::Run), Some(at(5)));
        assert_eq!(
            history.count_in("a", &[Action::Run], micros(at(3)), micros(at(5))),
            3
        );
        assert_eq!(history.prune_before(at(5)), 2);
        assert_eq!(history.last("a", Action::Run), Some(at(5)));
        assert_eq!(
            history.count_in("a", &[Action::Run], micros(at(0)), micros(at(9))),
            1
        );
        history.push("a", Action::Run, at(6));
        assert_eq!(
            history.count_in("a", &[Action::Run], micros(at(0)), micros(at(9))),
            2
        );
        assert_eq!(history.nth_newest(2), Some(at(5)));
    }

    #[test]
    fn insert_tells_the_first_record_of_a_task() {
        let mut history = History::new();
        assert!(history.insert("a", Action::Run, at(1)));
        assert!(!history.insert("a", Action::Success, at(2)));
        assert!(history.insert("b", Action::Run, at(2)));
        assert_eq!(history.len(), 3);
        assert_eq!(history.last_record("a"), Some((Action::Success, at(2))));
    }

    #[test]
    fn a_what_if_leaves_the_history_as_it_was() {
        let mut history = History::new();
        history.push("a", Action::Run, at(1));
        history.push("a", Action::Success, at(2));
        history.push("b", Action::Fail, at(3));
        let seen = history.with_records("a", &[(Action::Run, at(9)), (Action::Fail, at(9))], |h| {
            (h.len(), h.last_record("a"), h.last("a", Action::Run))
        });
        assert_eq!(seen, (5, Some((Action::Fail, at(9))), Some(at(9))));
        assert_eq!(history.len(), 3);
        assert_eq!(history.last_record("a"), Some((Action::Success, at(2))));
        assert_eq!(history.last("a", Action::Run), Some(at(1)));
        assert_eq!(history.last("a", Action::Fail), None);
        // A task the history did not know is gone again.
        let knew = history.with_records("c", &[(Action::Run, at(9))], |h| h.knows("c"));
        assert!(knew);
        assert!(!history.knows("c"));
        assert_eq!(history.len(), 3);
        assert_eq!(history.last_record("b"), Some((Action::Fail, at(3))));
    }

    /// Pushes that find their task at the remembered place (the same task again) and
    /// those that look it up (another task, a what-if in between) say the same as a plain
    /// list of the records.
    #[test]
    fn pushes_by_the_remembered_place_equal_pushes_by_name() {
        let names = ["a", "b", "ab", "c"];
        let mut history = History::new();
        let mut all: Vec<(&str, Action, u32)> = Vec::new();
        let mut seed = 7_u32;
        for step in 0..400 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            // Runs of the same task, then another one.
            let task = names[(seed >> 20) as usize % 4 * usize::from(step % 3 != 0)];
            let action = Action::ALL[(seed >> 8) as usize % 6];
            let minute = (seed >> 12) % 60;
            history.push(task, action, at(minute));
            all.push((task, action, minute));
            if step % 50 == 0 {
                let what_if = names[step / 50 % 4];
                history.with_records(what_if, &[(Action::Run, at(59))], |_| ());
                history.with_records("new", &[(Action::Run, at(59))], |_| ());
            }
        }
        assert_eq!(history.len(), all.len());
        assert!(!history.knows("new"));
        for task in names {
            for action in Action::ALL {
                let mine: Vec<u32> = all
                    .iter()
                    .filter(|r| r.0 == task && r.1 == action)
                    .map(|r| r.2)
                    .collect();
                let us = |m: u32| micros(at(m));
                assert_eq!(
                    history.count_in(task, &[action], us(0), us(59)),
                    mine.len() as u64,
                    "{task} {action}"
                );
                assert_eq!(
                    history.last(task, action),
                    mine.iter().max().map(|&m| at(m)),
                    "{task} {action}"
                );
            }
            let newest = all.iter().filter(|r| r.0 == task).map(|r| r.2).max();
            let last = history.last_record(task).map(|(_, t)| t);
            assert_eq!(last, newest.map(at), "{task}");
        }
    }

    #[test]
    fn running_follows_the_latest_record() {
        let mut history = History::new();
        assert!(!history.is_running("a"));
        history.push("a", Action::Run, at(1));
        assert!(history.is_running("a"));
        history.push("a", Action::Crash, at(2));
        assert!(!history.is_running("a"));
        assert!(history.knows("a"));
        assert!(!history.is_empty());
    }
}
