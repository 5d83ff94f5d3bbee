//! The `worker` command: claims queued runs (`FOR UPDATE SKIP LOCKED`), runs each as a
//! process child of this binary exactly as the process executor does on the scheduler
//! (the same request line over the same private socket, the same process group, killed
//! on cancellation), and writes the child's reply back for the leader to record.
//!
//! A heartbeat thread renews the lease of every run this worker holds and its row in
//! `redengine_workers` every third of the lease, and kills the process group of a run the
//! leader cancelled. A worker that dies stops renewing: the leader ends its runs as
//! crashes once their lease expires, and no other worker ever claims them.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use super::queue::connect;
use crate::executor::process::group::{self, Group};
use crate::executor::process::wire::{self, Reply};
use crate::task_env::TASK_ENV;
use crate::termination::TerminationReason;

/// The runs this worker is executing: queue id → the child's process group.
type Running = Arc<Mutex<HashMap<i64, Arc<Group>>>>;

/// Runs the worker on the queue at `url` until killed: at most `max` runs at once.
pub(crate) fn run(url: &str, max: usize, lease: Duration) -> Result<(), String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        format!("`worker`: cannot {what} the PostgreSQL log ({e}): check that the server runs and accepts the URL")
    };
    crate::log::PostgresLog::new(url)
        .prepare()
        .map_err(|e| e.to_string())?;
    let name = format!("{}:{}", super::host(), std::process::id());
    let running: Running = Arc::default();
    let mut client = connect(url, "worker").map_err(|e| fail("connect to", &e))?;
    client
        .batch_execute("LISTEN redengine_queue")
        .map_err(|e| fail("listen on", &e))?;
    let beat = connect(url, "worker").map_err(|e| fail("connect to", &e))?;
    heartbeat(beat, name.clone(), lease, Arc::clone(&running), 0)
        .map_err(|e| fail("write to", &e))?;
    {
        let (name, running) = (name.clone(), Arc::clone(&running));
        let url = url.to_owned();
        std::thread::Builder::new()
            .name("redengine:worker:heartbeat".into())
            .spawn(move || {
                let mut beat = connect(&url, "worker").ok();
                loop {
                    std::thread::sleep(lease / 3);
                    let ok = beat.take().and_then(|c| {
                        heartbeat(c, name.clone(), lease, Arc::clone(&running), 1).ok()
                    });
                    beat = ok.or_else(|| connect(&url, "worker").ok());
                }
            })
            .map_err(|e| fail("start the heartbeat of", &e))?;
    }
    log::info!(
        target: "redengine::scheduler",
        "worker {name}: taking runs from the queue (at most {max} at once)"
    );
    let finisher = Arc::new(Mutex::new(
        connect(url, "worker").map_err(|e| fail("connect to", &e))?,
    ));
    // Claimed and not yet written back (the groups map fills only once a child exists).
    let busy_runs = Arc::new(AtomicUsize::new(0));
    // A run thread says here that it wrote its reply back: with every slot busy, the loop
    // waits on this, so a freed slot takes the next queued run at once (a poll would leave
    // the slot idle for the poll's interval after every run).
    let (freed, slot_freed) = crossbeam_channel::unbounded::<()>();
    loop {
        let busy = busy_runs.load(Ordering::SeqCst);
        let claimed = if busy < max {
            claim(&mut client, &name, lease).map_err(|e| fail("claim a run from", &e))?
        } else {
            None
        };
        match claimed {
            Some((id, task, request)) => {
                busy_runs.fetch_add(1, Ordering::SeqCst);
                let busy_runs = Arc::clone(&busy_runs);
                let (running, finisher) = (Arc::clone(&running), Arc::clone(&finisher));
                let name = name.clone();
                let freed = freed.clone();
                std::thread::Builder::new()
                    .name(format!("redengine:worker:{task}"))
                    .spawn(move || {
                        let reply = execute(id, &task, &request, &running);
                        running
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&id);
                        let mut c = finisher.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = c.execute(
                            "UPDATE redengine_queue SET state = 'done', reply = $1 \
                             WHERE id = $2 AND worker = $3 AND state IN ('running', 'cancel')",
                            &[&reply, &id, &name],
                        );
                        let _ =
                            c.execute("SELECT pg_notify('redengine_done', $1)", &[&id.to_string()]);
                        busy_runs.fetch_sub(1, Ordering::SeqCst);
                        let _ = freed.send(());
                    })
                    .map_err(|e| fail("start a run thread for", &e))?;
            }
            None if busy < max => {
                // Nothing queued: a new run's notification, or the poll interval.
                let _ = client.notifications().timeout_iter(lease / 5).next();
            }
            None => {
                // Every slot busy: until one of this worker's runs ends.
                let _ = slot_freed.recv_timeout(lease / 5);
            }
        }
    }
}

/// Claims the oldest queued run of the current leadership epoch: `(id, task, request)`.
/// A run queued by a superseded leader is never claimed (fencing: docs/cluster.md).
fn claim(
    client: &mut Client,
    name: &str,
    lease: Duration,
) -> Result<Option<(i64, String, String)>, postgres::Error> {
    let row = client.query_opt(
        "UPDATE redengine_queue SET state = 'running', worker = $1, runs = runs + 1, \
         lease_until = now() + $2 * interval '1 millisecond' \
         WHERE id = (SELECT id FROM redengine_queue WHERE state = 'queued' \
         AND epoch = (SELECT epoch FROM redengine_leadership) ORDER BY id \
         FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id, task, request",
        &[&name, &(lease.as_millis() as f64)],
    )?;
    Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// One heartbeat: renews this worker's row and its runs' leases, kills cancelled runs.
fn heartbeat(
    mut client: Client,
    name: String,
    lease: Duration,
    running: Running,
    _n: u32,
) -> Result<Client, postgres::Error> {
    let ms = lease.as_millis() as f64;
    client.execute(
        "INSERT INTO redengine_workers (name) VALUES ($1) \
         ON CONFLICT (name) DO UPDATE SET heartbeat = now()",
        &[&name],
    )?;
    client.execute(
        "UPDATE redengine_queue SET lease_until = now() + $2 * interval '1 millisecond' \
         WHERE worker = $1 AND state IN ('running', 'cancel')",
        &[&name, &ms],
    )?;
    let cancelled = client.query(
        "SELECT id FROM redengine_queue WHERE worker = $1 AND state = 'cancel'",
        &[&name],
    )?;
    let groups = running.lock().unwrap_or_else(|e| e.into_inner());
    for row in cancelled {
        if let Some(group) = groups.get(&row.get::<_, i64>(0)) {
            group.terminate(TerminationReason::Manual);
        }
    }
    Ok(client)
}

/// Runs `request` in a child of this binary; the reply line (one is made up when the
/// child reported none).
fn execute(id: i64, task: &str, request: &str, running: &Running) -> String {
    let failed = |text: String| wire::to_line(&Reply::failed(text, Utc::now())).unwrap_or_default();
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return failed(format!("the worker cannot find its executable: {e}")),
    };
    let (ours, theirs) = match UnixStream::pair() {
        Ok(pair) => pair,
        Err(e) => return failed(format!("the worker cannot create the child's channel: {e}")),
    };
    let spawned = Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .env(TASK_ENV, task)
        .env(wire::RUN_ENV, id.to_string())
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return failed(format!("the worker cannot start {}: {e}", exe.display())),
    };
    let group = Group::new(child.id(), task);
    running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, Arc::clone(&group));
    // One line: the request as queued, newline-terminated.
    let _ = (&ours).write_all(format!("{}\n", request.trim_end()).as_bytes());
    let mut line = String::new();
    let read = BufReader::new(&ours).read_line(&mut line);
    let status = child.wait();
    group.mark_reaped();
    match read {
        Ok(n) if n > 0 => line.trim_end().to_owned(),
        _ => {
            let how = match status {
                Ok(status) => group::describe(status),
                Err(e) => format!("could not be waited for ({e})"),
            };
            failed(format!(
                "the child process of task '{task}' {how} without reporting an outcome \
                 (on its worker)"
            ))
        }
    }
}
