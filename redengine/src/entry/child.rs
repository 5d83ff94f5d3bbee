//! The child side of the process executor: run exactly one task and report.
//!
//! The generated `main` (or `run_child_if_requested`)
//! comes here when `TASK_ENV` is set. The child builds the
//! session with the same function as the scheduler, ignites it (so task names resolve the
//! same way; only the requested task is prepared, and no condition is parsed, as a child
//! never evaluates one), never schedules, and runs the requested task like any executor
//! does: task-execute hooks, its `#[param]` functions, the body. Pre-run failures in here are
//! reported like the body's outcome. Only the scheduler writes the task log.
//!
//! If the scheduler dies, however it dies, the child notices (its channel is a
//! [`lifeline`]) and terminates its own process group: nothing the run started outlives
//! the scheduler.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

use chrono::Utc;

use crate::context::{ArgValue, TerminationFlag};
use crate::executor::job::{Job, JobArg};
use crate::executor::process::wire::{self, ArgSource, Reply, Request};
use crate::executor::process::KILL_GRACE;
use crate::params::SessionParam;
use crate::procctl::lifeline;
use crate::session::IntoSession;
use crate::session::Session;
use crate::task_env::TASK_ENV;
use crate::value::Value;

/// Exit code of a child that could not talk to its scheduler at all.
const NO_CHANNEL: u8 = 2;

/// Runs the task named by the environment and exits with 0 once it has reported.
pub(crate) fn serve<S: IntoSession>(make: fn() -> S) -> ExitCode {
    let channel = match lifeline::take_from_stdin() {
        Ok(channel) => channel,
        Err(e) => {
            eprintln!(
                "error: {TASK_ENV} is set, but this process was not started by a redengine \
                 scheduler ({e}); unset {TASK_ENV} to run the program normally"
            );
            return ExitCode::from(NO_CHANNEL);
        }
    };
    // Still single-threaded here. The task's own sub-processes must not look like
    // scheduler children (another redengine binary started by the task would be one).
    std::env::remove_var(TASK_ENV);
    std::env::remove_var(wire::RUN_ENV);
    crate::config::mark_process_child();
    let request = read_request(&channel);
    // The channel is also the lifeline: the scheduler sends nothing after the request and
    // keeps its end open until it reaped this process, so end of file means it is gone.
    let watch = lifeline::watch(&channel, KILL_GRACE);
    let reply = match request {
        Ok(request) => run(make, request),
        Err(reply) => reply,
    };
    let line = match wire::to_line(&reply) {
        Ok(line) => line,
        Err(e) => {
            let fallback = Reply::prerun(format!("cannot encode the outcome: {e}"), Utc::now());
            wire::to_line(&fallback).unwrap_or_default()
        }
    };
    // The reply ends the run for the scheduler: what the task printed is out before it, so
    // that the exit after it has nothing to write (a full pipe would block the exit).
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let written = (&channel).write_all(line.as_bytes());
    if let Ok(watch) = &watch {
        watch.settle();
    }
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot report to the scheduler: {e}");
            ExitCode::from(NO_CHANNEL)
        }
    }
}

/// Reads the run request; a failure is the reply to send.
fn read_request(channel: &UnixStream) -> Result<Request, Reply> {
    let mut line = String::new();
    if let Err(e) = BufReader::new(channel).read_line(&mut line) {
        return Err(Reply::prerun(
            format!("cannot read the run request: {e}"),
            Utc::now(),
        ));
    }
    let request: Request = serde_json::from_str(&line)
        .map_err(|e| Reply::prerun(format!("cannot read the run request: {e}"), Utc::now()))?;
    if request.version != wire::VERSION {
        return Err(Reply::prerun(
            format!(
                "the scheduler speaks protocol version {}, this child {}: rebuild both \
                 from the same source",
                request.version,
                wire::VERSION
            ),
            Utc::now(),
        ));
    }
    Ok(request)
}

/// Builds the session and runs the requested task; every failure becomes a reply.
fn run<S: IntoSession>(make: fn() -> S, request: Request) -> Reply {
    let session = match make().into_session() {
        Ok(session) => session,
        Err(e) => {
            return Reply::prerun(
                format!("the child process could not build the session: {e}"),
                Utc::now(),
            )
        }
    };
    install_logger();
    execute(&session, request)
}

/// Runs the requested task of `session`.
fn execute(session: &Session, request: Request) -> Reply {
    let now = || session.clock.now();
    // Only the requested task is prepared: the child's start-up does not grow with the
    // session's task count.
    let only = Some(request.task.as_str());
    let plan = match crate::ignite::ignite_only(session, crate::ignite::Mode::Child, only) {
        Ok(plan) => plan,
        Err(e) => {
            return Reply::prerun(
                format!("the child process's session does not ignite: {e}"),
                now(),
            )
        }
    };
    let Some(task) = plan.tasks.iter().find(|t| t.name == request.task) else {
        return Reply::prerun(
            format!(
                "task '{}' is not in the child process's session; the `#[redengine::main]` \
                 function must build the same session in every process (no side effects, \
                 nothing random)",
                request.task
            ),
            now(),
        );
    };
    let flag = TerminationFlag::new();
    let mut args = Vec::with_capacity(request.args.len());
    let mut types = Vec::with_capacity(request.args.len());
    for arg in request.args {
        let Some(planned) = task.args.iter().find(|a| a.name == arg.name) else {
            return Reply::prerun(
                format!(
                    "task '{}' in the child process has no parameter `{}`; rebuild the \
                     scheduler and the child from the same source",
                    task.name, arg.name
                ),
                now(),
            );
        };
        let decode = |json: &str| -> Result<Value, String> {
            let codec = planned.ty.codec().ok_or_else(|| {
                format!(
                    "parameter `{}` has type `{}`, which cannot be decoded in a child process",
                    arg.name,
                    planned.ty.name()
                )
            })?;
            codec
                .decode(json)
                .map_err(|e| format!("parameter `{}`: {e}", arg.name))
        };
        let value = match arg.source {
            ArgSource::Value(json) => decode(&json).map(|v| JobArg::Ready(ArgValue::Value(v))),
            ArgSource::Return(None) => Ok(JobArg::Ready(ArgValue::Return(None))),
            ArgSource::Return(Some(json)) => {
                decode(&json).map(|v| JobArg::Ready(ArgValue::Return(Some(v))))
            }
            ArgSource::Flag => Ok(JobArg::Ready(ArgValue::Value(Value::new(flag.clone())))),
            ArgSource::Missing => Ok(JobArg::Missing),
            ArgSource::Call => match session.control.params().get(&arg.name) {
                Some(SessionParam::Function(f)) => Ok(JobArg::Call(f.clone(), planned.ty)),
                _ => Err(format!(
                    "parameter function `{}` is not registered in the child process; \
                     register it the same way in every process (`#[param]` or \
                     `SessionBuilder::param_fn` in the `#[redengine::main]` function)",
                    arg.name
                )),
            },
        };
        match value {
            Ok(value) => args.push((arg.name, value)),
            Err(text) => return Reply::prerun(format!("task '{}': {text}", task.name), now()),
        }
        types.push(planned.ty);
    }
    let job = Job {
        info: task.info(),
        body: task.body.clone(),
        args,
        flag,
        hooks: session.hooks.task_execute.clone(),
        clock: session.clock.clone(),
        types,
        returns: task.returns(),
        session: None,
        run: request.run,
        attempt: request.attempt,
    };
    let result = job.execute();
    let value = match &result.outcome {
        crate::outcome::Outcome::Success(Some(value)) => match task.returns().codec() {
            Some(codec) => match codec.encode(value) {
                Ok(json) => Some(json),
                Err(e) => {
                    let text = format!(
                        "task '{}' succeeded, but its return value cannot be sent to the \
                         scheduler: {e}",
                        task.name
                    );
                    return Reply::failed(text, result.end);
                }
            },
            None => {
                ::log::warn!(
                    target: "redengine::scheduler",
                    "the return value of task '{}' (`{}`) is not serializable and stays in \
                     the child process; `Return(\"{}\")` bindings receive `None`",
                    task.name,
                    value.type_name(),
                    task.name
                );
                None
            }
        },
        _ => None,
    };
    Reply::new(&result, value)
}

/// Sends the child's `log` records to stderr (the scheduler forwards each line to its own
/// log facade with the level kept), unless the session function installed a logger.
fn install_logger() {
    static LOGGER: ChildLogger = ChildLogger;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// Writes `LEVEL target: message` lines to stderr.
struct ChildLogger;

impl log::Log for ChildLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let text = format!("{}", record.args()).replace('\n', "\n  ");
            eprintln!("{} {}: {text}", record.level(), record.target());
        }
    }

    fn flush(&self) {}
}
