//! status: the snapshot the scheduler publishes for the status page, once per cycle
//! (docs/status.md). A cycle builds again only the tasks it changed — those with records
//! written since the last publish and those with runs in flight — and shares the rest
//! with the last snapshot, chunk by chunk, so a publish costs what changed, not the
//! number of tasks. The parts that cost a condition walk (next start, the `check`
//! explanation) are recomputed for every task at most every 250 ms while records are
//! written and at least once a second, and the parts that change only with the task are
//! shared between snapshots.

use super::Scheduler;

impl Scheduler<'_> {
    /// Publishes a snapshot for the status page, if the session has one.
    pub(super) fn publish_status(&mut self) {
        #[cfg(feature = "status")]
        if let Some(mut publisher) = self.status.take() {
            let snap = self.status_snapshot(&mut publisher);
            publisher.shared.slot.publish(snap);
            self.status = Some(publisher);
        }
    }
}

#[cfg(feature = "status")]
mod build {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use chrono::{DateTime, Utc};
    use redengine_conditions::{Action, Condition};

    use super::super::resolver::CondResolver;
    use super::Scheduler;
    use crate::ignite::Prepared;
    use crate::next::next_start;
    use crate::status::snapshot::CHUNK;
    use crate::status::{
        Last, Outlook, Publisher, RetryStatus, RunStatus, Snapshot, TaskFixed, TaskStatus, Tasks,
    };

    /// How often the next starts and explanations are recomputed at most, when the log
    /// has new records (a busy scheduler writes records in most cycles).
    pub(super) const RECORDS_EVERY: Duration = Duration::from_millis(250);
    /// How often they are recomputed anyway (a cycle that only time woke).
    const OUTLOOK_EVERY: Duration = Duration::from_secs(1);

    impl Scheduler<'_> {
        pub(in super::super) fn status_snapshot(&self, p: &mut Publisher) -> Snapshot {
            let now = self.now();
            let age = p.refreshed.map(|t| t.elapsed());
            let changed = p.seen.len() != self.tasks.len()
                || self
                    .tasks
                    .iter()
                    .zip(&p.seen)
                    .any(|(t, (flags, start))| t.flags != *flags || *t.start != *start);
            let records = self.history.len() != p.records;
            let stale = match age {
                None => true,
                Some(age) => changed || age >= OUTLOOK_EVERY || (records && age >= RECORDS_EVERY),
            };
            if stale {
                p.seen = self
                    .tasks
                    .iter()
                    .map(|t| (t.flags, (*t.start).clone()))
                    .collect();
                p.records = self.history.len();
                p.fixed = self
                    .tasks
                    .iter()
                    .map(|t| Arc::new(fixed(t, &t.zone.to_string())))
                    .collect();
                let params = self.s.control.params();
                let resolver = CondResolver::new(&params, &self.s.conditions);
                p.outlook = (0..self.tasks.len())
                    .map(|i| Arc::new(self.outlook(i, now, &resolver)))
                    .collect();
                p.refreshed = Some(Instant::now());
            }
            let touched = std::mem::take(
                &mut *p
                    .shared
                    .touched
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            // Records that did not come through the session's store (or a pruned history)
            // leave no trace of which tasks they touched: build every task then.
            let unseen = self.history.len() != p.history_len + touched.len();
            let running = self.running.tasks();
            if stale || unseen || p.tasks.chunks.len() != self.tasks.len().div_ceil(CHUNK) {
                p.index = self
                    .tasks
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| !t.retired)
                    .map(|(i, t)| (t.name.to_string(), i))
                    .collect();
                p.tasks = Tasks {
                    chunks: (0..self.tasks.len())
                        .step_by(CHUNK)
                        .map(|from| {
                            let to = (from + CHUNK).min(self.tasks.len());
                            Arc::new((from..to).map(|i| self.task_status(p, i, now)).collect())
                        })
                        .collect(),
                };
            } else {
                let mut changed: Vec<usize> = touched
                    .iter()
                    .filter_map(|name| p.index.get(name).copied())
                    .chain(running.iter().copied())
                    .chain(p.was_running.iter().copied())
                    .collect();
                changed.sort_unstable();
                changed.dedup();
                let mut at = 0;
                while at < changed.len() {
                    let chunk = changed[at] / CHUNK;
                    let mut places = (*p.tasks.chunks[chunk]).clone();
                    while at < changed.len() && changed[at] / CHUNK == chunk {
                        let i = changed[at];
                        places[i % CHUNK] = self.task_status(p, i, now);
                        at += 1;
                    }
                    p.tasks.chunks[chunk] = Arc::new(places);
                }
            }
            p.was_running = running;
            p.history_len = self.history.len();
            Snapshot {
                at: now,
                started: Some(self.started),
                cycles: self.cycles,
                zone: self.s.zone.to_string(),
                log: self.s.store.describe(),
                live: true,
                on_hold: self.s.control.on_hold.load(Ordering::SeqCst),
                tasks: p.tasks.clone(),
            }
        }

        /// Task `i`'s status now; `None` for a removed task.
        fn task_status(&self, p: &Publisher, i: usize, now: DateTime<Utc>) -> Option<TaskStatus> {
            let t = &self.tasks[i];
            (!t.retired).then(|| TaskStatus {
                fixed: Arc::clone(&p.fixed[i]),
                last: self.history.last_record(&t.name).map(|(action, at)| Last {
                    action: action.as_str(),
                    at,
                }),
                last_success: self.history.last(&t.name, Action::Success),
                running: self
                    .running
                    .of(i)
                    .iter()
                    .map(|r| RunStatus {
                        start: r.start,
                        elapsed: (now - r.start).as_seconds_f64().max(0.0),
                        attempt: r.attempt,
                    })
                    .collect(),
                retry: self.retries.next(&t.name).map(|r| RetryStatus {
                    attempt: r.attempt,
                    of: t.retry.attempts(),
                    at: r.due,
                }),
                outlook: Arc::clone(&p.outlook[i]),
            })
        }

        /// Task `i`'s next start and `check` explanation at `now`.
        fn outlook(&self, i: usize, now: DateTime<Utc>, resolver: &CondResolver<'_>) -> Outlook {
            let t = &self.tasks[i];
            let ctx = self.context(now, t.zone, resolver).with_owner(&t.name);
            let explanation = t.start.explain(&ctx);
            let lines = explanation
                .to_string()
                .lines()
                .map(str::to_string)
                .collect();
            let special = special(t);
            let next = match special {
                Some(text) => (text.to_string(), None),
                None => {
                    let next = next_start(&t.start, now, |at| {
                        self.context(at, t.zone, resolver).with_owner(&t.name)
                    });
                    let at = match &next {
                        crate::next::NextStart::At(at) => Some(*at),
                        crate::next::NextStart::Now => Some(now),
                        _ => None,
                    };
                    (
                        next.describe(|at| {
                            t.zone.to_local(at).format("%Y-%m-%d %H:%M:%S").to_string()
                        }),
                        at,
                    )
                }
            };
            let verdict = if self.running.count(i) > 0 {
                "running now".to_string()
            } else if let Some(r) = self.retries.next(&t.name) {
                format!(
                    "would not start: a retry (attempt {} of {}) waits until {}",
                    r.attempt,
                    t.retry.attempts(),
                    r.due.format("%Y-%m-%d %H:%M:%S")
                )
            } else if let Some(text) = special {
                format!("would not start by its start_cond: {text}")
            } else {
                match &explanation.value {
                    Ok(true) => "would start: its start_cond is true".to_string(),
                    Ok(false) => "would not start: its start_cond is false".to_string(),
                    Err(e) => format!("would not start: its start_cond cannot be evaluated: {e}"),
                }
            };
            Outlook {
                next_start: next.0,
                next_start_at: next.1,
                verdict,
                explanation: lines,
            }
        }
    }

    /// The next start of a task its condition does not launch, as `list` says it.
    fn special(t: &Prepared) -> Option<&'static str> {
        let f = t.flags;
        if f.on_startup {
            Some("at start-up")
        } else if f.on_shutdown {
            Some("at shutdown")
        } else if f.disabled {
            Some("never (disabled)")
        } else if matches!(*t.start, Condition::False) {
            Some("never (start_cond is false)")
        } else {
            None
        }
    }

    fn fixed(t: &Prepared, zone: &str) -> TaskFixed {
        let f = t.flags;
        let flags = [
            (f.disabled, "disabled"),
            (f.force_run, "force_run"),
            (f.on_startup, "on_startup"),
            (f.on_shutdown, "on_shutdown"),
            (f.permanent, "permanent"),
        ]
        .iter()
        .filter_map(|(on, name)| on.then_some(*name))
        .collect();
        TaskFixed {
            name: t.name.to_string(),
            kind: t.body.kind_name().to_string(),
            describe: t.body.describe(),
            execution: t.execution.to_string(),
            task_zone: zone.to_string(),
            priority: t.priority,
            flags,
            start_cond: t.start.to_string(),
            end_cond: t.end.to_string(),
        }
    }
}
