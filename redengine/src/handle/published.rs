//! The task list the loop publishes for handles: what [`SessionHandle::tasks`] returns
//! when it cannot wait for the loop.
//!
//! [`SessionHandle::tasks`]: crate::SessionHandle::tasks

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redengine_conditions::Condition;

use super::TaskState;
use crate::log::Action;

// perf (memory): the task list the loop publishes at its first turn and after each change,
// for callers that cannot wait for the loop. Compact — the names in one buffer, the start
// conditions shared with the scheduler's tasks (their display made when the list is
// read), the last records only of the tasks that have one — and refilled in place: with
// 10,000 tasks a list of `TaskState`s (two strings each) cost 1.5 MB a copy. A task costs
// its name and a byte for its length (below 128 bytes), the rest only when it has it:
// neighbours with one start condition share a run, and the few disabled or running tasks
// and those with a record are listed apart (20 bytes for a record).
/// The task list as the loop last published it; [`Published::states`] makes the
/// [`TaskState`]s a caller gets.
#[derive(Default)]
pub(crate) struct Published {
    names: String,
    /// Each name's length in bytes, 7 bits a byte, the high bit set on all but the last
    /// byte of a length.
    lens: Vec<u8>,
    /// The start conditions in task order: each with how many tasks in a row have it.
    conds: Vec<(Arc<Condition>, u32)>,
    /// The tasks (by position) that are disabled, and those with a run in flight.
    disabled: Vec<u32>,
    running: Vec<u32>,
    /// (task, its last record) for the tasks that have one, in task order.
    lasts: Vec<(u32, Action, DateTime<Utc>)>,
    /// How many tasks.
    count: u32,
}

impl Published {
    /// Empties the list, keeping its room for the next one.
    pub(crate) fn clear(&mut self) {
        self.names.clear();
        self.lens.clear();
        self.conds.clear();
        self.disabled.clear();
        self.running.clear();
        self.lasts.clear();
        self.count = 0;
    }

    /// Room for `n` more tasks whose names take `names` bytes.
    pub(crate) fn reserve(&mut self, n: usize, names: usize) {
        self.lens.reserve_exact(n);
        self.names.reserve_exact(names);
    }

    /// Appends a task.
    // perf (start-up): called for every task at each publication (the first one comes
    // before the first cycle): inlined into the loop that calls it.
    #[inline]
    pub(crate) fn push(
        &mut self,
        name: &str,
        start_cond: &Arc<Condition>,
        disabled: bool,
        running: bool,
        last: Option<(Action, DateTime<Utc>)>,
    ) {
        // Past 4,294,967,295 tasks the positions saturate.
        let i = self.count;
        self.count = self.count.saturating_add(1);
        self.names.push_str(name);
        let mut len = name.len();
        while len >= 0x80 {
            self.lens.push((len & 0x7f) as u8 | 0x80);
            len >>= 7;
        }
        self.lens.push(len as u8);
        // Tasks sharing a condition are usually neighbours: only the latest one is compared
        // (a constant cost a task; at worst every task adds its own).
        match self.conds.last_mut() {
            Some((cond, n)) if Arc::ptr_eq(cond, start_cond) => *n = n.saturating_add(1),
            _ => self.conds.push((Arc::clone(start_cond), 1)),
        }
        if disabled {
            self.disabled.push(i);
        }
        if running {
            self.running.push(i);
        }
        if let Some((action, at)) = last {
            self.lasts.push((i, action, at));
        }
    }

    /// The list as [`SessionHandle::tasks`](crate::SessionHandle::tasks) returns it.
    pub(crate) fn states(&self) -> Vec<TaskState> {
        let mut lens = self.lens.iter();
        // Each condition displayed once, however many tasks share it.
        let mut conds = self
            .conds
            .iter()
            .flat_map(|(cond, n)| std::iter::repeat_n(cond.to_string(), *n as usize));
        let mut disabled = self.disabled.iter().peekable();
        let mut running = self.running.iter().peekable();
        let mut lasts = self.lasts.iter().peekable();
        let mut from = 0;
        let mut states = Vec::with_capacity(self.count as usize);
        for i in 0..self.count {
            let mut len = 0;
            for (shift, byte) in (0..usize::BITS).step_by(7).zip(lens.by_ref()) {
                len |= usize::from(byte & 0x7f) << shift;
                if byte & 0x80 == 0 {
                    break;
                }
            }
            let name = self.names.get(from..from + len).unwrap_or_default();
            from += len;
            states.push(TaskState {
                name: name.to_string(),
                start_cond: conds.next().unwrap_or_default(),
                disabled: disabled.next_if(|at| **at == i).is_some(),
                running: running.next_if(|at| **at == i).is_some(),
                last: lasts
                    .next_if(|(at, _, _)| *at == i)
                    .map(|(_, action, at)| (*action, *at)),
            });
        }
        states
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_list_reads_back_each_task_with_its_own_start_condition() {
        use chrono::TimeZone;
        let parse = |text| Arc::new(redengine_conditions::parse(text).unwrap());
        let (daily, hourly) = (parse("daily"), parse("every 1 hour"));
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap();
        let long = "n".repeat(300);
        let mut list = Published::default();
        for _ in 0..2 {
            list.clear();
            list.reserve(5, 305);
            list.push("a", &daily, false, false, None);
            list.push("bb", &daily, true, false, Some((Action::Run, at)));
            list.push("c", &hourly, false, true, None);
            list.push(&long, &daily, false, false, None);
            list.push("", &daily, true, true, Some((Action::Success, at)));
        }
        let got: Vec<_> = list
            .states()
            .into_iter()
            .map(|t| (t.name, t.start_cond, t.disabled, t.running, t.last))
            .collect();
        let want = [
            ("a", "daily", false, false, None),
            ("bb", "daily", true, false, Some((Action::Run, at))),
            ("c", "every 1 hour", false, true, None),
            (long.as_str(), "daily", false, false, None),
            ("", "daily", true, true, Some((Action::Success, at))),
        ]
        .map(|(n, c, d, r, l)| (n.to_string(), c.to_string(), d, r, l));
        assert_eq!(got, want);
        // Neighbours sharing a condition keep it once; only tasks with a record keep one;
        // a name below 128 bytes takes one byte for its length.
        assert_eq!((list.conds.len(), list.lasts.len()), (3, 2));
        assert_eq!(list.lens.len(), 6);
    }
}
