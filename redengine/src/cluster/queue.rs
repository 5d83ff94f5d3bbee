//! The `worker` executor on the leader: a run of an `execution = "worker"` task is queued
//! in `redengine_queue` with the process executor's request line (parameters and
//! `Return` values encoded exactly as for a local process child), and the leader's one
//! follower thread watches its row until a worker writes the child's reply back.
//!
//! One connection queues every run and one follower follows them all: a connection per
//! run cost a server process start per run, and a waiter per run woke every waiter at
//! every finished run (each `NOTIFY` reaches every listener), so the leader slowed down
//! as more runs were in flight. The follower wakes on `NOTIFY redengine_done` (its
//! payload names the run) and polls every [`POLL`] as a fallback, for cancellations and
//! expired leases.
//!
//! Termination (timeout, `end_cond`, manual, shutdown) marks the row `cancel`: a queued
//! run is dropped, a running one's process group is killed by its worker. A running row
//! whose lease expired (its worker stopped renewing it: killed, or cut off) ends the run
//! as [`Outcome::Crash`]: logged `crash`, then retried if its task says so.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::Utc;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::executor::job::{Dispatch, Done, Executor, Job};
use crate::executor::process::wire::Reply;
use crate::outcome::{JobResult, Outcome};
use crate::termination::TerminationFlag;
use crate::value::TypeInfo;

/// How often the follower looks at every run it follows when no notification came.
const POLL: Duration = Duration::from_millis(200);

/// Queues each job for the cluster's workers.
pub(crate) struct Queue;

/// A connection to the queue's database.
pub(crate) fn connect(url: &str, role: &str) -> Result<Client, postgres::Error> {
    let mut config = crate::log::postgres_config(url)?;
    config
        .application_name(&format!(
            "redengine {role} {}:{}",
            crate::cluster::host(),
            std::process::id()
        ))
        .connect_timeout(Duration::from_secs(10));
    config.connect(NoTls)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The leader's side of the queue for one leadership (database and epoch).
struct Follower {
    url: String,
    epoch: i64,
    /// Queues runs, and wakes the follower when a run is terminated.
    writer: Mutex<Client>,
    /// The runs queued and not yet ended, by queue id.
    pending: Mutex<HashMap<i64, Waiter>>,
    /// Set when the follower's connection ended: the next run starts a new follower.
    broken: std::sync::atomic::AtomicBool,
}

/// The follower of the current leadership.
static FOLLOWER: Mutex<Option<Arc<Follower>>> = Mutex::new(None);

/// The follower for `url` in `epoch`, started on first use.
fn follower(url: &str, epoch: i64) -> Result<Arc<Follower>, postgres::Error> {
    let mut current = lock(&FOLLOWER);
    if let Some(f) = current.as_ref() {
        if f.url == url && f.epoch == epoch && !f.is_broken() {
            return Ok(Arc::clone(f));
        }
    }
    let writer = connect(url, "queue")?;
    let mut listener = connect(url, "queue")?;
    listener.batch_execute("LISTEN redengine_done")?;
    let f = Arc::new(Follower {
        url: url.to_owned(),
        epoch,
        writer: Mutex::new(writer),
        pending: Mutex::new(HashMap::new()),
        broken: std::sync::atomic::AtomicBool::new(false),
    });
    let follow = Arc::clone(&f);
    std::thread::Builder::new()
        .name("redengine:queue".into())
        .spawn(move || follow.run(listener))
        .map_err(|e| {
            log::error!(target: "redengine::scheduler", "cannot start the queue follower: {e}");
        })
        .ok();
    *current = Some(Arc::clone(&f));
    Ok(f)
}

impl Executor for Queue {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        let name = job.info.name.to_string();
        let Some((url, epoch)) = crate::log::queue_target() else {
            return Dispatch::Failed(format!(
                "task '{name}' uses execution `worker`, which queues its runs in the \
                 cluster's PostgreSQL log: run the scheduler on one (`log_postgres`, or \
                 `--log postgres://…`; docs/cluster.md), or choose another execution"
            ));
        };
        let cannot = |e: postgres::Error| {
            Dispatch::Failed(format!(
                "task '{name}': cannot queue the run for a worker ({e})"
            ))
        };
        let f = match follower(&url, epoch) {
            Ok(f) => f,
            Err(e) => return cannot(e),
        };
        let flag = job.flag.clone();
        let waiter = Waiter {
            name: name.clone(),
            flag: job.flag.clone(),
            returns: job.returns,
            done,
            cancelled: false,
        };
        // The waiter is registered before its row can end: the follower cannot see the
        // run's notification before it knows the run.
        let queued = {
            let mut pending = lock(&f.pending);
            let queued = f.queue(&job, epoch);
            if let Ok(Some(id)) = queued {
                pending.insert(id, waiter);
            }
            queued
        };
        match queued {
            Ok(Some(id)) => {
                // A termination wakes the follower at once instead of at its next poll.
                let f = Arc::clone(&f);
                flag.on_set(move |_| f.wake(id));
                Dispatch::Started
            }
            Ok(None) => Dispatch::Failed(format!(
                "task '{name}': not queued, as another node took the leadership over \
                 (the leadership epoch moved past this node's {epoch})"
            )),
            Err(QueueError::Request(text)) => Dispatch::Failed(text),
            Err(QueueError::Db(e)) => {
                f.broken.store(true, std::sync::atomic::Ordering::SeqCst);
                cannot(e)
            }
        }
    }
}

/// Why a run was not queued.
enum QueueError {
    Request(String),
    Db(postgres::Error),
}

impl Follower {
    fn is_broken(&self) -> bool {
        self.broken.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Queues `job`'s run: its id, or `None` when `epoch` is no longer the current one.
    fn queue(&self, job: &Job, epoch: i64) -> Result<Option<i64>, QueueError> {
        static NEXT_QUEUED_RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let run = NEXT_QUEUED_RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request = crate::executor::process::request(job, run).map_err(QueueError::Request)?;
        let mut client = lock(&self.writer);
        // Fencing: only while this node's leadership epoch is the current one (the
        // share lock orders it against a new leader's increment).
        let id: Option<i64> = client
            .query_opt(
                "INSERT INTO redengine_queue (task, request, epoch) \
                 SELECT $1, $2, l.epoch FROM redengine_leadership l \
                 WHERE l.epoch = $3 FOR SHARE OF l RETURNING id",
                &[&job.info.name.as_str(), &request, &epoch],
            )
            .map_err(QueueError::Db)?
            .map(|r| r.get(0));
        if let Some(id) = id {
            client
                .execute(
                    "SELECT pg_notify('redengine_queue', $1)",
                    &[&id.to_string()],
                )
                .map_err(QueueError::Db)?;
        }
        Ok(id)
    }

    /// Wakes the follower for run `id` (it was terminated).
    fn wake(&self, id: i64) {
        let _ = lock(&self.writer)
            .execute("SELECT pg_notify('redengine_done', $1)", &[&id.to_string()]);
    }

    /// The follower thread: until its connection ends, or it was replaced and follows
    /// nothing more.
    fn run(self: Arc<Self>, mut client: Client) {
        let mut full = std::time::Instant::now();
        loop {
            let mut woken: Vec<i64> = Vec::new();
            let first = client.notifications().timeout_iter(POLL).next();
            let got = first.and_then(|n| {
                woken.extend(n.and_then(|n| n.payload().parse::<i64>().ok()));
                // Whatever else already arrived, without waiting.
                let mut notes = client.notifications();
                let mut more = notes.iter();
                while let Some(n) = more.next()? {
                    woken.extend(n.payload().parse::<i64>().ok());
                }
                Ok(())
            });
            // Every run, at least every POLL: cancellations, expired leases, and a
            // notification that never came.
            let polled = full.elapsed() >= POLL;
            if polled {
                full = std::time::Instant::now();
            }
            let ids: Vec<i64> = {
                let pending = lock(&self.pending);
                if pending.is_empty() && got.is_ok() {
                    let replaced = !lock(&FOLLOWER)
                        .as_ref()
                        .is_some_and(|f| Arc::ptr_eq(f, &self));
                    if replaced {
                        return;
                    }
                    continue;
                }
                pending
                    .iter()
                    .filter(|(id, w)| {
                        polled || woken.contains(id) || (w.flag.is_set() && !w.cancelled)
                    })
                    .map(|(id, _)| *id)
                    .collect()
            };
            if let Err(e) = got.and_then(|()| self.look(&mut client, &ids)) {
                self.broken.store(true, std::sync::atomic::Ordering::SeqCst);
                let lost: Vec<(i64, Waiter)> = lock(&self.pending).drain().collect();
                for (id, w) in lost {
                    let text = format!(
                        "task '{}': lost track of its queued run {id} ({e}); its worker may \
                         still run it",
                        w.name
                    );
                    (w.done)(ended(Outcome::Fail(text)));
                }
                return;
            }
        }
    }

    /// One look at the rows of runs `ids`: ends those that ended, cancels those whose
    /// flag is set.
    fn look(&self, client: &mut Client, ids: &[i64]) -> Result<(), postgres::Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let cancel: Vec<i64> = lock(&self.pending)
            .iter_mut()
            .filter(|(id, w)| ids.contains(id) && w.flag.is_set() && !w.cancelled)
            .map(|(id, w)| {
                w.cancelled = true;
                *id
            })
            .collect();
        for id in cancel {
            let dropped = client.execute(
                "UPDATE redengine_queue SET state = 'done', reply = NULL \
                 WHERE id = $1 AND state = 'queued'",
                &[&id],
            )?;
            if dropped == 1 {
                self.end(id, |_| ended(Outcome::Terminated));
                continue;
            }
            client.execute(
                "UPDATE redengine_queue SET state = 'cancel' WHERE id = $1 AND state = 'running'",
                &[&id],
            )?;
        }
        let rows = client.query(
            "SELECT id, state, reply, coalesce(lease_until < now(), false), \
             coalesce(worker, '') FROM redengine_queue WHERE id = ANY($1)",
            &[&ids],
        )?;
        for row in rows {
            let id: i64 = row.get(0);
            let state: String = row.get(1);
            let reply: Option<String> = row.get(2);
            let expired: bool = row.get(3);
            let worker: String = row.get(4);
            if state == "done" {
                self.end(id, |w| w.reported(reply.as_deref()));
            } else if (state == "running" || state == "cancel") && expired {
                // Nobody may finish it now: a late reply of that worker is ignored.
                client.execute(
                    "UPDATE redengine_queue SET state = 'lost' WHERE id = $1",
                    &[&id],
                )?;
                self.end(id, |w| {
                    ended(Outcome::Crash(format!(
                        "the worker {worker} running task '{}' stopped renewing its lease \
                         (killed, or cut off from the database); the run's outcome is unknown",
                        w.name
                    )))
                });
            }
        }
        Ok(())
    }

    /// Ends run `id` with the result `result` makes of its waiter.
    fn end(&self, id: i64, result: impl FnOnce(&Waiter) -> JobResult) {
        let Some(w) = lock(&self.pending).remove(&id) else {
            return;
        };
        let r = result(&w);
        (w.done)(r);
    }
}

/// One queued run the follower follows.
struct Waiter {
    name: String,
    flag: TerminationFlag,
    returns: TypeInfo,
    done: Done,
    /// Its row was marked `cancel` (or dropped) already.
    cancelled: bool,
}

fn ended(outcome: Outcome) -> JobResult {
    JobResult {
        outcome,
        prerun: false,
        end: Utc::now(),
    }
}

impl Waiter {
    /// The result the worker wrote back (the child's reply line).
    fn reported(&self, reply: Option<&str>) -> JobResult {
        let Some(reply) = reply.and_then(|r| serde_json::from_str::<Reply>(r).ok()) else {
            return ended(if self.flag.is_set() {
                Outcome::Terminated
            } else {
                Outcome::Fail(format!(
                    "task '{}': its worker wrote no readable outcome",
                    self.name
                ))
            });
        };
        reply.into_result(&self.name, self.returns, Utc::now())
    }
}
