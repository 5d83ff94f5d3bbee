//! `list`: one entry per task, in check order. By default each task takes a row of short
//! columns and its conditions go on indented lines below, so the listing fits an 80–100
//! column terminal; `--wide` puts everything on one row per task, `--json` writes one
//! JSON document for scripts.

use std::fmt::Write as _;

use redengine_conditions::Condition;
use serde_json::{json, Value as Json};

use super::failure::Failure;
use super::snapshot::{kind, rfc3339, Snapshot};
use crate::ignite::Prepared;
use crate::next::{next_start, NextStart};
use crate::registry::TaskFlags;
use crate::scheduler::resolver::CondResolver;
use crate::session::Session;

/// How `list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// Short rows, conditions below (the default).
    Narrow,
    /// One row per task, every column (`--wide`).
    Wide,
    /// JSON (`--json`).
    Json,
}

/// The width the default layout wraps conditions at: `COLUMNS` when the shell exports it,
/// else 100.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|c| *c >= 40)
        .unwrap_or(100)
}

/// One task as `list` shows it.
pub(super) struct Entry<'a> {
    pub(super) task: &'a Prepared,
    pub(super) next: NextStart,
    /// Why the condition does not launch it, if so (`at start-up`, `never (disabled)`).
    special: Option<&'static str>,
}

impl Entry<'_> {
    pub(super) fn next_text(&self, snap: &Snapshot) -> String {
        // retries: a waiting retry is the next start, whatever the condition says.
        if let Some(text) = snap.retry_text(self.task) {
            return text;
        }
        match self.special {
            Some(text) => text.to_string(),
            None => self.next.describe(|t| snap.show(t, self.task)),
        }
    }
}

/// `list`: the text (or JSON) for every task.
pub(super) fn list(
    session: &mut Session,
    at: Option<&str>,
    layout: Layout,
) -> Result<String, Failure> {
    let snap = Snapshot::take(session, at)?;
    let params = session.control.params();
    let resolver = CondResolver::new(&params, &session.conditions);
    let entries = entries(&snap, &resolver);
    Ok(match layout {
        Layout::Json => json_list(&snap, &entries),
        Layout::Wide => format!("{}\n\n{}", snap.header(), wide(&snap, &entries)),
        Layout::Narrow => format!("{}\n\n{}", snap.header(), narrow(&snap, &entries)),
    })
}

/// Every task with its next start, in check order (also what `serve` shows).
pub(super) fn entries<'a>(snap: &'a Snapshot, resolver: &CondResolver<'_>) -> Vec<Entry<'a>> {
    snap.plan
        .tasks
        .iter()
        .map(|task| {
            let special = special(task.flags, &task.start);
            let next = match special {
                Some(_) => NextStart::OnEvent,
                None => next_start(&task.start, snap.at, |t| snap.context(t, task, resolver)),
            };
            Entry {
                task,
                next,
                special,
            }
        })
        .collect()
}

/// The one-row-per-task table.
fn wide(snap: &Snapshot, entries: &[Entry<'_>]) -> String {
    let mut rows = vec![[
        "TASK",
        "EXECUTION",
        "KIND",
        "PRIORITY",
        "FLAGS",
        "LAST OUTCOME",
        "NEXT START",
        "START_COND",
        "END_COND",
    ]
    .map(str::to_string)
    .to_vec()];
    for e in entries {
        let task = e.task;
        rows.push(vec![
            task.name.to_string(),
            task.execution.to_string(),
            task.body.kind_name().to_string(),
            task.priority.to_string(),
            flags(task.flags).unwrap_or_else(|| "-".to_string()),
            snap.last(task),
            e.next_text(snap),
            task.start.to_string(),
            task.end.to_string(),
        ]);
    }
    table(&rows)
}

/// Short rows, then `start_cond`, and `end_cond`, kind and flags when they say something,
/// on indented lines wrapped at the terminal width.
fn narrow(snap: &Snapshot, entries: &[Entry<'_>]) -> String {
    let header = [
        "TASK",
        "EXECUTION",
        "PRIORITY",
        "LAST OUTCOME",
        "NEXT START",
    ];
    let mut rows = vec![header.map(str::to_string).to_vec()];
    for e in entries {
        rows.push(vec![
            e.task.name.to_string(),
            e.task.execution.to_string(),
            e.task.priority.to_string(),
            snap.last(e.task),
            e.next_text(snap),
        ]);
    }
    let lines: Vec<String> = table(&rows).lines().map(str::to_string).collect();
    let width = width();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(e) = i.checked_sub(1).and_then(|i| entries.get(i)) else {
            continue;
        };
        let task = e.task;
        let mut details = vec![format!("start_cond: {}", task.start)];
        // zones
        if let Some(zone) = snap.own_zone(task) {
            details.push(format!("zone: {zone}"));
        }
        if !matches!(*task.end, Condition::False) {
            details.push(format!("end_cond: {}", task.end));
        }
        if task.body.kind_name() != "function" {
            details.push(format!("kind: {}", kind(task)));
        }
        if let Some(flags) = flags(task.flags) {
            details.push(format!("flags: {flags}"));
        }
        for detail in details {
            out.push_str(&wrap(&detail, "    ", "        ", width));
        }
    }
    out
}

/// `text` on lines of at most `width` columns (words longer than a line are kept whole).
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ') {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !empty && !fits {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// `{"as_of": …, "tasks": [{"name": …, "next_start": {"when": "at", "at": …}, …}]}`.
fn json_list(snap: &Snapshot, entries: &[Entry<'_>]) -> String {
    let tasks: Vec<Json> = entries
        .iter()
        .map(|e| {
            let task = e.task;
            let (when, at) = match (e.special, &e.next) {
                (Some(_), _) => (special_when(task.flags, &task.start), None),
                (None, NextStart::Now) => ("now", Some(snap.at)),
                (None, NextStart::At(at)) => ("at", Some(*at)),
                (None, NextStart::OnEvent) => ("on_event", None),
                (None, NextStart::EveryCycle) => ("every_cycle", None),
                (None, NextStart::NotWithinYear) => ("not_within_year", None),
                (None, NextStart::Error(_)) => ("error", None),
            };
            // retries: a waiting retry is the next start.
            let retry = snap.retry(task);
            let (when, at) = match retry {
                Some((_, _, due)) => ("retry", Some(due)),
                None => (when, at),
            };
            let retry = retry.map_or(
                Json::Null,
                |(attempt, of, due)| json!({"attempt": attempt, "of": of, "at": rfc3339(due)}),
            );
            json!({
                "retry": retry,
                "name": task.name,
                "execution": task.execution.to_string(),
                "kind": task.body.kind_name(),
                "describe": kind(task),
                "priority": task.priority,
                "flags": flag_names(task.flags),
                "last": snap.last_json(&task.name),
                "next_start": {
                    "when": when,
                    "at": at.map(rfc3339),
                    "text": e.next_text(snap),
                },
                "start_cond": task.start.to_string(),
                "end_cond": task.end.to_string(),
                // zones
                "zone": snap.zone_of(task),
            })
        })
        .collect();
    let mut doc = snap.json_head();
    doc.insert("tasks".into(), Json::Array(tasks));
    let mut text = Json::Object(doc).to_string();
    text.push('\n');
    text
}

/// The next start of a task its condition does not launch, if so.
fn special(flags: TaskFlags, start: &Condition) -> Option<&'static str> {
    if flags.on_startup {
        Some("at start-up")
    } else if flags.on_shutdown {
        Some("at shutdown")
    } else if flags.force_run {
        Some("first cycle (force_run)")
    } else if flags.disabled {
        Some("never (disabled)")
    } else if matches!(start, Condition::False) {
        Some("never (start_cond is false)")
    } else {
        None
    }
}

/// [`special`]'s answer as a JSON `when`.
fn special_when(flags: TaskFlags, start: &Condition) -> &'static str {
    match special(flags, start) {
        Some("at start-up") => "startup",
        Some("at shutdown") => "shutdown",
        Some("first cycle (force_run)") => "first_cycle",
        _ => "never",
    }
}

/// The names of the flags that are set.
pub(super) fn flag_names(flags: TaskFlags) -> Vec<&'static str> {
    [
        (flags.disabled, "disabled"),
        (flags.force_run, "force_run"),
        (flags.on_startup, "on_startup"),
        (flags.on_shutdown, "on_shutdown"),
        (flags.permanent, "permanent"),
    ]
    .iter()
    .filter_map(|(on, name)| on.then_some(*name))
    .collect()
}

/// `disabled, on_startup`, or `None`.
fn flags(flags: TaskFlags) -> Option<String> {
    let set = flag_names(flags);
    (!set.is_empty()).then(|| set.join(", "))
}

/// Left-aligned columns two spaces apart; the last column is not padded.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[c] - cell.chars().count();
                let _ = write!(line, "{cell}{:pad$}  ", "");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // zones: a task's times on its own clock, its zone named.
    #[test]
    fn a_task_zone_is_shown_and_used() {
        use crate::{ManualClock, Task, Zone};
        use chrono::{TimeZone, Utc};
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2024, 3, 9, 12, 0, 0).unwrap());
        let ny = Zone::from_name("America/New_York").unwrap();
        let mut session = Session::builder()
            .clock(clock)
            .zone(Zone::from_name("Europe/Helsinki").unwrap())
            .log_memory()
            .task(
                Task::builder("ny")
                    .start_cond("daily between 02:15 and 02:45")
                    .zone(ny)
                    .run(|_| ()),
            )
            .task(
                Task::builder("here")
                    .start_cond("daily between 02:15 and 02:45")
                    .run(|_| ()),
            )
            .build()
            .unwrap();
        // Helsinki's 2024-03-10 00:00 is 2024-03-09 22:00 UTC.
        let json = list(&mut session, Some("2024-03-10T00:00"), Layout::Json).unwrap();
        let doc: Json = serde_json::from_str(&json).unwrap();
        let ny = &doc["tasks"][0];
        assert_eq!(ny["zone"], "America/New_York");
        // In the spring-forward gap: 03:15 EDT.
        assert_eq!(ny["next_start"]["at"], "2024-03-10T07:15:00Z");
        assert_eq!(
            ny["next_start"]["text"],
            "2024-03-10 03:15:00 America/New_York"
        );
        let here = &doc["tasks"][1];
        assert_eq!(here["zone"], "Europe/Helsinki");
        assert_eq!(here["next_start"]["at"], "2024-03-10T00:15:00Z");
        assert_eq!(here["next_start"]["text"], "2024-03-10 02:15:00");
        let text = list(&mut session, Some("2024-03-10T00:00"), Layout::Narrow).unwrap();
        assert!(
            text.contains("2024-03-10 03:15:00 America/New_York"),
            "{text}"
        );
        assert!(text.contains("    zone: America/New_York"), "{text}");
        let (check, _) = crate::cli::check::check(
            &mut session,
            &["ny".into()],
            Some("2024-03-10T00:00"),
            false,
        )
        .unwrap();
        assert!(check.contains("  zone: America/New_York"), "{check}");
    }

    #[test]
    fn table_aligns_and_trims() {
        let rows = vec![
            vec!["A".to_string(), "BB".to_string(), "C".to_string()],
            vec!["long".to_string(), "-".to_string(), "x y".to_string()],
        ];
        assert_eq!(table(&rows), "A     BB  C\nlong  -   x y\n");
    }

    #[test]
    fn flag_names_joined() {
        assert_eq!(flags(TaskFlags::NONE), None);
        let f = TaskFlags {
            disabled: true,
            permanent: true,
            ..TaskFlags::NONE
        };
        assert_eq!(flags(f).as_deref(), Some("disabled, permanent"));
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let text = "start_cond: daily between 08:00 and 08:15 & after task 'wake_up' succeeded";
        let wrapped = wrap(text, "    ", "        ", 40);
        assert_eq!(
            wrapped,
            "    start_cond: daily between 08:00 and\n        08:15 & after task 'wake_up'\n        succeeded\n"
        );
        assert!(wrapped.lines().all(|l| l.chars().count() <= 40));
        assert_eq!(wrap("a b", "  ", "    ", 80), "  a b\n");
    }
}
