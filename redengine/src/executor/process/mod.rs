//! The `process` executor (docs/runtime.md, "Executors"): each run re-executes the current binary as a
//! child that runs exactly that task and reports back over a private socket.
//!
//! Launch never blocks the cycle: the scheduler spawns the child ([`mod@spawn`]) and goes on. A
//! waiter thread per run ([`waiter`]) sends the request, reads the reply and the child's
//! stderr, hands the result to the scheduler's event channel (which wakes the loop at
//! once) as soon as the child replied, and reaps the child. Termination (timeout,
//! `end_cond`, manual, shutdown) is wired to the run's [`TerminationFlag`]: setting it
//! signals the child's whole process group ([`group`]).
//!
//! The child side lives with the program's entry points (`entry/child.rs`: a child is a
//! way the program starts); the protocol in [`wire`].

pub(crate) mod group;
mod spawn;
mod stderr;
mod waiter;
pub(crate) mod wire;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use self::group::Group;
use self::stderr::Stderr;
use self::waiter::Waiter;
use self::wire::{ArgSource, Request, WireArg};
use super::job::{Dispatch, Done, Executor, Job, JobArg};
use crate::context::{ArgValue, TerminationFlag};
use crate::value::TypeInfo;

pub(crate) use self::group::KILL_GRACE;

use crate::task_env::{in_task_child, TASK_ENV};

static NEXT_CHILD_RUN: AtomicU64 = AtomicU64::new(1);

/// Requests up to this size are written before the child starts: far below any socket
/// buffer, so the write never waits for the child.
const PREWRITE: usize = 16 * 1024;

/// Runs each job in a child process.
pub(super) struct Process;

impl Executor for Process {
    fn dispatch(&self, job: Job, done: Done) -> Dispatch {
        if in_task_child() {
            return Dispatch::Failed(format!(
                "task '{}' uses execution `process`, but this process is itself a process \
                 child ({TASK_ENV} is set) and never schedules; run the session from the \
                 scheduler process",
                job.info.name
            ));
        }
        if !crate::procctl::serves_children() {
            return Dispatch::Failed(format!(
                "task '{}' uses execution `process`, but this binary's `main` does not run \
                 process children: use `#[redengine::main]`, or call \
                 `redengine::run_child_if_requested(session)` first thing in your own `main`; \
                 or set `execution = \"thread\"` on the task (or the session's \
                 `task_execution`)",
                job.info.name
            ));
        }
        let run = NEXT_CHILD_RUN.fetch_add(1, Ordering::Relaxed);
        let request = match request(&job, run) {
            Ok(request) => request,
            Err(text) => return Dispatch::Failed(text),
        };
        match spawn(job, run, request, done) {
            Ok(()) => Dispatch::Started,
            Err(text) => Dispatch::Failed(text),
        }
    }
}

/// The request line for `job`; a value that cannot be encoded is a pre-run failure.
pub(crate) fn request(job: &Job, run: u64) -> Result<String, String> {
    let mut args = Vec::with_capacity(job.args.len());
    for (i, (name, arg)) in job.args.iter().enumerate() {
        let ty = job.types.get(i).copied().unwrap_or(TypeInfo::of::<()>());
        let encode = |value: &crate::value::Value| -> Result<String, String> {
            // The declared type's codec, else the value's own (a serializable value).
            let Some(codec) = ty.codec().or_else(|| value.type_info().codec()) else {
                return Err(format!(
                    "task '{}' runs as a process, but its parameter `{name}` has type `{}`, \
                     which cannot be sent to a child process; derive `serde::Serialize` and \
                     `serde::Deserialize` for it (writing `execution = \"process\"` on \
                     `#[task]` makes the compiler check this), or run the task with \
                     `execution = \"thread\"`",
                    job.info.name,
                    ty.name()
                ));
            };
            codec.encode(value).map_err(|e| {
                format!(
                    "task '{}': parameter `{name}` could not be sent to the child process: {e}",
                    job.info.name
                )
            })
        };
        let source = match arg {
            JobArg::Ready(ArgValue::Value(v)) if v.type_info().is::<TerminationFlag>() => {
                ArgSource::Flag
            }
            JobArg::Ready(ArgValue::Value(v)) => ArgSource::Value(encode(v)?),
            JobArg::Ready(ArgValue::Return(None)) => ArgSource::Return(None),
            JobArg::Ready(ArgValue::Return(Some(v))) => ArgSource::Return(Some(encode(v)?)),
            JobArg::Call(..) => ArgSource::Call,
            JobArg::Missing => ArgSource::Missing,
        };
        args.push(WireArg {
            name: name.clone(),
            source,
        });
    }
    wire::to_line(&Request {
        version: wire::VERSION,
        task: job.info.name.to_string(),
        run,
        attempt: job.attempt,
        args,
    })
    .map_err(|e| {
        format!(
            "task '{}': cannot encode the run request: {e}",
            job.info.name
        )
    })
}

/// Starts the child and its waiter; returns once the child exists.
fn spawn(job: Job, run: u64, request: String, done: Done) -> Result<(), String> {
    let name = job.info.name.to_string();
    let (ours, theirs) = UnixStream::pair()
        .map_err(|e| format!("task '{name}': cannot create the child's channel: {e}"))?;
    // perfspeed: a small request goes into the socket's buffer now (it cannot block), so
    // the child reads it the moment it starts instead of after its waiter thread started;
    // a large one is written by the waiter, which may block until the child reads.
    let mut request = request.into_bytes();
    if request.len() <= PREWRITE {
        // What one write took is sent; the waiter sends the rest, if any.
        if let Ok(sent) = (&ours).write(&request) {
            request.drain(..sent.min(request.len()));
        }
    }
    let child = spawn::spawn(&OwnedFd::from(theirs), &name, run)?;
    let group = Group::new(u32::try_from(child.pid.as_raw()).unwrap_or(u32::MAX), &name);
    let stderr = Stderr::new(std::fs::File::from(child.stderr), &name);
    let watched = Arc::clone(&group);
    let kill_group = Arc::clone(&group);
    let name2 = name.clone();
    job.flag.on_set(move |reason| watched.terminate(reason));
    let waiter = Waiter {
        name,
        ours,
        request,
        pid: child.pid,
        group,
        stderr,
        flag: job.flag,
        clock: job.clock,
        returns: job.returns,
    };
    // perfspeed: a pooled thread, idle again before it reports, so the next run (of any
    // task) waits on it instead of a new thread.
    let spawned = crate::procctl::pool::run(
        crate::procctl::pool::Name::tagged("wait", &waiter.name),
        Box::new(move || waiter.wait(done)),
    );
    spawned.map_err(|e| {
        // Nobody could report or reap this child: do not leave it running.
        kill_group.kill_now();
        format!("task '{name2}': could not start the thread that waits for its child process: {e}")
    })
}
