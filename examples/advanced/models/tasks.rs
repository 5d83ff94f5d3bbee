//! Custom task kinds (the Advanced Guide's `project/models/tasks.py`, "your custom task classes").
//!
//! In Red Engine a new kind of task subclasses `Task` and writes `execute`. Here it
//! implements [`redengine::TaskKind`]: `execute` gets the run's context (its resolved
//! parameters and termination flag) and returns an [`Outcome`]; everything else — name,
//! conditions, execution, timeout, priority, parameters, hooks, the log — comes from the
//! [`Task`](redengine::Task) it is given to, through the same builder as a function task:
//!
//! ```text
//! Task::builder("write_report")
//!     .start_cond("daily after 18:00")
//!     .execution(Execution::Thread)
//!     .param("receiver", "boss@example.com".to_string())
//!     .kind(WriteFile::new("out/report.txt", "report from {task} for {receiver}\n"))
//! ```
//!
//! [`WriteFile`] writes a small text file rendered from a template: a task that "does
//! something visible" without a network or a shell, which the guide's examples lack.

use std::path::{Path, PathBuf};

use redengine::{Outcome, TaskContext, TaskKind};

/// Writes `template` to `path`, replacing `{task}` with the task's name and `{name}` with
/// the string parameter `name` (declared on the task with `.param(..)` or `.arg::<String>(..)`).
///
/// The file is written to a temporary sibling and renamed into place, so a reader never
/// sees half a file; missing parent directories are created. A placeholder that names no
/// string parameter fails the run and says which. It runs under every execution: it only
/// needs the file system, which a `process` child shares with the scheduler.
#[derive(Debug, Clone)]
pub(crate) struct WriteFile {
    path: PathBuf,
    template: String,
}

impl WriteFile {
    /// A kind writing `template` (with `{placeholders}`) to `path`.
    pub(crate) fn new(path: impl Into<PathBuf>, template: impl Into<String>) -> Self {
        WriteFile {
            path: path.into(),
            template: template.into(),
        }
    }

    /// Fills the placeholders from the run's context.
    fn render(&self, ctx: &TaskContext) -> Result<String, String> {
        let mut out = String::with_capacity(self.template.len());
        let mut rest = self.template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(format!(
                    "template of task '{}' has an unclosed `{{`",
                    ctx.task_name()
                ));
            };
            let name = &after[..close];
            if name == "task" {
                out.push_str(ctx.task_name());
            } else {
                let value = ctx
                    .params()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, v)| v.as_str());
                match value {
                    Some(text) => out.push_str(text),
                    None => {
                        return Err(format!(
                            "template of task '{}' uses `{{{name}}}`, but the task has no string \
                             parameter `{name}`; add `.param(\"{name}\", \"…\".to_string())` to it",
                            ctx.task_name()
                        ))
                    }
                }
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Writes `text` to `path` through a temporary file in the same directory.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

impl TaskKind for WriteFile {
    fn kind_name(&self) -> &str {
        "write-file"
    }

    fn describe(&self) -> String {
        format!("write {}", self.path.display())
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        let text = match self.render(ctx) {
            Ok(text) => text,
            Err(e) => return Outcome::Fail(e),
        };
        match write_atomically(&self.path, &text) {
            Ok(()) => Outcome::Success(None),
            Err(e) => Outcome::Fail(format!(
                "task '{}' could not write {}: {e}",
                ctx.task_name(),
                self.path.display()
            )),
        }
    }
}
