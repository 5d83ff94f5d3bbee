//! The desk between handles and the loop: the loop takes the changes handles left there
//! once per turn, answers who waits, and publishes the task list handles read.

use std::sync::MutexGuard;

use crossbeam_channel::Sender;

use super::TARGET;
use crate::handle::{Desk, Published, Request, TaskState};
use crate::scheduler::Scheduler;

/// A `tasks()` caller waiting for the next published list.
type Watcher = Sender<Vec<TaskState>>;

impl Scheduler<'_> {
    /// The loop takes changes from now on; changes asked on this thread are queued.
    pub(in crate::scheduler) fn open_desk(&self) {
        let mut desk = self.s.control.desk();
        desk.live = true;
        desk.loop_thread = Some(std::thread::current().id());
    }

    /// The loop takes no more changes: those already asked are applied (the session keeps
    /// them for a restart or the next `run()`); one asked while this closes is refused if
    /// its caller waits, else left for the next `run()`. The last task list stays published.
    pub(in crate::scheduler) fn close_desk(&mut self) {
        // The list is published below: the changes taken here need not publish it first.
        self.take_changes(false);
        let mut desk = self.s.control.desk();
        desk.live = false;
        desk.loop_thread = None;
        let watchers = std::mem::take(&mut desk.watchers);
        let (answered, queued): (Vec<Request>, Vec<Request>) = std::mem::take(&mut desk.pending)
            .into_iter()
            .partition(|r| r.reply.is_some());
        desk.pending = queued;
        self.publish_and_answer(desk, watchers);
        for request in answered {
            if let Some(reply) = request.reply {
                let _ = reply.send(Err(request.change.refused_because(
                    "the scheduler stopped before it took the change".to_string(),
                )));
            }
        }
    }

    /// Takes the changes handles left since the last turn and applies them in order, each
    /// answered (or, with nobody waiting, logged if refused); answers `tasks()` callers.
    /// `publish` also publishes the task list when nothing was asked.
    pub(in crate::scheduler) fn take_changes(&mut self, publish: bool) {
        let (requests, watchers) = {
            let mut desk = self.s.control.desk();
            if desk.pending.is_empty() && desk.watchers.is_empty() && !publish {
                return;
            }
            (
                std::mem::take(&mut desk.pending),
                std::mem::take(&mut desk.watchers),
            )
        };
        for Request { change, reply, .. } in requests {
            let result = self.apply(&change);
            match (&result, &reply) {
                (Ok(done), _) => {
                    ::log::info!(target: TARGET, "{done}");
                    self.dirty = true;
                }
                (Err(e), None) => ::log::error!(target: TARGET, "{e}"),
                (Err(_), Some(_)) => {}
            }
            if let Some(reply) = reply {
                let _ = reply.send(result.map(|_| ()));
            }
        }
        self.publish_and_answer(self.s.control.desk(), watchers);
    }

    /// Publishes the task list on `desk`, then (with the desk let go) answers the
    /// `tasks()` callers in `watchers` with it.
    fn publish_and_answer(&self, mut desk: MutexGuard<'_, Desk>, watchers: Vec<Watcher>) {
        self.publish_to(&mut desk.tasks);
        let tasks = if watchers.is_empty() {
            Vec::new()
        } else {
            desk.tasks.states()
        };
        drop(desk);
        for watcher in watchers {
            let _ = watcher.send(tasks.clone());
        }
    }

    /// Publishes the task list as it is now (after shutdown: nothing runs any more).
    pub(in crate::scheduler) fn publish(&self) {
        self.publish_to(&mut self.s.control.desk().tasks);
    }

    /// Refills `list` with the live tasks and their state, in check order.
    fn publish_to(&self, list: &mut Published) {
        list.clear();
        // One pass for the room the list needs (tasks and their names' bytes).
        let (n, bytes) = self
            .tasks
            .iter()
            .filter(|t| !t.retired)
            .fold((0, 0), |(n, bytes), t| (n + 1, bytes + t.name.len()));
        list.reserve(n, bytes);
        // A fresh log (the first turn of a new program) has no record to look up, and
        // before any launch nothing runs.
        let records = !self.history.is_empty();
        let runs = !self.running.is_empty();
        for (i, t) in self.tasks.iter().enumerate().filter(|(_, t)| !t.retired) {
            list.push(
                &t.name,
                &t.start,
                t.flags.disabled,
                runs && self.running.contains_key(&i),
                records.then(|| self.history.last_record(&t.name)).flatten(),
            );
        }
    }
}
