//! One task file: TOML `[[task]]` entries → command [`Task`]s, every problem with its
//! file and line.
//!
//! The TOML is walked by hand over `toml`'s spanned document (`DeTable`) instead of
//! derived with serde: serde stops at the first error, while a user fixing a file wants
//! every mistake at once (serde_derive's `Ctxt` idea), each on its own line, and one bad
//! entry must not hide the good entries next to it.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use redengine_conditions::suggest;
use toml::de::DeTable;

use super::fields::{Entry, Lines};
use crate::error::Problem;
use crate::execution::Execution;
use crate::kind::{placeholders, CommandTask};
use crate::location::Location;
use crate::task::Task;

/// The keys a `[[task]]` entry accepts.
const KEYS: &[&str] = &[
    "name",
    "command",
    "args",
    "start_cond",
    "end_cond",
    "execution",
    "timeout",
    "priority",
    "parameters",
    "env",
    "disabled",
    // retries
    "retries",
    "retry_delay",
    "retry_backoff",
    "retry_max_delay",
    "retry_jitter",
    "max_instances",
    // zones
    "zone",
    "misfire",
];

/// A task read from a file, with what identifies its definition.
pub(crate) struct LoadedTask {
    pub(crate) task: Task,
    /// Hash of the file path and the entry's text: equal means "unchanged" at reload.
    pub(crate) fingerprint: u64,
}

/// What one file yields: the good tasks and every problem.
#[derive(Default)]
pub(crate) struct FileTasks {
    pub(crate) tasks: Vec<LoadedTask>,
    pub(crate) problems: Vec<Problem>,
}

/// Reads the tasks of `text` (the contents of `path`; `file` is its interned display path).
pub(crate) fn read(file: &'static str, text: &str) -> FileTasks {
    let mut out = FileTasks::default();
    let lines = Lines::new(file, text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let at = e.span().map_or(0, |s| s.start);
        let message = e.message().trim_end().replace('\n', "; ");
        out.problems
            .push(lines.problem(at, format!("invalid TOML: {message}")));
    }
    if !errors.is_empty() {
        return out;
    }
    let doc = doc.get_ref();
    for (key, _) in doc.iter() {
        if key.get_ref() != "task" {
            out.problems.push(lines.problem(
                key.span().start,
                format!(
                    "unknown top-level key `{}`; a task file holds `[[task]]` entries only",
                    key.get_ref()
                ),
            ));
        }
    }
    let Some(entries) = doc.get("task") else {
        return out;
    };
    let Some(array) = entries.get_ref().as_array() else {
        out.problems.push(lines.problem(
            entries.span().start,
            "`task` must be an array of tables: write each task as `[[task]]`".to_string(),
        ));
        return out;
    };
    for entry in array.iter() {
        match entry.get_ref().as_table() {
            Some(table) => read_entry(&lines, path_hash(file), entry.span(), table, &mut out),
            None => out.problems.push(lines.problem(
                entry.span().start,
                "each `task` must be a table: write it as `[[task]]`".to_string(),
            )),
        }
    }
    out
}

/// One `[[task]]` entry.
fn read_entry(
    lines: &Lines<'_>,
    seed: u64,
    span: Range<usize>,
    table: &DeTable<'_>,
    out: &mut FileTasks,
) {
    let mut cx = Entry {
        lines,
        table,
        problems: Vec::new(),
    };
    for (key, _) in table.iter() {
        let k = key.get_ref().as_ref();
        if !KEYS.contains(&k) {
            let hint = suggest(k, KEYS.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            cx.error(
                key.span().start,
                format!("unknown task key `{k}`{hint} (keys: {})", KEYS.join(", ")),
            );
        }
    }
    let name = cx.string("name");
    let label = name
        .as_ref()
        .map_or("this task".to_string(), |(n, _)| format!("task '{n}'"));
    if name.is_none() && cx.get("name").is_none() {
        cx.error(span.start, "a task needs `name = \"…\"`".to_string());
    }
    let kind = match (cx.string("command"), cx.strings("args")) {
        (Some((line, _)), None) => Some(CommandTask::new("sh").arg("-c").arg(line)),
        (None, Some((words, at))) => match words.split_first() {
            Some((program, rest)) => {
                Some(CommandTask::new(program.clone()).args(rest.iter().cloned()))
            }
            None => {
                cx.error(
                    at,
                    format!("{label}: `args` is empty; give the program and its arguments"),
                );
                None
            }
        },
        (Some(_), Some((_, at))) => {
            cx.error(at, format!("{label}: set either `command` (a shell line) or `args` (a program and its arguments), not both"));
            None
        }
        (None, None) => {
            if cx.get("command").is_none() && cx.get("args").is_none() {
                cx.error(span.start, format!("{label} needs `command = \"…\"` (run with `sh -c`) or `args = [\"program\", …]`"));
            }
            None
        }
    };
    let start = cx.condition("start_cond", &label);
    let end = cx.condition("end_cond", &label);
    let execution = cx
        .string("execution")
        .and_then(|(text, at)| match text.parse::<Execution>() {
            Ok(e) => Some(e),
            Err(e) => {
                cx.error(at, format!("{label}: {e}"));
                None
            }
        });
    let timeout = cx.timeout(&label);
    let priority = cx.integer("priority", &label);
    let disabled = cx.boolean("disabled", &label);
    let params = cx.text_table("parameters", &label);
    let env = cx.text_table("env", &label);
    let retry = cx.retry(&label);
    // zones
    let zone = cx.zone(&label);
    let misfire = cx.misfire(&label);
    let (Some((name, _)), Some(mut kind), true) = (name, kind, cx.problems.is_empty()) else {
        out.problems.append(&mut cx.problems);
        return;
    };
    for (key, value) in env {
        kind = kind.env(key, value);
    }
    let line = lines.line_col(span.start);
    let mut builder = Task::builder(name).at(Location::new(lines.file, line.0, line.1));
    builder = builder
        .execution(execution.unwrap_or(Execution::Thread))
        .priority(priority.unwrap_or(0))
        .disabled(disabled.unwrap_or(false));
    if let Some(s) = start {
        builder = builder.start_cond(s);
    }
    if let Some(e) = end {
        builder = builder.end_cond(e);
    }
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    builder = builder.retry_spec(retry);
    // zones
    if let Some(z) = zone {
        builder = builder.zone(z);
    }
    if let Some(m) = misfire {
        builder = builder.misfire(m);
    }
    let mut bound: Vec<String> = Vec::new();
    for (key, value) in params {
        bound.push(key.clone());
        builder = builder.param(key, value);
    }
    // A placeholder naming no task parameter reads the session parameter of that name;
    // ignite reports it if there is none.
    for word in kind.arguments() {
        for p in placeholders(word) {
            if !bound.contains(&p) {
                bound.push(p.clone());
                builder = builder.arg::<String>(p);
            }
        }
    }
    // The entry's text: from its header to the end of its last value.
    let end = table
        .iter()
        .map(|(_, v)| v.span().end)
        .max()
        .unwrap_or(span.end);
    let mut h = DefaultHasher::new();
    seed.hash(&mut h);
    lines.text.get(span.start..end.max(span.start)).hash(&mut h);
    out.tasks.push(LoadedTask {
        task: builder.kind(kind),
        fingerprint: h.finish(),
    });
}

fn path_hash(file: &str) -> u64 {
    let mut h = DefaultHasher::new();
    file.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_entries_become_tasks() {
        let text = r#"
[[task]]
name = "backup"
command = "tar czf {target} /home"
start_cond = "daily after 02:00"
timeout = 3600
parameters = { target = "/tmp/home.tgz" }

[[task]]
name = "ping"
args = ["ping", "-c", "1", "{host}"]
execution = "main"
priority = 5
"#;
        let got = read("t.toml", text);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        assert_eq!(got.tasks.len(), 2);
        let backup = &got.tasks[0].task;
        assert_eq!(backup.name(), Some("backup"));
        assert_eq!(backup.location().to_string(), "t.toml:2:1");
        assert_eq!(
            backup.kind().describe(),
            "command: sh -c \"tar czf {target} /home\""
        );
        let ping = &got.tasks[1].task;
        assert_eq!(ping.execution(), Some(Execution::Main));
        assert_eq!(ping.priority(), 5);
        assert_ne!(got.tasks[0].fingerprint, got.tasks[1].fingerprint);
    }

    #[test]
    fn every_problem_has_its_line() {
        let text = r#"[[task]]
name = "a"
command = "true"
start_cond = "daily & afer task 'x'"
execution = "threads"
timeout = "soon"
comand = "x"

[[task]]
name = "b"

[[task]]
name = "ok"
command = "true"
"#;
        let got = read("bad.toml", text);
        let texts: Vec<String> = got.problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.tasks.len(), 1, "{texts:#?}");
        assert!(
            texts.iter().any(|t| t
                .starts_with("bad.toml:7:1: unknown task key `comand`; did you mean `command`?")),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("bad.toml:4:14: task 'a': invalid start_cond")),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("bad.toml:5:13: task 'a': unknown execution `threads`")),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("bad.toml:6:11: task 'a': invalid timeout `soon`")),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("bad.toml:9:1: task 'b' needs `command")),
            "{texts:#?}"
        );
    }

    // zones
    #[test]
    fn zone_and_misfire_keys() {
        let text = r#"[[task]]
name = "ny"
command = "true"
zone = "America/New_York"
misfire = "run_once"

[[task]]
name = "bad"
command = "true"
zone = "America/New_Yrok"
misfire = "run-once"
"#;
        let got = read("z.toml", text);
        let texts: Vec<String> = got.problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.tasks.len(), 1, "{texts:#?}");
        let ny = &got.tasks[0].task;
        assert_eq!(ny.misfire(), Some(crate::Misfire::RunOnce));
        assert_eq!(
            ny.more().zone,
            Some(crate::task_zone::TaskZone::Zone(
                redengine_conditions::Zone::from_name("America/New_York").unwrap()
            ))
        );
        assert!(
            texts.iter().any(|t| t.starts_with(
                "z.toml:10:8: task 'bad': zone: unknown time zone `America/New_Yrok`; did you \
                 mean `America/New_York`?"
            )),
            "{texts:#?}"
        );
        assert!(
            texts.iter().any(|t| t
                .starts_with("z.toml:11:11: task 'bad': unknown misfire policy `run-once`")
                && t.ends_with("did you mean `run_once`?")),
            "{texts:#?}"
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let got = read("broken.toml", "[[task]]\nname = \"a\"\ncommand = \n");
        assert_eq!(got.tasks.len(), 0);
        let text = got.problems[0].to_string();
        assert!(text.starts_with("broken.toml:3:"), "{text}");
        assert!(text.contains("invalid TOML"), "{text}");
    }
}
