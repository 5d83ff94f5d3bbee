//! Session configuration: typed values plus the string-keyed form of Red Engine's
//! `config={…}` dict.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use redengine_conditions::settings;

use crate::error::Error;
use crate::execution::Execution;
use crate::misfire::Misfire;

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
            Err(error) => Err(reason(&error)),
        }
    }
}

/// A settings parse error as one line: the message and its help.
fn reason(error: &redengine_conditions::ParseError) -> String {
    match error.help() {
        Some(help) => format!("{}; {help}", error.message()),
        None => error.message().to_string(),
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
    /// At most this many `process` runs alive at once (default: the number of CPUs).
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
/// schedules, so it does not ask the system for its CPU count (a cgroup lookup that costs
/// a child tens of microseconds per run); its `max_process_count` reads 1.
static PROCESS_CHILD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// This process is a process child: see [`PROCESS_CHILD`].
pub(crate) fn mark_process_child() {
    PROCESS_CHILD.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The default `max_process_count`: the number of CPUs (1 in a process child).
fn default_process_count() -> usize {
    if PROCESS_CHILD.load(std::sync::atomic::Ordering::Relaxed) {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
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
            max_process_count: default_process_count(),
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

/// One `config` key: its name, what it accepts (for messages) and how its string form is
/// applied. `Err(Some(reason))` adds the parser's reason to the message.
struct Key {
    name: &'static str,
    accepted: &'static str,
    apply: fn(&mut Config, &str) -> Result<(), Option<String>>,
}

const BOOL: &str = "`true`, `false`";

/// Every key [`Config::set`] accepts, in the order messages list them: the one table the
/// setter, [`Config::KEYS`] and the "did you mean" hints all read.
const TABLE: &[Key] = &[
    Key {
        name: "task_pre_exist",
        accepted: "`raise`, `replace`, `ignore`, `rename`",
        apply: |c, v| {
            c.task_pre_exist = match v {
                "raise" => TaskPreExist::Raise,
                "replace" => TaskPreExist::Replace,
                "ignore" => TaskPreExist::Ignore,
                "rename" => TaskPreExist::Rename,
                _ => return Err(None),
            };
            Ok(())
        },
    },
    Key {
        name: "use_instance_naming",
        accepted: BOOL,
        apply: |c, v| {
            c.use_instance_naming = parse_bool(v)?;
            Ok(())
        },
    },
    Key {
        name: "silence_task_prerun",
        accepted: BOOL,
        apply: |c, v| {
            c.silence_task_prerun = parse_bool(v)?;
            Ok(())
        },
    },
    Key {
        name: "silence_cond_check",
        accepted: BOOL,
        apply: |c, v| {
            c.silence_cond_check = parse_bool(v)?;
            Ok(())
        },
    },
    Key {
        name: "force_status_from_logs",
        accepted: BOOL,
        apply: |c, v| {
            c.force_status_from_logs = parse_bool(v)?;
            Ok(())
        },
    },
    Key {
        name: "cycle_sleep",
        accepted: "`none`, or a duration such as \"2 seconds\" or \"1min 30s\", or a number of \
                   seconds such as \"0.5\"",
        apply: |c, v| {
            c.cycle_sleep = match v {
                "" | "none" | "None" => None,
                _ => Some(duration(v)?),
            };
            Ok(())
        },
    },
    Key {
        name: "task_execution",
        accepted: settings::EXECUTION_ACCEPTED,
        apply: |c, v| {
            c.task_execution = v.parse::<Execution>().map_err(|_| {
                // Only the hint: the accepted names are already in the message.
                let error = settings::parse_execution(v).err()?;
                error
                    .help()
                    .filter(|h| h.starts_with("did you mean"))
                    .map(str::to_owned)
            })?;
            Ok(())
        },
    },
    Key {
        name: "timeout",
        accepted: settings::TIMEOUT_ACCEPTED,
        apply: |c, v| {
            c.timeout = Timeout::parse(v).map_err(Some)?;
            Ok(())
        },
    },
    Key {
        name: "max_process_count",
        accepted: "a whole number of at least 1",
        apply: |c, v| {
            c.max_process_count = positive(v)?;
            Ok(())
        },
    },
    Key {
        name: "instant_shutdown",
        accepted: BOOL,
        apply: |c, v| {
            c.instant_shutdown = parse_bool(v)?;
            Ok(())
        },
    },
    Key {
        name: "shut_cond",
        accepted: "a condition",
        apply: |c, v| {
            c.shut_cond = v.to_string();
            Ok(())
        },
    },
    Key {
        name: "restarting",
        accepted: "`replace`, `recall`",
        apply: |c, v| {
            c.restarting = match v {
                "replace" => Restarting::Replace,
                "recall" => Restarting::Recall,
                _ => return Err(None),
            };
            Ok(())
        },
    },
    Key {
        name: "custom_poll",
        accepted: settings::DURATION_ACCEPTED,
        apply: |c, v| {
            c.custom_poll = duration(v)?;
            Ok(())
        },
    },
    // async: signal handling.
    Key {
        name: "handle_signals",
        accepted: BOOL,
        apply: |c, v| {
            c.handle_signals = parse_bool(v)?;
            Ok(())
        },
    },
    // --- store: the SQLite log ---
    Key {
        name: "log_sqlite",
        accepted: "the path of an SQLite database file, e.g. \"log/tasks.db\"",
        apply: |c, v| {
            if v.trim().is_empty() {
                return Err(None);
            }
            c.log_sqlite = Some(std::path::PathBuf::from(v));
            Ok(())
        },
    },
    Key {
        name: "log_retention",
        accepted: crate::log::Retention::ACCEPTED,
        apply: |c, v| {
            c.log_retention = match v.trim() {
                "" | "none" | "None" | "forever" => None,
                text => Some(crate::log::Retention::parse(text).map_err(Some)?),
            };
            Ok(())
        },
    },
    // zones: the misfire default.
    Key {
        name: "misfire",
        accepted: Misfire::ACCEPTED,
        apply: |c, v| {
            c.misfire = v.parse::<Misfire>().map_err(|_| {
                redengine_conditions::suggest(v, Misfire::NAMES)
                    .map(|s| format!("did you mean `{s}`?"))
            })?;
            Ok(())
        },
    },
    // --- cluster: the PostgreSQL log and leadership ---
    Key {
        name: "log_postgres",
        accepted: "a PostgreSQL URL, e.g. \"postgres://scheduler@db.example/jobs\"",
        apply: |c, v| {
            if !crate::log::is_postgres_url(v) {
                return Err(None);
            }
            crate::log::open_url(v, c.cluster_lease).map_err(Some)?;
            c.log_postgres = Some(v.trim().to_owned());
            Ok(())
        },
    },
    Key {
        name: "cluster_lease",
        accepted: settings::DURATION_ACCEPTED,
        apply: |c, v| {
            c.cluster_lease = duration(v)?;
            Ok(())
        },
    },
    // --- status: the status page ---
    Key {
        name: "status_page",
        accepted: "an address to listen on, such as `127.0.0.1:8080`",
        apply: |c, v| {
            let v = v.trim();
            if v.parse::<std::net::SocketAddr>().is_err() && !v.contains(':') {
                return Err(Some(format!("`{v}` has no port")));
            }
            c.status_page = Some(v.to_string());
            Ok(())
        },
    },
    Key {
        name: "status_token",
        accepted: "a token of at least 16 characters",
        apply: |c, v| {
            if v.trim().chars().count() < 16 {
                return Err(Some("a short token is easy to guess".to_string()));
            }
            c.status_token = Some(v.trim().to_string());
            Ok(())
        },
    },
    Key {
        name: "status_connections",
        accepted: "a positive number of connections, such as `64`",
        apply: |c, v| {
            c.status_connections = positive(v)?;
            Ok(())
        },
    },
    Key {
        name: "status_timeout",
        accepted: settings::DURATION_ACCEPTED,
        apply: |c, v| {
            let d = duration(v)?;
            if d.is_zero() {
                return Err(Some("a zero timeout drops every client".to_string()));
            }
            c.status_timeout = d;
            Ok(())
        },
    },
    Key {
        name: "status_rate",
        accepted: "a positive number of answers per second, such as `50`",
        apply: |c, v| {
            c.status_rate = positive(v)?;
            Ok(())
        },
    },
];

/// The names of [`TABLE`], as a constant slice.
const KEYS: [&str; TABLE.len()] = {
    let mut names = [""; TABLE.len()];
    let mut i = 0;
    while i < TABLE.len() {
        names[i] = TABLE[i].name;
        i += 1;
    }
    names
};

impl Config {
    /// The keys [`Config::set`] accepts.
    pub const KEYS: &'static [&'static str] = &KEYS;

    /// Sets a key from its string form, as in Red Engine's `config={…}`. An unknown key or an
    /// invalid value is an error naming the key and the accepted values.
    ///
    /// Every duration (`cycle_sleep`, `timeout`, `custom_poll`) takes the grammar of
    /// `#[task(timeout = …)]`: a duration such as `"2 hours"` or `"1h 30min"`, or a number
    /// of seconds such as `"0.5"`, greater than zero.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let Some(entry) = TABLE.iter().find(|entry| entry.name == key) else {
            let hint = redengine_conditions::suggest(key, KEYS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(Error::config(
                key,
                value,
                &format!("a known key{hint}: {}", KEYS.join(", ")),
            ));
        };
        // `shut_cond` is a condition, kept as written; every other value is a word.
        let v = if key == "shut_cond" {
            value
        } else {
            value.trim()
        };
        (entry.apply)(self, v).map_err(|reason| match reason {
            Some(reason) => Error::config(key, value, &format!("{} ({reason})", entry.accepted)),
            None => Error::config(key, value, entry.accepted),
        })
    }
}

/// A whole number of at least 1 (`None`: the key's `accepted` text is the whole hint).
fn positive<T: FromStr + PartialOrd + From<u8>>(v: &str) -> Result<T, Option<String>> {
    v.trim()
        .parse::<T>()
        .ok()
        .filter(|n| *n >= T::from(1))
        .ok_or(None)
}

/// A duration setting, with the parser's reason when it is refused.
fn duration(v: &str) -> Result<Duration, Option<String>> {
    settings::parse_setting_duration(v).map_err(|e| Some(reason(&e)))
}

fn parse_bool(v: &str) -> Result<bool, Option<String>> {
    match v {
        "true" | "True" => Ok(true),
        "false" | "False" => Ok(false),
        _ => Err(None),
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
        assert_eq!(Config::KEYS.len(), TABLE.len());
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
