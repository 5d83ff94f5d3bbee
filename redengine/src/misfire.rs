//! The misfire policy: what a task does about occurrences of its schedule that fell while
//! the scheduler was down (docs/runtime.md, "Catch-up after downtime").

use std::fmt;
use std::str::FromStr;

/// What a task does at start-up about its schedule's occurrences that came while the
/// scheduler was down.
///
/// The downtime is the span from the latest record in the log (the last instant the log
/// shows the scheduler alive) to start-up. Nothing is written to the log while the
/// scheduler is down, so every condition's answer across the downtime depends only on the
/// clock: the scheduler replays it at start-up to see what was missed.
///
/// ```
/// use redengine::Misfire;
///
/// assert_eq!("skip".parse::<Misfire>(), Ok(Misfire::Skip));
/// assert_eq!(Misfire::default(), Misfire::RunIfOpen);
/// assert!("run-once".parse::<Misfire>().unwrap_err().contains("did you mean `run_once`?"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Misfire {
    /// `run_if_open` (the default): start-up asks the start condition as any cycle does.
    /// An occurrence still open at start-up (a `daily` day, a window that opened during the
    /// downtime) runs once; one that opened and closed while the scheduler was down (a
    /// cron minute, a window) is skipped, and the console says so.
    #[default]
    RunIfOpen,
    /// `skip`: nothing that turned due during the downtime runs because of it. A task whose
    /// start condition turned true while the scheduler was down waits, as if it had run at
    /// start-up, for its condition's next occurrence.
    Skip,
    /// `run_once`: a task whose start condition was true at some instant of the downtime
    /// runs once at start-up, even if that occurrence has closed (a missed cron minute);
    /// however many occurrences were missed, it runs once.
    RunOnce,
}

impl Misfire {
    /// Every spelling, in the order messages list them.
    pub const NAMES: [&'static str; 3] = ["run_if_open", "skip", "run_once"];

    /// The accepted values, for error messages.
    pub const ACCEPTED: &'static str = "`run_if_open` (default), `skip`, `run_once`";

    /// The name it is written with.
    pub fn as_str(self) -> &'static str {
        match self {
            Misfire::RunIfOpen => "run_if_open",
            Misfire::Skip => "skip",
            Misfire::RunOnce => "run_once",
        }
    }
}

impl fmt::Display for Misfire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Misfire {
    type Err = String;

    /// One of [`Misfire::NAMES`]; the error names the accepted values and the closest.
    fn from_str(text: &str) -> Result<Misfire, String> {
        match text.trim() {
            "run_if_open" => Ok(Misfire::RunIfOpen),
            "skip" => Ok(Misfire::Skip),
            "run_once" => Ok(Misfire::RunOnce),
            other => {
                let hint = redengine_conditions::suggest(other, Misfire::NAMES)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                Err(format!(
                    "unknown misfire policy `{other}`, expected {}{hint}",
                    Misfire::ACCEPTED
                ))
            }
        }
    }
}
