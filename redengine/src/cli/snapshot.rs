//! What `list` and `check` look at: the session's tasks and log at one instant.
//!
//! Both ignite the session (so the tasks, names and conditions are exactly what the
//! scheduler would use, in its check order), read the log once, and evaluate in a
//! context built like the scheduler's. Scheduler phrases (`scheduler has more than 2
//! cycles`) are read as if the scheduler had just started at that instant: no scheduler
//! runs here, and "just started" is what `run` would see first.

use chrono::{DateTime, SecondsFormat, Utc};
use redengine_conditions::{Action, Context, History, SchedulerState, Zone};
use serde_json::{json, Value as Json};

use super::failure::Failure;
use super::names::short_types_in;
use super::time::{parse_at, show, zone_name};
use crate::ignite::{Mode, Plan, Prepared};
use crate::scheduler::resolver::CondResolver;
use crate::scheduler::retries::{Trail, Trails};
use crate::session::Session;

/// The session's tasks and log as seen at one instant.
pub(super) struct Snapshot {
    pub(super) plan: Plan,
    pub(super) history: History,
    pub(super) at: DateTime<Utc>,
    pub(super) zone: Zone,
    /// `UTC`, `local time (Europe/Helsinki, UTC+02:00)`.
    pub(super) zone_name: String,
    /// The log's description (`CSV log at …`).
    pub(super) log: String,
    /// The task-file problems reported while the plan was made (those tasks are left out).
    pub(super) problems: Vec<String>,
    // retries: each task's runs as the log tells them, for a retry waiting for its time.
    trails: Trails,
}

impl Snapshot {
    /// Ignites the session, parses `--at` and reads the log up to that instant. A log
    /// file that does not exist yet is an empty log: a read-only command creates nothing
    /// (`LogStore::peek`).
    pub(super) fn take(session: &mut Session, at: Option<&str>) -> Result<Snapshot, Failure> {
        // The scheduler's own ignite: task-file problems are reported and those tasks left
        // out, exactly as `run` would.
        if let Some(files) = session.loader.as_mut() {
            files.scan();
        }
        let reported = crate::console::problems_reported();
        let plan = crate::ignite::ignite(session, Mode::Run)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        let problems = crate::console::problems_since(reported);
        let zone = session.zone;
        let now = session.clock.now();
        let at = match at {
            Some(text) => parse_at(text, zone, now).map_err(Failure::Usage)?,
            None => now,
        };
        let mut history = History::new();
        let mut trails = Trails::default();
        session
            .store
            .peek_heads(&mut |record| {
                let created = record.created.with_timezone(&Utc);
                if created <= at {
                    // retries: conditions see what the scheduler's history holds.
                    if record.counts_for_conditions() {
                        history.push(record.task_name, record.action, created);
                    }
                    trails.follow(&record);
                }
            })
            .map_err(|e| {
                Failure::Runtime(format!(
                    "cannot read the task log ({}): {e}",
                    session.store.describe()
                ))
            })?;
        Ok(Snapshot {
            plan,
            history,
            at,
            zone,
            zone_name: zone_name(zone, at),
            log: session.store.describe(),
            problems,
            trails,
        })
    }

    /// "as of 2024-01-03 08:05:00 UTC, 4 records from the CSV log at …".
    pub(super) fn header(&self) -> String {
        format!(
            "as of {} {}, {} record{} from the {}",
            show(self.at, self.zone),
            self.zone_name,
            self.history.len(),
            if self.history.len() == 1 { "" } else { "s" },
            self.log
        )
    }

    /// The fields every JSON document starts with.
    pub(super) fn json_head(&self) -> serde_json::Map<String, Json> {
        let mut head = serde_json::Map::new();
        head.insert("as_of".into(), json!(rfc3339(self.at)));
        head.insert("zone".into(), json!(self.zone_name));
        head.insert("log".into(), json!(self.log));
        head.insert("records".into(), json!(self.history.len()));
        head.insert("problems".into(), json!(self.problems));
        head
    }

    /// The evaluation context for `task`'s conditions at `at`, in the task's zone.
    pub(super) fn context<'a>(
        &'a self,
        at: DateTime<Utc>,
        task: &'a Prepared,
        resolver: &'a CondResolver<'a>,
    ) -> Context<'a> {
        Context::new(at, task.zone, &self.history)
            .with_owner(&task.name)
            .with_scheduler(SchedulerState {
                cycles: 0,
                started: self.at,
            })
            .with_resolver(resolver)
    }

    /// A retry of `task` waiting for its time: (the attempt, of how many, when), per
    /// the log and the task's current settings.
    pub(super) fn retry(&self, task: &Prepared) -> Option<(u32, u32, DateTime<Utc>)> {
        let (attempt, due, _, _) = self.trails.get(&task.name)?.waiting()?;
        let attempts = task.retry.attempts();
        (attempt <= attempts).then(|| (attempt, attempts, due.with_timezone(&Utc)))
    }

    /// `retry (attempt 2 of 4) at 2024-01-03 08:01:00`, for a waiting retry.
    pub(super) fn retry_text(&self, task: &Prepared) -> Option<String> {
        let (attempt, attempts, due) = self.retry(task)?;
        Some(format!(
            "retry (attempt {attempt} of {attempts}) at {}",
            self.show(due, task)
        ))
    }

    /// `success at 2024-01-03 08:00:01`, `run at … (unfinished)`, `never run`; a failure
    /// waiting for its retry says so: `fail at …, retry (attempt 2 of 4) at …`.
    /// Times are in the task's zone.
    pub(super) fn last(&self, task: &Prepared) -> String {
        let waiting = self
            .trails
            .get(&task.name)
            .and_then(Trail::waiting)
            .and_then(|w| Some((self.retry_text(task)?, w)));
        if let Some((text, (_, _, action, at))) = waiting {
            return format!(
                "{action} at {}, {text}",
                self.show(at.with_timezone(&Utc), task)
            );
        }
        match self.history.last_record(&task.name) {
            None => "never run".to_string(),
            Some((Action::Run, at)) => format!("run at {} (unfinished)", self.show(at, task)),
            Some((action, at)) => format!("{action} at {}", self.show(at, task)),
        }
    }

    // zones: a task's times on its own wall clock.
    /// The name of `task`'s zone when it is not the session's (the header names that one).
    pub(super) fn own_zone(&self, task: &Prepared) -> Option<String> {
        (task.zone != self.zone).then(|| zone_name(task.zone, self.at))
    }

    /// The name of `task`'s zone, for JSON.
    pub(super) fn zone_of(&self, task: &Prepared) -> String {
        zone_name(task.zone, self.at)
    }

    /// `at` on `task`'s wall clock, its zone named when it is not the session's:
    /// `2024-03-10 03:30:00 America/New_York`.
    pub(super) fn show(&self, at: DateTime<Utc>, task: &Prepared) -> String {
        match self.own_zone(task) {
            Some(name) => format!("{} {name}", show(at, task.zone)),
            None => show(at, task.zone),
        }
    }

    /// The last record as JSON: `{"action": "success", "at": "…"}` or `null`.
    pub(super) fn last_json(&self, task: &str) -> Json {
        match self.history.last_record(task) {
            None => Json::Null,
            Some((action, at)) => json!({"action": action.as_str(), "at": rfc3339(at)}),
        }
    }
}

/// What a task runs, type names as written (`function returning `Vec<u32>``).
pub(super) fn kind(task: &Prepared) -> String {
    short_types_in(&task.body.describe())
}

/// An instant for scripts: RFC 3339 in UTC (`2024-01-03T08:05:00Z`).
pub(super) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
