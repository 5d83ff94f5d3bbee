//! A task's own time zone: every wall-clock phrase of its conditions (windows, `cron`,
//! `time of …`, `has … today`) is computed in it instead of the session's zone
//! (docs/time-zones.md, "Per-task zones").

use redengine_conditions::Zone;

/// The zone a task asked for, as it was given: a [`Zone`] value (the builder, a task
/// file), or a name read at ignite (`#[task(zone = "…")]`, `TaskBuilder::zone_name`), so
/// a misspelled name is reported with the task's other problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaskZone {
    /// A zone value.
    Zone(Zone),
    /// A zone name, read by [`Zone::from_name`] at ignite.
    Name(String),
}

impl TaskZone {
    /// The zone it names: `Err` is the message of an ignite problem, naming the task, the
    /// name, the closest zone and, for an IANA name without the `tz` feature, the feature.
    pub(crate) fn resolve(&self, task: &str) -> Result<Zone, String> {
        match self {
            TaskZone::Zone(zone) => Ok(*zone),
            TaskZone::Name(name) => {
                Zone::from_name(name).map_err(|e| format!("task '{task}': zone: {e}"))
            }
        }
    }
}

/// The zone of `task` or, when it names none, the session's.
pub(crate) fn effective(
    task: Option<&TaskZone>,
    session: Zone,
    name: &str,
) -> Result<Zone, String> {
    task.map_or(Ok(session), |z| z.resolve(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_at_ignite_with_the_task_in_the_message() {
        assert_eq!(effective(None, Zone::Utc, "a"), Ok(Zone::Utc));
        let fixed = TaskZone::Name("UTC+02:00".into()).resolve("a").unwrap();
        assert_eq!(fixed.to_string(), "UTC+02:00");
        let e = TaskZone::Name("UTC+2".into())
            .resolve("report")
            .unwrap_err();
        assert!(
            e.starts_with("task 'report': zone: unknown time zone `UTC+2`"),
            "{e}"
        );
        assert!(e.contains("did you mean `UTC+02:00`?"), "{e}");
    }
}
