//! The `worker` executor on the leader: a run of an `execution = "worker"` task is queued
//! in `redengine_queue` with the process executor's request line (parameters and
//! `Return` values encoded exactly as for a local process child), and a waiter thread
//! follows its row until a worker writes the child's reply back.
//!
//! The waiter wakes on `NOTIFY redengine_done` and polls as a fallback. Termination
//! (timeout, `end_cond`, manual, shutdown) marks the row `cancel`: a queued run is
//! dropped, a running one's process group is killed by its worker. A running row whose
//! lease expired (its worker stopped renewing it: killed, or cut off) ends the run as
//! [`Outcome::Crash`]: logged `crash`, then retried if its task says so.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::execution::job::{Dispatch, Done, Executor, Job};
use crate::execution::process::wire::Reply;
use crate::outcome::{JobResult, Outcome};
use crate::termination::TerminationFlag;
use crate::value::TypeInfo;

/// How often a waiter looks at its row when no notification came.
const POLL: Duration = Duration::from_millis(500);

static NEXT_QUEUED_RUN: AtomicU64 = AtomicU64::new(1);

/// Queues each job for the cluster's workers.
pub(crate) struct Queue;

/// A connection to the queue's database.
pub(crate) fn connect(url: &str, role: &str) -> Result<Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    config
        .application_name(&format!(
            "redengine {role} {}:{}",
            crate::cluster::host(),
            std::process::id()
        ))
        .connect_timeout(Duration::from_secs(10));
    config.connect(NoTls)
}

impl Executor for Queue {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        let name = job.info.name.clone();
        let Some((url, epoch)) = crate::log::queue_target() else {
            return Dispatch::Failed(format!(
                "task '{name}' uses execution `worker`, which queues its runs in the \
                 cluster's PostgreSQL log: run the scheduler on one (`log_postgres`, or \
                 `--log postgres://…`; docs/cluster.md), or choose another execution"
            ));
        };
        let run = NEXT_QUEUED_RUN.fetch_add(1, Ordering::Relaxed);
        let request = match crate::execution::process::request(&job, run) {
            Ok(request) => request,
            Err(text) => return Dispatch::Failed(text),
        };
        let queued = (|| {
            let mut client = connect(&url, "queue")?;
            client.batch_execute("LISTEN redengine_done")?;
            // Fencing: only while this node's leadership epoch is the current one (the
            // share lock orders it against a new leader's increment).
            let id: Option<i64> = client
                .query_opt(
                    "INSERT INTO redengine_queue (task, request, epoch) \
                     SELECT $1, $2, l.epoch FROM redengine_leadership l \
                     WHERE l.epoch = $3 FOR SHARE OF l RETURNING id",
                    &[&name, &request, &epoch],
                )?
                .map(|r| r.get(0));
            if let Some(id) = id {
                client.execute(
                    "SELECT pg_notify('redengine_queue', $1)",
                    &[&id.to_string()],
                )?;
            }
            Ok::<_, postgres::Error>((client, id))
        })();
        let (client, id) = match queued {
            Ok((client, Some(id))) => (client, id),
            Ok((_, None)) => {
                return Dispatch::Failed(format!(
                    "task '{name}': not queued, as another node took the leadership over \
                     (the leadership epoch moved past this node's {epoch})"
                ))
            }
            Err(e) => {
                return Dispatch::Failed(format!(
                    "task '{name}': cannot queue the run for a worker ({e})"
                ))
            }
        };
        let waiter = Waiter {
            name,
            id,
            flag: job.flag,
            returns: job.returns,
        };
        let spawned = std::thread::Builder::new()
            .name(format!("redengine:queue:{}", waiter.name))
            .spawn(move || done(waiter.wait(client)));
        match spawned {
            Ok(_) => Dispatch::Started,
            Err(e) => Dispatch::Failed(format!("cannot start the queue waiter thread: {e}")),
        }
    }
}

/// Follows one queued run.
struct Waiter {
    name: String,
    id: i64,
    flag: TerminationFlag,
    returns: TypeInfo,
}

impl Waiter {
    fn wait(self, mut client: Client) -> JobResult {
        let mut cancelled = false;
        loop {
            match self.look(&mut client, &mut cancelled) {
                Ok(Some(result)) => return result,
                Ok(None) => {}
                Err(e) => {
                    return self.ended(Outcome::Fail(format!(
                        "task '{}': lost track of its queued run {} ({e}); its worker may \
                         still run it",
                        self.name, self.id
                    )))
                }
            }
            // A notification (any run finished) or the poll interval, whichever first.
            let _ = client.notifications().timeout_iter(POLL).next();
        }
    }

    fn ended(&self, outcome: Outcome) -> JobResult {
        JobResult {
            outcome,
            prerun: false,
            end: Utc::now(),
        }
    }

    /// One look at the row: `Some` once the run ended.
    fn look(
        &self,
        client: &mut Client,
        cancelled: &mut bool,
    ) -> Result<Option<JobResult>, postgres::Error> {
        if self.flag.is_set() && !*cancelled {
            *cancelled = true;
            let dropped = client.execute(
                "UPDATE redengine_queue SET state = 'done', reply = NULL \
                 WHERE id = $1 AND state = 'queued'",
                &[&self.id],
            )?;
            if dropped == 1 {
                return Ok(Some(self.ended(Outcome::Terminated)));
            }
            client.execute(
                "UPDATE redengine_queue SET state = 'cancel' WHERE id = $1 AND state = 'running'",
                &[&self.id],
            )?;
        }
        let row = client.query_one(
            "SELECT state, reply, coalesce(lease_until < now(), false), coalesce(worker, '') \
             FROM redengine_queue WHERE id = $1",
            &[&self.id],
        )?;
        let state: String = row.get(0);
        let reply: Option<String> = row.get(1);
        let expired: bool = row.get(2);
        let worker: String = row.get(3);
        if state == "done" {
            return Ok(Some(self.reported(reply.as_deref())));
        }
        if (state == "running" || state == "cancel") && expired {
            // Nobody may finish it now: a late reply of that worker is ignored.
            client.execute(
                "UPDATE redengine_queue SET state = 'lost' WHERE id = $1",
                &[&self.id],
            )?;
            return Ok(Some(self.ended(Outcome::Crash(format!(
                "the worker {worker} running task '{}' stopped renewing its lease \
                 (killed, or cut off from the database); the run's outcome is unknown",
                self.name
            )))));
        }
        Ok(None)
    }

    /// The result the worker wrote back (the child's reply line).
    fn reported(&self, reply: Option<&str>) -> JobResult {
        let Some(reply) = reply.and_then(|r| serde_json::from_str::<Reply>(r).ok()) else {
            return self.ended(if self.flag.is_set() {
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
