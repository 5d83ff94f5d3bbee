//! The small vocabularies of task and session settings: execution names, timeouts and
//! the other durations.
//!
//! `#[task(execution = …, timeout = …)]` is checked at compile time, the session's
//! `config` keys and task files at run time; each vocabulary is parsed here, once, so
//! every place accepts exactly the same spellings and gives the same errors.
//!
//! # Durations
//!
//! Every duration setting (`timeout`, `cycle_sleep`, `custom_poll`, …) takes either
//!
//! * a duration of the condition language, as in `every 10 minutes`: `"2 hours"`,
//!   `"1h 30min"`, `"90s"`, whole numbers with a unit ([`parse_duration`]); or
//! * a number of seconds: `"60"`, `"0.5"`.
//!
//! It must be greater than zero: a zero timeout would end every run at once and a zero
//! pause would make the scheduler spin, so each setting names its own way to say "none"
//! instead (`timeout = "never"`, `cycle_sleep = "none"`).
//!
//! ```
//! use std::time::Duration;
//! use redengine_conditions::settings::{parse_setting_duration, parse_timeout};
//!
//! assert_eq!(parse_setting_duration("1h 30min").unwrap(), Duration::from_secs(5_400));
//! assert_eq!(parse_setting_duration("0.5").unwrap(), Duration::from_millis(500));
//! assert_eq!(parse_timeout("never").unwrap(), None);
//! assert_eq!(parse_timeout("60").unwrap(), Some(Duration::from_secs(60)));
//! assert!(parse_timeout("0").is_err());
//! ```

use std::time::Duration;

use crate::duration::parse_duration;
use crate::error::{ParseError, ParseErrorKind};
use crate::suggest::suggest;

/// Where a task runs, by the name `execution = "…"` gives it.
///
/// The runtime maps it to its own `Execution`; this type only names the choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionName {
    /// `"main"` or its alias `"inline"`: on the scheduler thread.
    Main,
    /// `"thread"`: a new thread per run.
    Thread,
    /// `"process"`: a child process per run.
    Process,
    /// `"async"`: the run is a future on a tokio runtime (for `async fn` tasks).
    Async,
    // cluster: runs queued for workers.
    /// `"worker"`: the run is queued in the cluster's PostgreSQL database and executed by
    /// a `worker` process, as a process child there.
    Worker,
}

/// Every accepted execution spelling, canonical ones first, then aliases.
pub const EXECUTION_NAMES: &[&str] = &["main", "thread", "process", "async", "worker", "inline"];

/// The accepted execution spellings, for messages.
pub const EXECUTION_ACCEPTED: &str =
    "`main` (alias `inline`), `thread`, `process`, `async`, `worker`";

/// What a duration setting accepts, for messages.
pub const DURATION_ACCEPTED: &str =
    "a duration such as \"2 hours\" or \"1h 30min\", or a number of seconds such as \"60\" or \"0.5\"";

/// What a timeout accepts, for messages.
pub const TIMEOUT_ACCEPTED: &str =
    "a duration such as \"2 hours\" or \"1h 30min\", a number of seconds, or \"never\"";

/// Parses an execution name: `main` (alias `inline`), `thread`, `process` or `async`, exactly as
/// written (no case folding, so `Thread` is refused with a hint). A near miss
/// (`threads`) gets "did you mean `thread`?".
///
/// ```
/// use redengine_conditions::settings::{parse_execution, ExecutionName};
/// assert_eq!(parse_execution("inline").unwrap(), ExecutionName::Main);
/// let error = parse_execution("threads").unwrap_err();
/// assert_eq!(error.message(), "unknown execution `threads`");
/// assert_eq!(error.help(), Some("did you mean `thread`?"));
/// ```
pub fn parse_execution(text: &str) -> Result<ExecutionName, ParseError> {
    match text {
        "main" | "inline" => Ok(ExecutionName::Main),
        "thread" => Ok(ExecutionName::Thread),
        "process" => Ok(ExecutionName::Process),
        "async" => Ok(ExecutionName::Async),
        "worker" => Ok(ExecutionName::Worker),
        other => {
            let error = ParseError::new(
                text,
                0..text.len(),
                ParseErrorKind::Keyword,
                format!("unknown execution `{other}`"),
            )
            .with_expected(EXECUTION_NAMES.iter().map(|n| format!("`{n}`")).collect());
            let lower = other.trim().to_lowercase();
            let near = if EXECUTION_NAMES.contains(&lower.as_str()) {
                Some(lower.as_str())
            } else {
                suggest(&lower, EXECUTION_NAMES.iter().copied())
            };
            Err(match near {
                Some(near) => error.with_help(format!("did you mean `{near}`?")),
                None => error.with_help(format!("expected one of: {EXECUTION_ACCEPTED}")),
            })
        }
    }
}

/// Parses a timeout: `"never"` (`None`) or a duration setting (see the
/// [module docs](self)). Zero is refused with a pointer to `"never"`.
pub fn parse_timeout(text: &str) -> Result<Option<Duration>, ParseError> {
    if text.trim() == "never" {
        return Ok(None);
    }
    positive(text, "for no timeout write \"never\"").map(Some)
}

/// Parses a duration setting (see the [module docs](self)): a duration such as
/// `"2 hours"` or a number of seconds such as `"0.5"`, greater than zero.
pub fn parse_setting_duration(text: &str) -> Result<Duration, ParseError> {
    positive(
        text,
        "write a positive duration such as \"1 second\" or \"0.5\"",
    )
}

/// The message of a zero duration, in both grammars.
const ZERO: &str = "duration must be greater than zero";

/// A number of seconds or a duration of the condition language, greater than zero;
/// `zero_help` says what to write instead of zero.
fn positive(text: &str, zero_help: &str) -> Result<Duration, ParseError> {
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let span = start..start + trimmed.len();
    if trimmed.starts_with('-') {
        return Err(ParseError::new(
            text,
            span,
            ParseErrorKind::Duration,
            "a duration cannot be negative",
        )
        .with_help(zero_help));
    }
    let Some(seconds) = seconds(trimmed) else {
        return parse_duration(text).map_err(|error| {
            // `0 seconds`: the same advice as `0`.
            if error.message() == ZERO {
                error.with_help(zero_help)
            } else {
                error
            }
        });
    };
    match seconds {
        Some(duration) if !duration.is_zero() => Ok(duration),
        Some(_) => {
            Err(ParseError::new(text, span, ParseErrorKind::Duration, ZERO).with_help(zero_help))
        }
        None => Err(ParseError::new(
            text,
            span,
            ParseErrorKind::Number,
            format!("`{trimmed}` is too large"),
        )
        .with_help("write a smaller number of seconds or use a unit, e.g. \"2 weeks\"")),
    }
}

/// `None` when `text` is not written as a number of seconds (`digits[.digits]`);
/// `Some(None)` when it is but does not fit a `Duration`. Fractions below a nanosecond
/// are dropped.
fn seconds(text: &str) -> Option<Option<Duration>> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    let Ok(secs) = whole.parse::<u64>() else {
        return Some(None);
    };
    let nanos = fraction.map_or(0, |f| {
        let kept: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
        kept.parse::<u32>().unwrap_or(0)
    });
    Some(Some(Duration::new(secs, nanos)))
}

/// A duration setting as a person reads it, in the words the settings accept: the
/// condition language's canonical spelling (`1 second`, `1 hour 30 minutes`), or seconds
/// with their fraction when there is one (`0.5 seconds`), which that spelling cannot say.
pub fn describe_duration(d: std::time::Duration) -> String {
    if d.subsec_nanos() == 0 {
        crate::duration::format_duration(d)
    } else {
        format!("{} seconds", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(result: Result<impl std::fmt::Debug, ParseError>) -> String {
        match result {
            Ok(v) => panic!("accepted: {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn execution_names_and_aliases() {
        assert_eq!(parse_execution("main").unwrap(), ExecutionName::Main);
        assert_eq!(parse_execution("inline").unwrap(), ExecutionName::Main);
        assert_eq!(parse_execution("thread").unwrap(), ExecutionName::Thread);
        assert_eq!(parse_execution("process").unwrap(), ExecutionName::Process);
        assert_eq!(parse_execution("async").unwrap(), ExecutionName::Async);
    }

    #[test]
    fn execution_near_misses_get_a_hint() {
        assert!(err(parse_execution("threads")).contains("did you mean `thread`?"));
        assert!(err(parse_execution("Thread")).contains("did you mean `thread`?"));
        assert!(err(parse_execution("proces")).contains("did you mean `process`?"));
        assert!(err(parse_execution("Async")).contains("did you mean `async`?"));
        let far = err(parse_execution("coroutine"));
        assert!(far.starts_with("unknown execution `coroutine`"), "{far}");
        assert!(far.contains(EXECUTION_ACCEPTED), "{far}");
    }

    #[test]
    fn durations_take_both_forms() {
        let secs = |s: &str| parse_setting_duration(s).unwrap();
        assert_eq!(secs("2 hours"), Duration::from_secs(7_200));
        assert_eq!(secs("1h 30min"), Duration::from_secs(5_400));
        assert_eq!(secs("2 seconds"), Duration::from_secs(2));
        assert_eq!(secs("2 sec"), Duration::from_secs(2));
        assert_eq!(secs("60"), Duration::from_secs(60));
        assert_eq!(secs(" 0.5 "), Duration::from_millis(500));
        assert_eq!(secs("1.25"), Duration::from_millis(1_250));
        assert_eq!(secs("0.000000001"), Duration::from_nanos(1));
    }

    #[test]
    fn zero_is_refused_with_the_way_to_say_none() {
        for zero in ["0", "0.0", "0 seconds", "0h 0min"] {
            let text = err(parse_timeout(zero));
            assert!(
                text.starts_with("duration must be greater than zero"),
                "{text}"
            );
            assert!(text.contains("\"never\""), "{zero}: {text}");
            let text = err(parse_setting_duration(zero));
            assert!(
                text.starts_with("duration must be greater than zero"),
                "{text}"
            );
        }
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("never").unwrap(), None);
        assert_eq!(parse_timeout(" never ").unwrap(), None);
        assert_eq!(
            parse_timeout("1 hour").unwrap(),
            Some(Duration::from_secs(3_600))
        );
        assert_eq!(
            parse_timeout("1.5").unwrap(),
            Some(Duration::from_millis(1_500))
        );
    }

    #[test]
    fn bad_durations_explain_themselves() {
        assert!(err(parse_timeout("2 hourz")).contains("did you mean `hours`?"));
        assert!(err(parse_setting_duration("2 secs")).contains("did you mean `sec`?"));
        assert!(err(parse_timeout("soon")).starts_with("expected a number, found `soon`"));
        assert!(err(parse_timeout("-1")).starts_with("a duration cannot be negative"));
        assert!(err(parse_setting_duration("1e3")).starts_with("unknown unit `e`"));
        assert!(err(parse_setting_duration("99999999999999999999")).contains("too large"));
        assert!(err(parse_setting_duration("")).starts_with("expected a duration"));
        assert!(err(parse_setting_duration("1.")).contains("is not a duration"));
    }

    #[test]
    fn durations_read_as_settings_write_them() {
        use std::time::Duration;
        assert_eq!(describe_duration(Duration::from_secs(1)), "1 second");
        assert_eq!(
            describe_duration(Duration::from_secs(5_400)),
            "1 hour 30 minutes"
        );
        assert_eq!(describe_duration(Duration::from_millis(500)), "0.5 seconds");
        assert_eq!(
            parse_setting_duration("1 hour 30 minutes").ok(),
            Some(Duration::from_secs(5_400))
        );
    }
}
