//! The `config` keys by name: the one table that `Config::set`, `Config::KEYS` and the
//! "did you mean" hints read, with the parsers of their values.

use std::str::FromStr;
use std::time::Duration;

use redengine_conditions::settings;

use super::{Config, Restarting, TaskPreExist, Timeout};
use crate::error::Error;
use crate::execution::Execution;
use crate::misfire::Misfire;

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
            let path = std::path::PathBuf::from(v);
            // Without the `sqlite` feature: the error naming it, here rather than at build.
            crate::log::sqlite_available(&path).map_err(Some)?;
            c.log_sqlite = Some(path);
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
    settings::parse_setting_duration(v).map_err(|e| Some(e.one_line()))
}

fn parse_bool(v: &str) -> Result<bool, Option<String>> {
    match v {
        "true" | "True" => Ok(true),
        "false" | "False" => Ok(false),
        _ => Err(None),
    }
}
