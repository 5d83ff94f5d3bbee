//! What `--peers` compares: the libraries (the table's columns) and the scenarios (its
//! rows), each with its unit and which way is better, and the idle scenarios' time.

use chrono::{Timelike, Utc};

/// The libraries, in the order of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Lib {
    Ours,
    Tcs,
    Clokwerk,
}

impl Lib {
    pub(crate) const ALL: [Lib; 3] = [Lib::Ours, Lib::Tcs, Lib::Clokwerk];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Lib::Ours => "redengine",
            Lib::Tcs => "tokio-cron-scheduler",
            Lib::Clokwerk => "clokwerk",
        }
    }

    pub(super) fn from_key(key: &str) -> Option<Lib> {
        Lib::ALL.into_iter().find(|l| l.key() == key)
    }
}

/// One row of the peers table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    pub(crate) key: &'static str,
    pub(crate) title: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) higher_is_better: bool,
}

pub(crate) const SCENARIOS: [Scenario; 9] = [
    Scenario {
        key: "idle_cpu",
        title: "idle CPU, 1,000 tasks not due",
        unit: "% core",
        higher_is_better: false,
    },
    Scenario {
        key: "check_10k",
        title: "one check with 10,000 idle tasks",
        unit: "µs",
        higher_is_better: false,
    },
    Scenario {
        key: "rss_1k",
        title: "peak RSS, 1,000 tasks scheduled",
        unit: "MiB",
        higher_is_better: false,
    },
    Scenario {
        key: "rss_10k",
        title: "peak RSS, 10,000 tasks scheduled",
        unit: "MiB",
        higher_is_better: false,
    },
    Scenario {
        key: "launch_1k",
        title: "launch → first check, 1,000 tasks",
        unit: "ms",
        higher_is_better: false,
    },
    Scenario {
        key: "latency_p50",
        title: "latency scheduled instant → body, median",
        unit: "ms",
        higher_is_better: false,
    },
    Scenario {
        key: "latency_p99",
        title: "latency scheduled instant → body, p99",
        unit: "ms",
        higher_is_better: false,
    },
    Scenario {
        key: "burst_10k",
        title: "a burst of 10,000 due tasks, each on a pooled thread / tokio task",
        unit: "runs/s",
        higher_is_better: true,
    },
    Scenario {
        key: "burst_inline_10k",
        title: "a burst of 10,000 due tasks, run inline one after the other",
        unit: "runs/s",
        higher_is_better: true,
    },
];

/// A daily time about two hours ahead (UTC, kept inside the day): the idle tasks' time.
pub(super) fn idle_time() -> (u32, u32) {
    let later = Utc::now() + chrono::TimeDelta::hours(2);
    let minute = (later.hour() * 60 + later.minute()).min(23 * 60 + 44);
    (minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_keys_round_trip() {
        for lib in Lib::ALL {
            assert_eq!(Lib::from_key(lib.key()), Some(lib));
        }
    }
}
