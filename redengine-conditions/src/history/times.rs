//! One action's instants of one task, sorted: held inline while there is one.

// perf (memory): most tasks keep one record of an action (their last run, their last
// success), so an action's instants are held inline until there are two: a task's log is
// one 112-byte allocation, where six vectors made it 160 bytes plus one allocation per
// action it had.
/// One action's instants (µs since the epoch, UTC), sorted; reads as a slice.
#[derive(Debug, Clone, Default)]
pub(super) enum Times {
    #[default]
    None,
    One(i64),
    // The box keeps this variant at one pointer, so `Times` is 16 bytes (a `Vec` would
    // make it 32 for every action of every task).
    #[allow(clippy::box_collection)]
    Many(Box<Vec<i64>>),
}

impl Times {
    /// Adds `at` in order (after the instants equal to it).
    #[inline]
    pub(super) fn insert(&mut self, at: i64) {
        match self {
            Times::None => *self = Times::One(at),
            Times::One(t) => {
                let pair = if *t <= at { vec![*t, at] } else { vec![at, *t] };
                *self = Times::Many(Box::new(pair));
            }
            Times::Many(times) => match times.last() {
                Some(&newest) if newest > at => {
                    let index = times.partition_point(|&t| t <= at);
                    times.insert(index, at);
                }
                _ => times.push(at),
            },
        }
    }

    /// Drops the `n` oldest instants; at least one stays.
    pub(super) fn drop_oldest(&mut self, n: usize) {
        if let Times::Many(times) = self {
            let n = n.min(times.len().saturating_sub(1));
            times.drain(..n);
            if let [only] = times[..] {
                *self = Times::One(only);
            }
        }
    }
}

impl std::ops::Deref for Times {
    type Target = [i64];

    #[inline]
    fn deref(&self) -> &[i64] {
        match self {
            Times::None => &[],
            Times::One(t) => std::slice::from_ref(t),
            Times::Many(times) => times,
        }
    }
}
