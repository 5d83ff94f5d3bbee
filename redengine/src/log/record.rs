//! One record of the task log, the constructors that fill its fields, and the part of a
//! record the history needs.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SubsecRound};

use super::Action;

// A record's instants at the log's precision, and its runtime.
mod instants;
// The status line (`Task '<name>' status: '<action>'`): written, and recognised.
mod status;

use instants::{runtime, whole_micros};

use status::write_status;
pub(crate) use status::{is_status_message, status_len, status_message};

/// One row of the task log.
///
/// Build records with [`TaskRecord::run`], [`TaskRecord::finish`],
/// [`TaskRecord::terminate`] and [`TaskRecord::crash`]: they fill `start`, `end`, `runtime`
/// and `message` the same way for every writer: `start` is the run's launch instant, `end`
/// the finish instant (none for `run`), `runtime` their difference for finishes that ran
/// (none for `run` and `crash`), `message` the status line or a `terminate`'s reason.
///
/// The constructors truncate instants to whole microseconds, the precision of the CSV
/// log, so a record read back from a CSV file is equal to the one that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task's name.
    pub task_name: String,
    /// When the record was made: launch instant for `run`, finish instant for a finish,
    /// start-up instant for `crash`. Conditions read this field.
    pub created: DateTime<FixedOffset>,
    /// What happened.
    pub action: Action,
    /// The instant of the run this record belongs to (its `run` record's `created`).
    pub start: Option<DateTime<FixedOffset>>,
    /// The finish instant (equal to `created`); `None` for `run`.
    pub end: Option<DateTime<FixedOffset>>,
    /// `end − start` for `success`, `fail`, `inaction` and `terminate`; `None` otherwise.
    pub runtime: Option<Duration>,
    /// `Task '<name>' status: '<action>'`, or for `terminate` the reason.
    pub message: String,
    /// For `fail`: the error and its source chain, or the panic message. For a `crash` the
    /// executor reported (a cluster worker's lease expired): why. Empty otherwise.
    pub exc_text: String,
    /// Which attempt of a retried run this record belongs to: 1 for the first (and for
    /// every run of a task without retries). The CSV log carries it in the message's
    /// `(attempt N of M…)` suffix (docs/log.md, "Attempts").
    pub attempt: u32,
}

/// What the history of a task needs from a record: who, what, when. Borrowed from the
/// reader, so reading a long log for the scheduler's start-up copies no text.
///
/// ```
/// use redengine::log::{Action, TaskRecord};
///
/// let at = chrono::DateTime::parse_from_rfc3339("2024-01-03T08:00:00+01:00").unwrap();
/// let run = TaskRecord::run("get_data", at);
/// let head = run.head();
/// assert_eq!((head.task_name, head.action, head.created), ("get_data", Action::Run, at));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHead<'a> {
    /// The task's name.
    pub task_name: &'a str,
    /// What happened.
    pub action: Action,
    /// When the record was made (the instant conditions read).
    pub created: DateTime<FixedOffset>,
    /// The run's start (`start` column).
    pub start: Option<DateTime<FixedOffset>>,
    /// The attempt (1 for the first), as in [`TaskRecord::attempt`].
    pub attempt: u32,
    /// When the next attempt is due, on a finish that will be retried.
    pub retry_at: Option<DateTime<FixedOffset>>,
}

impl RecordHead<'_> {
    /// The attempt and the retry instant a record's `message` carries (`(1, None)` when
    /// it has no attempt suffix): for a store that reads heads itself and keeps the
    /// message, as the CSV log does.
    pub fn attempt_in(message: &str) -> (u32, Option<DateTime<FixedOffset>>) {
        attempt_suffix(message).map_or((1, None), |a| (a.attempt, a.retry_at))
    }

    /// Whether conditions see this record (see [`TaskRecord::counts_for_conditions`]).
    pub fn counts_for_conditions(&self) -> bool {
        counts_for_conditions(self.action, self.attempt, self.retry_at.is_some())
    }
}

/// The rule [`TaskRecord::counts_for_conditions`] states: a retry's `run` record and a
/// finish that will be retried (`retried`) are not for conditions.
#[inline]
fn counts_for_conditions(action: Action, attempt: u32, retried: bool) -> bool {
    !(retried || (action == Action::Run && attempt > 1))
}

/// The reason written for a `terminate` whose body stopped with no termination flag set.
const SELF_STOP_REASON: &str = "task";

impl TaskRecord {
    /// The part of this record the history needs.
    pub fn head(&self) -> RecordHead<'_> {
        RecordHead {
            task_name: &self.task_name,
            action: self.action,
            created: self.created,
            start: self.start,
            attempt: self.attempt,
            retry_at: self.retry_at(),
        }
    }

    /// Marks this record as attempt `attempt` of `attempts` and, on a finish that will be
    /// retried, with the instant `retry_at` the next attempt is due: sets
    /// [`TaskRecord::attempt`] and appends the message suffix
    /// `(attempt 2 of 4)` / `(attempt 1 of 4, retry at <timestamp>)`. The first attempt of
    /// a run that is not retried gets no suffix, so such records read as they always did.
    pub fn with_attempt(
        mut self,
        attempt: u32,
        attempts: u32,
        retry_at: Option<DateTime<FixedOffset>>,
    ) -> Self {
        self.set_attempt(attempt, attempts, retry_at);
        self
    }

    /// [`TaskRecord::with_attempt`] in place (the scheduler's recycled record is boxed, so
    /// it is never moved).
    pub(crate) fn set_attempt(
        &mut self,
        attempt: u32,
        attempts: u32,
        retry_at: Option<DateTime<FixedOffset>>,
    ) {
        self.attempt = attempt.max(1);
        if self.attempt > 1 || retry_at.is_some() {
            self.message.push_str(&format!(
                " (attempt {} of {}",
                self.attempt,
                attempts.max(self.attempt)
            ));
            if let Some(at) = retry_at {
                // The CSV log's timestamp form (six fraction digits and the offset).
                let at = at.trunc_subsecs(6).format("%Y-%m-%dT%H:%M:%S%.6f%:z");
                self.message.push_str(&format!(", retry at {at}"));
            }
            self.message.push(')');
        }
    }

    /// When the next attempt is due, on a finish that will be retried (read from the
    /// message's suffix).
    #[inline]
    pub fn retry_at(&self) -> Option<DateTime<FixedOffset>> {
        attempt_suffix(&self.message).and_then(|s| s.retry_at)
    }

    /// Whether conditions see this record. The attempts of a retried run are one run to
    /// conditions: its first `run` record and its last attempt's finish. A retry's `run`
    /// record and a failure that will be retried are in the log but not in the history
    /// conditions read, so `after task 'x' failed` fires once, after the final attempt.
    pub fn counts_for_conditions(&self) -> bool {
        counts_for_conditions(self.action, self.attempt, self.retry_at().is_some())
    }

    /// The `run` record written immediately before a run is handed to its executor.
    pub fn run(task: &str, at: DateTime<FixedOffset>) -> Self {
        let mut record = Self::blank();
        record.refill_run(task, at, false);
        record
    }

    /// Rebuilds this record as [`TaskRecord::run`]`(task, at)` builds one, keeping its text
    /// buffers: the scheduler recycles each record it has written, so a run allocates no
    /// record text (four allocations a run before).
    ///
    /// `plain`: the caller knows this record is of `task` and its message is exactly the
    /// status line of its own name and action (nothing was appended since it was
    /// refilled). A plain record of the same action keeps its name and message as they
    /// are: they are what would be written (perfspeed: the scheduler recycles one record
    /// for `run`s and one for finishes, so a task run over and over finds its own, and it
    /// knows them by task index without comparing names).
    pub(crate) fn refill_run(&mut self, task: &str, at: DateTime<FixedOffset>, plain: bool) {
        let at = whole_micros(at);
        self.refill(task, Action::Run, at, None, plain);
    }

    /// Rebuilds this record as [`TaskRecord::finish`] builds a `success`, `fail` or
    /// `inaction` record, keeping its text buffers (see [`TaskRecord::refill_run`], and
    /// there for `plain`). `exc_text` is kept only for `fail`.
    pub(crate) fn refill_finished(
        &mut self,
        task: &str,
        action: Action,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        exc_text: &str,
        plain: bool,
    ) {
        debug_assert!(matches!(
            action,
            Action::Success | Action::Fail | Action::Inaction
        ));
        let (start, end) = (whole_micros(start), whole_micros(end));
        self.refill(task, action, start, Some(end), plain);
        if action == Action::Fail {
            self.exc_text.push_str(exc_text);
        }
    }

    /// An empty record for the `refill_*` builders to fill.
    pub(crate) fn blank() -> Self {
        TaskRecord {
            task_name: String::new(),
            created: DateTime::default(),
            action: Action::Run,
            start: None,
            end: None,
            runtime: None,
            message: String::new(),
            exc_text: String::new(),
            attempt: 1,
        }
    }

    /// Fills every field of a `run` (no `end`) or finish record of a run that started at
    /// `start`, both already truncated to whole microseconds (`plain`: see
    /// [`TaskRecord::refill_run`]).
    fn refill(
        &mut self,
        task: &str,
        action: Action,
        start: DateTime<FixedOffset>,
        end: Option<DateTime<FixedOffset>>,
        plain: bool,
    ) {
        debug_assert!(
            !plain || self.task_name == task,
            "a plain record of another task"
        );
        let kept = plain && self.action == action;
        if !kept {
            self.task_name.clear();
            self.task_name.push_str(task);
            write_status(&mut self.message, task, action);
        }
        debug_assert!(is_status_message(&self.message, task, action));
        self.created = end.unwrap_or(start);
        self.action = action;
        self.start = Some(start);
        self.end = end;
        self.runtime = end.map(|end| runtime(start, end));
        self.exc_text.clear();
        self.attempt = 1;
    }

    /// The finish record of a run that started at `start` and ended at `end`.
    ///
    /// `exc_text` is kept only for [`Action::Fail`]: it is empty for every other action. For [`Action::Terminate`] the message is the reason `task` (the body
    /// stopped with no flag set); use [`TaskRecord::terminate`] to give another reason.
    /// [`Action::Crash`] builds the same record as [`TaskRecord::crash`]. [`Action::Run`]
    /// is not a finish: it is a caller bug, and yields the `run` record at `start`.
    ///
    /// A wall clock that stepped back (`end < start`) gives a zero runtime.
    pub fn finish(
        task: &str,
        action: Action,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        exc_text: impl Into<String>,
    ) -> Self {
        match action {
            Action::Run => {
                debug_assert!(false, "TaskRecord::finish called with Action::Run");
                Self::run(task, start)
            }
            Action::Crash => Self::crash(task, start, end),
            Action::Terminate => Self::terminate(task, SELF_STOP_REASON, start, end),
            Action::Success | Action::Fail | Action::Inaction => {
                let mut record = Self::blank();
                let exc_text = exc_text.into();
                record.refill_finished(task, action, start, end, &exc_text, false);
                record
            }
        }
    }

    /// The `terminate` record of a run the scheduler stopped, with its reason as the
    /// message: `timeout`, `end_cond`, `manual`, `shutdown`, or `task` when the body
    /// stopped on its own.
    pub fn terminate(
        task: &str,
        reason: &str,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) -> Self {
        Self::finished(
            task,
            Action::Terminate,
            start,
            end,
            reason.to_owned(),
            String::new(),
        )
    }

    /// The `crash` record written at start-up (`at`) for a run that started at `start`
    /// and never got a finish record.
    pub fn crash(task: &str, start: DateTime<FixedOffset>, at: DateTime<FixedOffset>) -> Self {
        let at = whole_micros(at);
        TaskRecord {
            task_name: task.to_owned(),
            created: at,
            action: Action::Crash,
            start: Some(whole_micros(start)),
            end: Some(at),
            runtime: None,
            message: status_message(task, Action::Crash),
            exc_text: String::new(),
            attempt: 1,
        }
    }

    fn finished(
        task: &str,
        action: Action,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        message: String,
        exc_text: String,
    ) -> Self {
        let (start, end) = (whole_micros(start), whole_micros(end));
        TaskRecord {
            task_name: task.to_owned(),
            created: end,
            action,
            start: Some(start),
            end: Some(end),
            runtime: Some(runtime(start, end)),
            message,
            exc_text,
            attempt: 1,
        }
    }
}

/// The `(attempt N of M[, retry at T])` suffix of a message, read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AttemptSuffix {
    pub(crate) attempt: u32,
    pub(crate) attempts: u32,
    pub(crate) retry_at: Option<DateTime<FixedOffset>>,
}

/// Reads the attempt suffix [`TaskRecord::with_attempt`] writes; `None` when the message
/// has none (or something else in parentheses).
///
/// perfspeed: the scheduler asks this of every record it writes, and most messages do not
/// end in `)`: that test is made where it is asked, the reading out of line.
#[inline]
pub(crate) fn attempt_suffix(message: &str) -> Option<AttemptSuffix> {
    read_attempt_suffix(message.strip_suffix(')')?)
}

/// [`attempt_suffix`] of a message whose closing `)` is cut off (`body`).
#[inline(never)]
fn read_attempt_suffix(body: &str) -> Option<AttemptSuffix> {
    let open = body.rfind(" (attempt ")?;
    let inner = &body[open + " (attempt ".len()..];
    let (counts, retry_at) = match inner.split_once(", retry at ") {
        Some((counts, at)) => (counts, Some(DateTime::parse_from_rfc3339(at).ok()?)),
        None => (inner, None),
    };
    let (attempt, attempts) = counts.split_once(" of ")?;
    let (attempt, attempts) = (attempt.parse().ok()?, attempts.parse().ok()?);
    (attempt >= 1 && attempts >= attempt).then_some(AttemptSuffix {
        attempt,
        attempts,
        retry_at,
    })
}

/// The `exc_text` of a failed run: the error's `Display`, then one `Caused by: …` line per
/// error in its [`source`](std::error::Error::source) chain.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str("\nCaused by: ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refilled_record_keeps_nothing_of_the_record_before() {
        let t = |s: i64, n: u32| DateTime::from_timestamp(s, n).unwrap().fixed_offset();
        let (at, later) = (t(1_700_000_000, 123_456_789), t(1_700_000_002, 5_000));
        let mut record = TaskRecord::finish("a-much-longer-name", Action::Fail, at, later, "boom")
            .with_attempt(2, 3, Some(later));
        record.refill_run("b", later, false);
        let run = TaskRecord {
            task_name: "b".into(),
            created: t(1_700_000_002, 5_000),
            action: Action::Run,
            start: Some(t(1_700_000_002, 5_000)),
            end: None,
            runtime: None,
            message: "Task 'b' status: 'run'".into(),
            exc_text: String::new(),
            attempt: 1,
        };
        assert_eq!(record, run);
        assert_eq!(TaskRecord::run("b", later), run);
        for action in [
            Action::Fail,
            Action::Success,
            Action::Inaction,
            Action::Fail,
        ] {
            record.refill_finished("c", action, at, later, "why", false);
            let expected = TaskRecord {
                task_name: "c".into(),
                created: later,
                action,
                start: Some(t(1_700_000_000, 123_456_000)),
                end: Some(later),
                runtime: Some(Duration::new(1, 876_549_000)),
                message: format!("Task 'c' status: '{}'", action.as_str()),
                exc_text: if action == Action::Fail {
                    "why".into()
                } else {
                    String::new()
                },
                attempt: 1,
            };
            assert_eq!(record, expected);
            assert_eq!(TaskRecord::finish("c", action, at, later, "why"), expected);
        }
    }

    /// A plain record refilled for its own task and action keeps its text, and is what a
    /// new one would be; for another task or action it is rebuilt.
    #[test]
    fn a_plain_record_refilled_for_its_own_task_and_action_equals_a_new_one() {
        let t = |s: i64, n: u32| DateTime::from_timestamp(s, n).unwrap().fixed_offset();
        let (at, later) = (t(1_700_000_000, 123_456_789), t(1_700_000_002, 5_000));
        let mut run = TaskRecord::run("x", at);
        for (task, when) in [
            ("x", later),
            ("x", at),
            ("xy", later),
            ("y", at),
            ("y", later),
        ] {
            // Plain as the scheduler says it: for a record of the same task.
            let plain = run.task_name == task;
            run.refill_run(task, when, plain);
            assert_eq!(run, TaskRecord::run(task, when));
        }
        let mut done = TaskRecord::finish("x", Action::Fail, at, later, "boom");
        for (task, action, exc) in [
            ("x", Action::Fail, "why"),
            ("x", Action::Fail, ""),
            ("x", Action::Success, "why"),
            ("x", Action::Success, ""),
            ("y", Action::Success, ""),
            ("y", Action::Inaction, ""),
            ("y", Action::Fail, "boom"),
        ] {
            let plain = done.task_name == task;
            done.refill_finished(task, action, at, later, exc, plain);
            assert_eq!(done, TaskRecord::finish(task, action, at, later, exc));
        }
    }

    #[test]
    fn a_record_refilled_for_its_own_task_is_built_anew() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap().fixed_offset();
        let (at, later) = (t(1_700_000_000), t(1_700_000_001));
        let before = [
            TaskRecord::finish("x", Action::Fail, at, later, "boom").with_attempt(
                1,
                3,
                Some(later),
            ),
            TaskRecord::run("x", at).with_attempt(2, 3, None),
            TaskRecord::terminate("x", "timeout", at, later),
            TaskRecord::crash("x", at, later),
            TaskRecord {
                message: "Task 'x' status: 'success' (ran past its timeout of 1s: it did not \
                          stop when asked)"
                    .into(),
                ..TaskRecord::finish("x", Action::Success, at, later, "")
            },
            TaskRecord::finish("x", Action::Inaction, at, later, ""),
            TaskRecord::finish("xy", Action::Success, at, later, ""),
        ];
        for record in before {
            let mut run = record.clone();
            run.refill_run("x", at, false);
            assert_eq!(run, TaskRecord::run("x", at), "after {record:?}");
            let mut done = record.clone();
            done.refill_finished("x", Action::Fail, at, later, "why", false);
            let expected = TaskRecord::finish("x", Action::Fail, at, later, "why");
            assert_eq!(done, expected, "after {record:?}");
        }
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn run_record_fields() {
        let r = TaskRecord::run("get_data", at("2024-01-03T08:00:00.123456789+01:00"));
        assert_eq!(r.created, at("2024-01-03T08:00:00.123456+01:00"));
        assert_eq!(r.action, Action::Run);
        assert_eq!(r.start, Some(r.created));
        assert_eq!((r.end, r.runtime), (None, None));
        assert_eq!(r.message, "Task 'get_data' status: 'run'");
        assert_eq!(r.exc_text, "");
    }

    #[test]
    fn finish_record_fields() {
        let (s, e) = (at("2024-01-03T08:00:00Z"), at("2024-01-03T08:00:02.5Z"));
        let r = TaskRecord::finish("get_data", Action::Fail, s, e, "boom");
        assert_eq!(r.created, e);
        assert_eq!((r.start, r.end), (Some(s), Some(e)));
        assert_eq!(r.runtime, Some(Duration::from_millis(2500)));
        assert_eq!(r.message, "Task 'get_data' status: 'fail'");
        assert_eq!(r.exc_text, "boom");

        let ok = TaskRecord::finish("get_data", Action::Success, s, e, "ignored");
        assert_eq!(ok.message, "Task 'get_data' status: 'success'");
        assert_eq!(ok.exc_text, "");
        let idle = TaskRecord::finish("get_data", Action::Inaction, s, e, "");
        assert_eq!(idle.message, "Task 'get_data' status: 'inaction'");
    }

    #[test]
    fn terminate_messages_are_reasons() {
        let (s, e) = (at("2024-01-03T08:00:00Z"), at("2024-01-03T08:00:01Z"));
        let r = TaskRecord::terminate("x", "timeout", s, e);
        assert_eq!(
            (r.action, r.message.as_str()),
            (Action::Terminate, "timeout")
        );
        assert_eq!(r.runtime, Some(Duration::from_secs(1)));
        let own = TaskRecord::finish("x", Action::Terminate, s, e, "");
        assert_eq!(own.message, "task");
    }

    #[test]
    fn crash_record_fields() {
        let (s, up) = (at("2024-01-03T08:00:00Z"), at("2024-01-04T09:00:00Z"));
        let r = TaskRecord::crash("x", s, up);
        assert_eq!((r.created, r.start, r.end), (up, Some(s), Some(up)));
        assert_eq!(r.runtime, None);
        assert_eq!(r.message, "Task 'x' status: 'crash'");
        assert_eq!(TaskRecord::finish("x", Action::Crash, s, up, "e"), r);
    }

    #[test]
    fn attempts_ride_in_the_message_and_read_back() {
        let (s, e) = (at("2024-01-03T08:00:00Z"), at("2024-01-03T08:00:01Z"));
        let first = TaskRecord::run("x", s).with_attempt(1, 4, None);
        assert_eq!(first.message, "Task 'x' status: 'run'");
        assert_eq!((first.attempt, first.retry_at()), (1, None));
        let again = at("2024-01-03T08:01:01Z");
        let fail =
            TaskRecord::finish("x", Action::Fail, s, e, "boom").with_attempt(1, 4, Some(again));
        assert_eq!(
            fail.message,
            "Task 'x' status: 'fail' (attempt 1 of 4, retry at 2024-01-03T08:01:01.000000+00:00)"
        );
        assert_eq!(fail.retry_at(), Some(again));
        assert!(!fail.counts_for_conditions());
        let run = TaskRecord::run("x", again).with_attempt(2, 4, None);
        assert_eq!(run.message, "Task 'x' status: 'run' (attempt 2 of 4)");
        assert!(!run.counts_for_conditions());
        let last = TaskRecord::terminate("x", "timeout", s, e).with_attempt(4, 4, None);
        assert_eq!(last.message, "timeout (attempt 4 of 4)");
        assert!(last.counts_for_conditions());
        let read = attempt_suffix(&last.message).unwrap();
        assert_eq!((read.attempt, read.attempts, read.retry_at), (4, 4, None));
        for other in [
            "Task 'x' status: 'run'",
            "oops (attempt)",
            "x (attempt 3 of 2)",
            "(attempt a of 2)",
        ] {
            assert_eq!(attempt_suffix(other), None, "{other}");
        }
    }

    #[test]
    fn clock_stepping_back_gives_zero_runtime() {
        let (s, e) = (at("2024-01-03T08:00:01Z"), at("2024-01-03T08:00:00Z"));
        let r = TaskRecord::finish("x", Action::Success, s, e, "");
        assert_eq!(r.runtime, Some(Duration::ZERO));
    }

    #[test]
    fn error_chain_lists_sources() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("connection refused, retry later")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let err = Outer(std::io::Error::other("os error 111"));
        assert_eq!(
            error_chain(&err),
            "connection refused, retry later\nCaused by: os error 111"
        );
    }
}
