//! The private protocol between the scheduler and a process child.
//!
//! The scheduler starts the child with a connected Unix socket as its standard input and
//! two environment variables, [`TASK_ENV`](crate::task_env::TASK_ENV) (the task's name) and
//! [`RUN_ENV`] (the run's id). Over that socket it writes one [`Request`] line; the child
//! answers with one [`Reply`] line. Both are JSON. Nothing travels on the command line or on
//! stdout, and the child moves the socket off its standard input before anything else
//! runs, so task code and its own sub-processes never see it. The scheduler keeps its end
//! open until it has reaped the child, so the socket doubles as the child's lifeline
//! ([`crate::procctl::lifeline`]).
//!
//! Argument and return values are JSON texts produced by each type's
//! `Codec`; `#[param]` functions are not sent but called in the
//! child ([`ArgSource::Call`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::outcome::JobResult;
use crate::outcome::Outcome;
use crate::value::TypeInfo;

/// The environment variable holding the run's id (for messages and debugging).
pub(crate) const RUN_ENV: &str = "REDENGINE_RUN";

/// The protocol version; a child answering another one is reported, not misread.
pub(crate) const VERSION: u32 = 1;

fn first_attempt() -> u32 {
    1
}

/// Scheduler → child: the run to execute.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Request {
    pub(crate) version: u32,
    pub(crate) task: String,
    pub(crate) run: u64,
    /// The attempt (1 unless a retry); absent from an older parent's request.
    #[serde(default = "first_attempt")]
    pub(crate) attempt: u32,
    pub(crate) args: Vec<WireArg>,
}

/// One argument of the task, in declaration order.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireArg {
    pub(crate) name: String,
    pub(crate) source: ArgSource,
}

/// Where the child gets an argument's value.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ArgSource {
    /// A value parameter, JSON-encoded.
    Value(String),
    /// A `Return("task")` binding: `None` before that task succeeded.
    Return(Option<String>),
    /// Call the child's own `#[param]` function of that name.
    Call,
    /// The run's termination flag (the child makes its own; termination is a signal).
    Flag,
    /// The session parameter was removed while the scheduler ran: a pre-run failure.
    Missing,
}

/// Child → scheduler: how the run ended.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub(crate) version: u32,
    pub(crate) outcome: WireOutcome,
    /// The failure happened before the body ran (a parameter, a hook or the session
    /// failed): logged as a `fail` the body never saw.
    pub(crate) prerun: bool,
    /// The finish instant measured by the child, in microseconds since the epoch.
    pub(crate) end_micros: i64,
    /// The return value of a successful run, JSON-encoded.
    pub(crate) value: Option<String>,
}

/// The outcome of the body, without its value.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WireOutcome {
    Success,
    Fail(String),
    Inaction,
    Terminated,
    /// cluster: a body that reported its run lost ([`Outcome::Crash`]).
    Crash(String),
}

impl Reply {
    /// The run's result as the child of task `task` reported it, its return value decoded
    /// with `returns`' codec; `reaped_at` is the end when the reply carries none. The one
    /// reading of a reply, for the local process executor and for cluster workers alike.
    pub(crate) fn into_result(
        self,
        task: &str,
        returns: TypeInfo,
        reaped_at: DateTime<Utc>,
    ) -> JobResult {
        let end = self.end().unwrap_or(reaped_at);
        let outcome = match self.outcome {
            WireOutcome::Success => match (&self.value, returns.codec()) {
                (Some(json), Some(codec)) => match codec.decode(json) {
                    Ok(value) => Outcome::Success(Some(value)),
                    Err(e) => Outcome::Fail(format!(
                        "task '{task}' succeeded, but its return value could not be read back: {e}"
                    )),
                },
                _ => Outcome::Success(None),
            },
            WireOutcome::Fail(text) => Outcome::Fail(text),
            WireOutcome::Inaction => Outcome::Inaction,
            WireOutcome::Terminated => Outcome::Terminated,
            WireOutcome::Crash(text) => Outcome::Crash(text),
        };
        JobResult {
            outcome,
            prerun: self.prerun,
            end,
        }
    }

    /// The reply for `result`, whose return value (if any) is already encoded.
    pub(crate) fn new(result: &JobResult, value: Option<String>) -> Reply {
        let outcome = match &result.outcome {
            Outcome::Success(_) => WireOutcome::Success,
            Outcome::Fail(text) => WireOutcome::Fail(text.clone()),
            Outcome::Inaction => WireOutcome::Inaction,
            Outcome::Terminated => WireOutcome::Terminated,
            Outcome::Crash(text) => WireOutcome::Crash(text.clone()),
        };
        Reply {
            version: VERSION,
            outcome,
            prerun: result.prerun,
            end_micros: result.end.timestamp_micros(),
            value,
        }
    }

    /// A pre-run failure reported by the child before any task code ran.
    pub(crate) fn prerun(text: String, end: DateTime<Utc>) -> Reply {
        Reply {
            version: VERSION,
            outcome: WireOutcome::Fail(text),
            prerun: true,
            end_micros: end.timestamp_micros(),
            value: None,
        }
    }

    /// A failure after the body ran (its value could not be sent back).
    pub(crate) fn failed(text: String, end: DateTime<Utc>) -> Reply {
        Reply {
            prerun: false,
            ..Reply::prerun(text, end)
        }
    }

    /// The finish instant, if it is representable.
    pub(crate) fn end(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.end_micros)
    }
}

/// One JSON line (serde_json never writes a raw newline inside a document).
pub(crate) fn to_line<T: Serialize>(message: &T) -> Result<String, String> {
    let mut line = serde_json::to_string(message).map_err(|e| e.to_string())?;
    line.push('\n');
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_single_json_lines_that_round_trip() {
        let request = Request {
            version: VERSION,
            task: "report".into(),
            run: 7,
            attempt: 2,
            args: vec![
                WireArg {
                    name: "text".into(),
                    source: ArgSource::Value("\"a\\nb\"".into()),
                },
                WireArg {
                    name: "data".into(),
                    source: ArgSource::Return(None),
                },
                WireArg {
                    name: "friends".into(),
                    source: ArgSource::Call,
                },
            ],
        };
        let line = to_line(&request).unwrap();
        assert_eq!(line.matches('\n').count(), 1);
        let back: Request = serde_json::from_str(&line).unwrap();
        assert_eq!(back.task, "report");
        assert!(matches!(&back.args[0].source, ArgSource::Value(v) if v == "\"a\\nb\""));
        let reply = Reply::prerun("no\nsession".into(), Utc::now());
        let back: Reply = serde_json::from_str(&to_line(&reply).unwrap()).unwrap();
        assert!(back.prerun && back.end().is_some());
        assert!(matches!(back.outcome, WireOutcome::Fail(t) if t == "no\nsession"));
    }
}
