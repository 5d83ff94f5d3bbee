//! Session configuration (RUNTIME.md §3): typed values plus the string-keyed form of the
//! seed's `config={…}` dict.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;
use crate::execution::Execution;

/// What happens when a task is added under a name that already exists (RUNTIME.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskPreExist {
    /// Error at ignite, listing every location sharing the name.
    #[default]
    Raise,
    /// The previous task is removed and the new one added.
    Replace,
    /// The new task is dropped; the previous one stays.
    Ignore,
    /// The new task becomes `"<name> - 1"` (or `- 2`, … the first free).
    Rename,
}

/// What a restart does (RUNTIME.md §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restarting {
    /// Exec the same executable with the same arguments and environment.
    #[default]
    Replace,
    /// Run start-up and the loop again in the same process.
    Recall,
}

/// A run-length limit: a duration or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// A run is terminated once `now − start > duration`.
    After(Duration),
    /// No timeout.
    Never,
}

impl Timeout {
    /// Accepted forms, for error messages.
    pub const ACCEPTED: &'static str =
        "a duration such as \"2 hours\" or \"1h 30min\", a number of seconds, or \"never\"";

    /// Parses `"never"`, a number of seconds (`"60"`, `"0.5"`) or a duration string.
    pub fn parse(text: &str) -> Result<Timeout, String> {
        let t = text.trim();
        if t == "never" {
            return Ok(Timeout::Never);
        }
        if let Ok(secs) = t.parse::<f64>() {
            return Duration::try_from_secs_f64(secs)
                .map(Timeout::After)
                .map_err(|_| format!("`{t}` is not a valid number of seconds"));
        }
        redengine_conditions::parse_duration(t)
            .map(Timeout::After)
            .map_err(|e| e.message().to_string())
    }
}

impl FromStr for Timeout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timeout::parse(s)
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeout::After(d) => write!(f, "{}s", d.as_secs_f64()),
            Timeout::Never => f.write_str("never"),
        }
    }
}

/// Every configuration key with its default (the seed's defaults, RUNTIME.md §3).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Duplicate task names (default `raise`).
    pub task_pre_exist: TaskPreExist,
    /// Unnamed programmatic tasks are named by their instance id (default `false`).
    pub use_instance_naming: bool,
    /// A pre-run failure does not stop the scheduler (default `true`).
    pub silence_task_prerun: bool,
    /// A condition evaluation error counts as false instead of stopping (default `true`).
    pub silence_cond_check: bool,
    /// Conditions always read the log (default `false`; never changes an answer).
    pub force_status_from_logs: bool,
    /// Pause after each cycle (default none: the loop waits for the next change instead).
    pub cycle_sleep: Option<Duration>,
    /// Execution of tasks that set none (default `process`).
    pub task_execution: Execution,
    /// Timeout of thread/process tasks that set none (default 30 minutes).
    pub timeout: Timeout,
    /// At most this many `process` runs alive at once (default: the number of CPUs).
    pub max_process_count: usize,
    /// Shutdown does not wait for running runs (default `false`).
    pub instant_shutdown: bool,
    /// Checked before every cycle; true stops the scheduler (default `false`).
    pub shut_cond: String,
    /// What a restart does (default `replace`).
    pub restarting: Restarting,
    /// How often a waiting scheduler re-checks conditions that use custom conditions
    /// (default 1 second). Not a seed key: Red Engine spins instead.
    pub custom_poll: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            task_pre_exist: TaskPreExist::Raise,
            use_instance_naming: false,
            silence_task_prerun: true,
            silence_cond_check: true,
            force_status_from_logs: false,
            cycle_sleep: None,
            task_execution: Execution::Process,
            timeout: Timeout::After(Duration::from_secs(30 * 60)),
            max_process_count: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            instant_shutdown: false,
            shut_cond: "false".to_string(),
            restarting: Restarting::Replace,
            custom_poll: Duration::from_secs(1),
        }
    }
}

/// The keys [`Config::set`] accepts.
const KEYS: &[&str] = &[
    "task_pre_exist",
    "use_instance_naming",
    "silence_task_prerun",
    "silence_cond_check",
    "force_status_from_logs",
    "cycle_sleep",
    "task_execution",
    "timeout",
    "max_process_count",
    "instant_shutdown",
    "shut_cond",
    "restarting",
];

const BOOL: &str = "`true`, `false`";

impl Config {
    /// The keys [`Config::set`] accepts.
    pub const KEYS: &'static [&'static str] = KEYS;

    /// Sets a key from its string form, as in the seed's `config={…}`. An unknown key or an
    /// invalid value is an error naming the key and the accepted values.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let bad = |accepted: &str| Error::config(key, value, accepted);
        let v = value.trim();
        match key {
            "task_pre_exist" => {
                self.task_pre_exist = match v {
                    "raise" => TaskPreExist::Raise,
                    "replace" => TaskPreExist::Replace,
                    "ignore" => TaskPreExist::Ignore,
                    "rename" => TaskPreExist::Rename,
                    _ => return Err(bad("`raise`, `replace`, `ignore`, `rename`")),
                }
            }
            "use_instance_naming" => {
                self.use_instance_naming = parse_bool(v).ok_or_else(|| bad(BOOL))?;
            }
            "silence_task_prerun" => {
                self.silence_task_prerun = parse_bool(v).ok_or_else(|| bad(BOOL))?;
            }
            "silence_cond_check" => {
                self.silence_cond_check = parse_bool(v).ok_or_else(|| bad(BOOL))?;
            }
            "force_status_from_logs" => {
                self.force_status_from_logs = parse_bool(v).ok_or_else(|| bad(BOOL))?;
            }
            "instant_shutdown" => self.instant_shutdown = parse_bool(v).ok_or_else(|| bad(BOOL))?,
            "cycle_sleep" => self.cycle_sleep = match v {
                "" | "none" | "None" => None,
                _ => Some(
                    v.parse::<f64>()
                        .ok()
                        .and_then(|s| Duration::try_from_secs_f64(s).ok())
                        .ok_or_else(|| {
                            bad("`none` or a non-negative number of seconds (fractions allowed)")
                        })?,
                ),
            },
            "task_execution" => {
                self.task_execution = v.parse().map_err(|_| bad(Execution::ACCEPTED))?;
            }
            "timeout" => self.timeout = Timeout::parse(v).map_err(|_| bad(Timeout::ACCEPTED))?,
            "max_process_count" => {
                self.max_process_count = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("a whole number of at least 1"))?;
            }
            "shut_cond" => self.shut_cond = value.to_string(),
            "restarting" => {
                self.restarting = match v {
                    "replace" => Restarting::Replace,
                    "recall" => Restarting::Recall,
                    _ => return Err(bad("`replace`, `recall`")),
                }
            }
            _ => {
                let hint = redengine_conditions::suggest(key, KEYS.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(Error::config(
                    key,
                    value,
                    &format!("a known key{hint}: {}", KEYS.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" => Some(true),
        "false" | "False" => Some(false),
        _ => None,
    }
}
