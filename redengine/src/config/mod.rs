//! Session configuration: typed values plus the string-keyed form of Red Engine's
//! `config={…}` dict.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use redengine_conditions::settings;

use crate::execution::Execution;
use crate::misfire::Misfire;

mod keys;

/// What happens when a task is added under a name that already exists.
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

/// What a restart does.
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
    pub const ACCEPTED: &'static str = settings::TIMEOUT_ACCEPTED;

    /// Parses `"never"`, a number of seconds (`"60"`, `"0.5"`) or a duration string
    /// (`"2 hours"`, `"1h 30min"`), greater than zero. `#[task(timeout = …)]` is checked
    /// at compile time by the same parser, so both accept exactly the same spellings.
    pub fn parse(text: &str) -> Result<Timeout, String> {
        match settings::parse_timeout(text) {
            Ok(Some(duration)) => Ok(Timeout::After(duration)),
            Ok(None) => Ok(Timeout::Never),
            Err(error) => Err(error.one_line()),
        }
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

/// Every configuration key with its default (Red Engine's defaults, except where noted).
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
    /// At most this many `process` runs alive at once; `0` (the default): as many as the
    /// machine has CPUs, looked up when a `process` run first needs a slot
    /// ([`Config::process_limit`] gives the number in effect).
    pub max_process_count: usize,
    /// Shutdown does not wait for running runs (default `false`).
    pub instant_shutdown: bool,
    /// Checked before every cycle; true stops the scheduler (default `false`).
    pub shut_cond: String,
    /// What a restart does (default `replace`).
    pub restarting: Restarting,
    /// How often a waiting scheduler re-checks conditions that use custom conditions
    /// (default 1 second). Red Engine has no such key: it spins instead.
    pub custom_poll: Duration,
    // async: signal handling.
    /// `run()` installs SIGINT/SIGTERM handlers that shut it down gracefully (default
    /// `true`). Turn it off when the program handles signals itself (e.g. with
    /// `tokio::signal`) and stops the session through its handle.
    pub handle_signals: bool,
    // --- store: the SQLite log ---
    /// Keep the task log in the SQLite database at this path instead of the CSV log
    /// (default none). A store set on the builder (`log_csv`, `log_sqlite`, …) wins.
    /// Needs redengine's `sqlite` feature: without it the key is refused with an error
    /// naming the feature.
    pub log_sqlite: Option<std::path::PathBuf>,
    /// How much of the task log to keep (default: everything). Older records leave the
    /// in-memory history and the SQLite log; the CSV log only by `log compact`.
    pub log_retention: Option<crate::log::Retention>,
    // zones: the misfire default.
    /// What tasks that set no `misfire` do about occurrences missed while the scheduler
    /// was down (default `run_if_open`). Red Engine has no such key.
    pub misfire: Misfire,
    // --- cluster: the PostgreSQL log and leadership ---
    /// Keep the task log in the PostgreSQL database at this URL (`postgres://…`), and
    /// run as one node of a scheduler cluster on it (default none; needs the `postgres`
    /// feature; `docs/cluster.md`). A store set on the builder wins.
    pub log_postgres: Option<String>,
    /// How long a standby may take to take over from a leader that died (default 10
    /// seconds).
    pub cluster_lease: Duration,
    // --- status: the status page (docs/status.md) ---
    /// Serve the status page, its JSON API and `/metrics` at this address while the
    /// scheduler runs (default none). Needs the `status` cargo feature; without it a set
    /// value is an error at start-up naming the feature.
    pub status_page: Option<String>,
    /// The token a client must send (`Authorization: Bearer …` or `X-Redengine-Token`)
    /// for the page's actions: run now, terminate, disable, enable (default none: every
    /// action is refused).
    pub status_token: Option<String>,
    /// The most connections the status page holds open at once; one more is answered
    /// `503` with `Retry-After` at once (default 64).
    pub status_connections: usize,
    /// The time a status-page client has to send its whole request, and the server to
    /// write the whole answer; a slower client is dropped (default 5 seconds).
    pub status_timeout: Duration,
    /// The most answers per second the status page gives, all clients together; a
    /// request beyond the pace waits its turn (default 50). A page hammered by many
    /// clients then keeps the CPUs mostly idle, so the scheduler's loop wakes on one at
    /// once.
    pub status_rate: u32,
}

/// perfspeed: set by a process child before it builds the session. A child never
/// schedules, so it never asks the system for its CPU count (a cgroup lookup that costs
/// tens of microseconds); its [`Config::process_limit`] reads 1.
static PROCESS_CHILD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// This process is a process child: see [`PROCESS_CHILD`].
pub(crate) fn mark_process_child() {
    PROCESS_CHILD.store(true, std::sync::atomic::Ordering::Relaxed);
}

// perf (start-up): the CPU count is a cgroup lookup (about 20 system calls: the process's
// cgroup, its CPU quota and period, the affinity mask). A session that runs no `process`
// task never needs it, so it is looked up at the first `process_limit()` rather than by
// every `Config::default()` — the start-up of every program and every process child.
impl Config {
    /// The most `process` runs alive at once: `max_process_count`, or for `0` (the
    /// default) the number of CPUs, looked up once per process (1 in a process child).
    pub fn process_limit(&self) -> usize {
        static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        match self.max_process_count {
            0 if PROCESS_CHILD.load(std::sync::atomic::Ordering::Relaxed) => 1,
            0 => *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            n => n,
        }
    }
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
            max_process_count: 0,
            instant_shutdown: false,
            shut_cond: "false".to_string(),
            restarting: Restarting::Replace,
            custom_poll: Duration::from_secs(1),
            // async: signal handling.
            handle_signals: true,
            log_sqlite: None,
            log_retention: None,
            // zones
            misfire: Misfire::RunIfOpen,
            // cluster
            log_postgres: None,
            cluster_lease: Duration::from_secs(10),
            // status: the status page.
            status_page: None,
            status_token: None,
            status_connections: 64,
            status_timeout: Duration::from_secs(5),
            status_rate: 50,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(key: &str, value: &str) -> String {
        match Config::default().set(key, value) {
            Ok(()) => panic!("{key} = {value:?} was accepted"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn every_key_is_in_the_one_table() {
        assert!(Config::KEYS.contains(&"custom_poll"));
        let mut config = Config::default();
        for (key, value) in [
            ("task_pre_exist", "rename"),
            ("use_instance_naming", "true"),
            ("silence_task_prerun", "false"),
            ("silence_cond_check", "false"),
            ("force_status_from_logs", "true"),
            ("cycle_sleep", "1"),
            ("task_execution", "thread"),
            ("timeout", "1"),
            ("max_process_count", "2"),
            ("instant_shutdown", "true"),
            ("shut_cond", "true"),
            ("restarting", "recall"),
            ("custom_poll", "1"),
            ("handle_signals", "false"),
        ] {
            config
                .set(key, value)
                .unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        assert!(!config.handle_signals);
        let unknown = refused("custom_pol", "1");
        assert!(unknown.contains("did you mean `custom_poll`?"), "{unknown}");
    }

    // store: the `log_sqlite` key in a build without the `sqlite` feature.
    #[cfg(not(feature = "sqlite"))]
    #[test]
    fn log_sqlite_without_the_feature_names_it() {
        let e = refused("log_sqlite", "log/tasks.db");
        assert!(e.contains("config `log_sqlite`"), "{e}");
        assert!(e.contains("redengine's `sqlite` feature"), "{e}");
        assert!(e.contains(r#"features = ["sqlite"]"#), "{e}");
    }

    /// Every duration setting takes the grammar of `timeout`.
    #[test]
    fn every_duration_takes_the_same_grammar() {
        for (text, seconds) in [
            ("2 hours", 7_200.0),
            ("1h 30min", 5_400.0),
            ("2 seconds", 2.0),
            ("90", 90.0),
            ("0.5", 0.5),
        ] {
            let mut config = Config::default();
            config.set("cycle_sleep", text).unwrap();
            config.set("custom_poll", text).unwrap();
            config.set("timeout", text).unwrap();
            let expected = Duration::from_secs_f64(seconds);
            assert_eq!(config.cycle_sleep, Some(expected), "{text}");
            assert_eq!(config.custom_poll, expected, "{text}");
            assert_eq!(config.timeout, Timeout::After(expected), "{text}");
        }
        let mut config = Config::default();
        config.set("cycle_sleep", "none").unwrap();
        assert_eq!(config.cycle_sleep, None);
    }

    #[test]
    fn the_process_limit_is_the_cpu_count_unless_set() {
        let mut config = Config::default();
        assert_eq!(config.max_process_count, 0);
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(config.process_limit(), cpus);
        config.set("max_process_count", "3").unwrap();
        assert_eq!((config.max_process_count, config.process_limit()), (3, 3));
        // The key still takes only a count of at least 1.
        assert!(refused("max_process_count", "0").contains("at least 1"));
    }

    #[test]
    fn zero_and_typos_are_refused_with_the_reason() {
        let zero = refused("timeout", "0");
        assert!(zero.contains("greater than zero"), "{zero}");
        assert!(zero.contains("\"never\""), "{zero}");
        for key in ["cycle_sleep", "custom_poll"] {
            let zero = refused(key, "0");
            assert!(zero.contains("greater than zero"), "{key}: {zero}");
        }
        let typo = refused("cycle_sleep", "2 secs");
        assert!(typo.contains("did you mean `sec`?"), "{typo}");
        let typo = refused("timeout", "2 hourz");
        assert!(typo.contains("did you mean `hours`?"), "{typo}");
        let typo = refused("task_execution", "threads");
        assert!(typo.contains("did you mean `thread`?"), "{typo}");
        assert_eq!(typo.matches("`process`").count(), 1, "{typo}");
    }
}
