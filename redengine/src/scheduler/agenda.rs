//! Which tasks a cycle looks at (docs/runtime.md, "The cycle"): a cycle costs what
//! changed, not what exists.
//!
//! A start condition that was false stays false until its `next_change` instant comes or
//! a record of a task it reads is written (`next_change` promises exactly that), so the
//! scheduler keeps such a task *quiet* — in a deadline queue, or waiting for an event —
//! and does not evaluate it again until then. Every other task is *pending*: evaluated at
//! its turn of the next cycle. Conditions that can change without telling anyone (custom
//! conditions, cycle counts, environment variables, parameters) are never quiet.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use redengine_conditions::{Condition, NextChange};

use super::resolver::CondResolver;
use super::Scheduler;
use crate::error::Result;
use crate::ignite::Prepared;

mod states;

use states::{State, States};

/// The deadline queue and the index from a task name to the tasks reading its records.
pub(super) struct Agenda {
    /// Off (`force_status_from_logs`, `run_tasks`): every task is evaluated every cycle.
    enabled: bool,
    /// The task list changed (start-up, a reload, a task managed through a handle):
    /// rebuild before the next cycle.
    stale: bool,
    state: States,
    pending: Bits,
    // perf (memory): a `u32` task index keeps a key at 16 bytes, not 24: with every task
    // quiet (a scheduler waiting for its next start) that is about a third of the tree.
    deadlines: BTreeSet<(DateTime<Utc>, u32)>,
    /// (hash of a task name, a task whose start condition reads its records), sorted: a
    /// task always reads its own (`daily`, `every`, its runs). 32-bit hashes rather than
    /// names keep it at 8 bytes a task; two names with one hash only wake a task
    /// needlessly. Each pair is one `u64` (see [`reader`]), which sorts as fast as a
    /// number does (a pair sorted at three times the cost, at every start-up).
    readers: Vec<u64>,
    /// Each task's name hash, by index: a record the scheduler writes for a task it knows
    /// the index of wakes its readers without hashing the name again.
    hashes: Vec<u32>,
    /// Tasks held by the `skip` misfire policy.
    held: Vec<usize>,
    /// audit: tasks a retry was made for ([`Agenda::wake`]): never idle, as a waiting
    /// retry launches whatever `disabled` and the start condition say. perfspeed: known
    /// here, the per-turn refresh takes nothing more than the tasks. Sorted, so a rebuild
    /// asks each task in a binary search, not a walk of every retried task.
    retried: Vec<u32>,
}

impl Agenda {
    pub(super) fn new(enabled: bool) -> Self {
        Agenda {
            enabled,
            stale: true,
            state: States::default(),
            pending: Bits::default(),
            deadlines: BTreeSet::new(),
            readers: Vec::new(),
            hashes: Vec::new(),
            held: Vec::new(),
            retried: Vec::new(),
        }
    }

    /// Whether cycles visit only the tasks the agenda names.
    pub(super) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Enabled and up to date with the task list: its queue and pending set are what
    /// the loop's wait reads.
    pub(super) fn current(&self) -> bool {
        self.enabled && !self.stale
    }

    /// The task list changed: everything is evaluated again at the next cycle.
    pub(super) fn invalidate(&mut self) {
        self.stale = true;
    }

    /// Rebuilds the index when the task list changed: every task pending (or idle).
    #[inline]
    pub(super) fn refresh(&mut self, tasks: &[Prepared]) {
        // perfspeed: asked before every turn; only this test is made there.
        if self.enabled && self.stale {
            self.rebuild(tasks);
        }
    }

    /// [`Agenda::refresh`]'s rebuild.
    fn rebuild(&mut self, tasks: &[Prepared]) {
        self.stale = false;
        self.pending.clear();
        self.deadlines.clear();
        self.readers.clear();
        self.hashes.clear();
        self.held.clear();
        self.state = States::with_capacity(tasks.len());
        self.readers.reserve_exact(tasks.len());
        self.hashes.reserve_exact(tasks.len());
        self.pending.reserve(tasks.len());
        let mut last: Option<(&Arc<Condition>, Vec<u32>)> = None;
        for (i, task) in tasks.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            // audit: a retry launches whatever `disabled` and the condition say.
            let idle = !task.retired
                && (task.flags.disabled
                    || task.flags.on_startup
                    || task.flags.on_shutdown
                    || super::never(&task.start))
                && self.retried.binary_search(&index).is_err();
            if idle {
                self.state.push(State::Idle);
            } else {
                self.state.push(State::Pending);
                self.pending.insert(i);
            }
            let hash = name_hash(&task.name);
            self.hashes.push(hash);
            self.readers.push(reader(hash, index));
            // perf (start-up): tasks sharing a start condition (one parse at ignite) share
            // its walk for the names it reads.
            if !last
                .as_ref()
                .is_some_and(|(c, _)| Arc::ptr_eq(c, &task.start))
            {
                let names = task.start.task_names().into_iter().map(name_hash).collect();
                last = Some((&task.start, names));
            }
            if let Some((_, hashes)) = &last {
                self.readers
                    .extend(hashes.iter().map(|&hash| reader(hash, index)));
            }
            if task.hold_until.is_some() {
                self.held.push(i);
            }
        }
        self.readers.sort_unstable();
        self.readers.dedup();
        self.readers.shrink_to_fit();
    }

    /// A record of `task` was written: the tasks reading it are evaluated again.
    pub(super) fn touch(&mut self, task: &str) {
        if !self.enabled || self.stale {
            return;
        }
        self.touch_hash(name_hash(task));
    }

    /// [`Agenda::touch`] for task `i`, named `task`.
    pub(super) fn touch_task(&mut self, i: usize, task: &str) {
        if !self.enabled || self.stale {
            return;
        }
        let hash = self.hashes.get(i).copied();
        self.touch_hash(hash.unwrap_or_else(|| name_hash(task)));
    }

    /// Wakes the quiet readers of the names with hash `hash`.
    fn touch_hash(&mut self, hash: u32) {
        let from = self.readers.partition_point(|&r| r >> 32 < u64::from(hash));
        for (h, i) in self.readers[from..].iter().map(|&r| (r >> 32, r as u32)) {
            if h != u64::from(hash) {
                break;
            }
            // perfspeed: a pending reader (a task due at every turn) is left as it is
            // without making its state's instant.
            if !self.state.is_quiet(i as usize) {
                continue;
            }
            if let Some(State::Quiet(at)) = self.state.get(i as usize) {
                if let Some(at) = at {
                    self.deadlines.remove(&(at, i));
                }
                self.state.set(i as usize, State::Pending);
                self.pending.insert(i as usize);
            }
        }
    }

    /// Task `i` is evaluated at its turn again, whatever its state: a retry of it waits,
    /// and launches at its time whatever its start condition and `disabled` say (an idle
    /// task, one that never launches from its condition, included). It stays so after a
    /// rebuild: a task that is not due costs its turn a few tests.
    pub(super) fn wake(&mut self, i: usize) {
        let Ok(index) = u32::try_from(i) else { return };
        if let Err(at) = self.retried.binary_search(&index) {
            self.retried.insert(at, index);
        }
        if !self.enabled || self.stale {
            return;
        }
        match self.state.get(i) {
            None | Some(State::Pending) => return,
            Some(State::Quiet(Some(at))) => {
                self.deadlines.remove(&(at, i as u32));
            }
            Some(_) => {}
        }
        self.state.set(i, State::Pending);
        self.pending.insert(i);
    }

    /// Task `i`'s start condition is false until `until` (`None`: until an event).
    pub(super) fn quiet(&mut self, i: usize, until: Option<DateTime<Utc>>) {
        // A task past the 4,294,967,295th stays pending: evaluated every cycle.
        let Ok(index) = u32::try_from(i) else { return };
        if self.state.get(i) != Some(State::Pending) {
            return;
        }
        self.pending.remove(i);
        self.state.set(i, State::Quiet(until));
        if let Some(at) = until {
            self.deadlines.insert((at, index));
        }
    }

    /// Moves the tasks whose deadline came by `now` back to pending.
    pub(super) fn ripen(&mut self, now: DateTime<Utc>) {
        while let Some(&(at, i)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            self.state.set(i as usize, State::Pending);
            self.pending.insert(i as usize);
        }
    }

    /// The first pending task at index `from` or later.
    pub(super) fn next_pending(&self, from: usize) -> Option<usize> {
        self.pending.next_from(from)
    }

    /// The pending tasks, in index order.
    pub(super) fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        let mut from = 0;
        std::iter::from_fn(move || {
            let i = self.pending.next_from(from)?;
            from = i + 1;
            Some(i)
        })
    }

    /// The quiet tasks with a deadline, earliest first.
    pub(super) fn deadlines(&self) -> impl Iterator<Item = (DateTime<Utc>, usize)> + '_ {
        self.deadlines.iter().map(|&(at, i)| (at, i as usize))
    }

    /// The tasks held by the `skip` misfire policy (their hold may have ended).
    pub(super) fn held(&self) -> &[usize] {
        &self.held
    }
}

// perf (memory): a bit per task rather than a `BTreeSet<usize>` node entry (about 20
// bytes a task with 10,000 tasks), and a count so that an idle cycle finds nothing
// pending without looking.
/// A set of task indices: one bit each, and how many are set.
#[derive(Default)]
struct Bits {
    words: Vec<u64>,
    count: usize,
}

impl Bits {
    fn clear(&mut self) {
        self.words.clear();
        self.count = 0;
    }

    /// Room for indices below `n`.
    fn reserve(&mut self, n: usize) {
        self.words
            .reserve_exact(n.div_ceil(64).saturating_sub(self.words.len()));
    }

    fn insert(&mut self, i: usize) {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        if self.words[w] & bit == 0 {
            self.words[w] |= bit;
            self.count += 1;
        }
    }

    fn remove(&mut self, i: usize) {
        let bit = 1u64 << (i % 64);
        if let Some(word) = self.words.get_mut(i / 64) {
            if *word & bit != 0 {
                *word &= !bit;
                self.count -= 1;
            }
        }
    }

    /// The smallest index in the set at `from` or above.
    fn next_from(&self, from: usize) -> Option<usize> {
        if self.count == 0 {
            return None;
        }
        let mut w = from / 64;
        let mut word = self.words.get(w)? & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
            w += 1;
            word = *self.words.get(w)?;
        }
    }
}

/// A readers entry: the name's hash above, the reading task below, so the order of the
/// numbers is the order of the pairs.
fn reader(hash: u32, task: u32) -> u64 {
    u64::from(hash) << 32 | u64::from(task)
}

/// A task name's hash: the history's FNV-1a, its halves folded into 32 bits.
fn name_hash(name: &str) -> u32 {
    use std::hash::Hasher;
    let mut fnv = redengine_conditions::NameHasher::default();
    fnv.write(name.as_bytes());
    let hash = fnv.finish();
    (hash ^ hash >> 32) as u32
}

impl Scheduler<'_> {
    /// Evaluates task `i`'s start condition at its turn; a false one that can tell when
    /// it may turn true goes quiet until then (or until a record it reads is written).
    ///
    /// perfspeed: the check is made where it is asked; only a task going quiet pays for
    /// the call that works out until when.
    #[inline]
    pub(super) fn check_start(&mut self, i: usize) -> Result<bool> {
        let task = &self.tasks[i];
        let value = self.check_or_silenced(&task.start, Some(task), "start_cond")?;
        if value != Some(false) || !self.agenda.current() || task.start.is_polled() {
            return Ok(value.unwrap_or(false));
        }
        self.go_quiet(i)
    }

    /// Task `i`'s start condition was false: it goes quiet until its next change (or
    /// stays pending when that is the next cycle). Always false.
    #[inline(never)]
    fn go_quiet(&mut self, i: usize) -> Result<bool> {
        let task = &self.tasks[i];
        // The same instant the loop's wait would compute for it (zones: on its own
        // zone's wall clock).
        // audit: the instant the check just read (the latest the scheduler has seen), not
        // a new reading: a window that opened since the check would otherwise be taken as
        // open, and the task kept quiet until it closes, never evaluated while it is open.
        let now = self.seen.get();
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let ctx = self
            .context(now, task.zone, &resolver)
            .with_owner(&task.name);
        let hold = task.hold_until.filter(|until| *until > now);
        let until = match task.start.next_change(&ctx) {
            NextChange::At(at) => Some(hold.map_or(at, |h| h.min(at))),
            NextChange::OnEvent => hold,
            NextChange::NextCycle => return Ok(false),
        };
        drop(params);
        self.agenda.quiet(i, until);
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::{reader, Agenda, Bits};
    use crate::session::Session;
    use crate::task::Task;

    #[test]
    fn every_task_sharing_a_condition_wakes_for_the_task_it_reads() {
        let task = |name: &str, cond: &str| Task::builder(name).start_cond(cond).run(|_| ());
        let session = Session::builder()
            .log_memory()
            .with_tasks([
                task("a", "after task 'c' succeeded"),
                task("b", "after task 'c' succeeded"),
                task("c", "daily"),
                task("d", "after task 'a' succeeded"),
            ])
            .build()
            .unwrap();
        let plan = crate::ignite::ignite(&session, crate::ignite::Mode::Check).unwrap();
        assert!(std::sync::Arc::ptr_eq(
            &plan.tasks[0].start,
            &plan.tasks[1].start
        ));
        let mut agenda = Agenda::new(true);
        agenda.refresh(&plan.tasks);
        for i in 0..4 {
            agenda.quiet(i, None);
        }
        assert_eq!(agenda.pending().count(), 0);
        agenda.touch("c");
        // `a` and `b` read `c`; `c` reads its own records.
        assert_eq!(agenda.pending().collect::<Vec<_>>(), [0, 1, 2]);
        // By index, the same tasks wake (a pending one stays as it is).
        agenda.quiet(0, None);
        agenda.quiet(1, Some(chrono::DateTime::UNIX_EPOCH));
        agenda.touch_task(2, "c");
        assert_eq!(agenda.pending().collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(agenda.deadlines().count(), 0);
        agenda.quiet(3, None);
        agenda.touch_task(0, "a");
        assert_eq!(agenda.pending().collect::<Vec<_>>(), [0, 1, 2, 3]);
    }

    #[test]
    fn readers_sort_as_their_pairs() {
        let pairs = [(7, 1), (3, 9), (7, 0), (u32::MAX, 2), (3, u32::MAX)];
        let mut packed: Vec<u64> = pairs.iter().map(|&(h, i)| reader(h, i)).collect();
        packed.sort_unstable();
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable();
        let unpacked: Vec<(u32, u32)> = packed
            .iter()
            .map(|&r| ((r >> 32) as u32, r as u32))
            .collect();
        assert_eq!(unpacked, sorted);
    }

    #[test]
    fn bits_find_the_next_index_across_words() {
        let mut bits = Bits::default();
        assert_eq!(bits.next_from(0), None);
        for i in [3, 64, 130, 200] {
            bits.insert(i);
        }
        bits.insert(64);
        assert_eq!(bits.count, 4);
        assert_eq!(bits.next_from(0), Some(3));
        assert_eq!(bits.next_from(4), Some(64));
        assert_eq!(bits.next_from(65), Some(130));
        assert_eq!(bits.next_from(201), None);
        assert_eq!(bits.next_from(10_000), None);
        bits.remove(130);
        bits.remove(131);
        assert_eq!(bits.count, 3);
        assert_eq!(bits.next_from(65), Some(200));
        bits.clear();
        assert_eq!(bits.next_from(0), None);
    }
}
