//! The shell-command kind: run a program, map its exit code, keep its output tails.

use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::output::{Capture, TAIL_BYTES};
use super::TaskKind;
use crate::context::{TaskContext, TerminationFlag};
use crate::execution::Execution;
use crate::outcome::Outcome;
use crate::procctl::supervisor::{self, Report};
use crate::procctl::Group;
use crate::value::Value;

/// The prefix of the environment variables that carry a command task's parameters.
pub const PARAM_ENV_PREFIX: &str = "REDENGINE_PARAM_";

/// How long reader threads may take to drain the pipes after the command exited.
const DRAIN: Duration = Duration::from_secs(1);

/// A task that runs a program (the file loader's tasks, or built in code).
///
/// * **Exit code** 0 is `success`; any other code is `fail` with the code, and a command
///   killed by a signal is `fail` naming the signal.
/// * **Output**: stdout and stderr are captured; the last 4 KiB of each go into the fail
///   message (the log's `exc_text`). A successful run's output is discarded.
/// * **Parameters** reach the command two ways, both always on:
///   * as **arguments**: `{name}` in an argument is replaced by the parameter `name`
///     (`{{` and `}}` are literal braces); a placeholder naming no parameter fails the run;
///   * as **environment**: every parameter `name` is set as `REDENGINE_PARAM_<NAME>`
///     (upper-cased, `-` and `.` become `_`).
///
///   A parameter must be a string (`String`/`&str`); a [`Value::serializable`] one is passed
///   as its JSON text; any other type fails the run, naming the parameter.
/// * **Termination** (timeout, `end_cond`, manual, shutdown): the command runs in its own
///   process group, which gets SIGTERM and, if anything in it is still alive after the
///   grace period (5 s, [`CommandTask::grace`]), SIGKILL; once the command itself has
///   exited, what it left in the group is killed at once. The run is logged `terminate`.
///   The task polls its termination flag while the command runs, so this works under
///   `thread` execution; under `main` the flag is only set at shutdown.
/// * **If the scheduler dies** (even by SIGKILL), the command's group is terminated the
///   same way: in a binary whose `main` is `#[redengine::main]` (or calls
///   [`run_child_if_requested`](crate::run_child_if_requested)), the command runs under a
///   small supervisor process, the scheduler's own binary re-executed, that notices the
///   scheduler's death. Elsewhere (a test harness) the command is started directly and
///   has no such protection. See `docs/processes.md`.
/// * **Executions**: `main` and `thread`. `process` is refused at ignite: the command
///   already runs in a process group of its own, watched for the scheduler's death, so a
///   process child around it would add a process and nothing else.
///
/// ```
/// use redengine::kind::CommandTask;
/// use redengine::{Execution, Task};
///
/// let task = Task::builder("backup")
///     .start_cond("daily after 02:00")
///     .execution(Execution::Thread)
///     .param("target", "/var/backups".to_string())
///     .kind(CommandTask::new("sh").arg("-c").arg("tar czf {target}/home.tgz \"$HOME\""));
/// assert_eq!(task.kind().describe(), r#"command: sh -c "tar czf {target}/home.tgz \"$HOME\"""#);
/// ```
#[derive(Debug, Clone)]
pub struct CommandTask {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dir: Option<PathBuf>,
    grace: Duration,
}

impl CommandTask {
    /// A command running `program` (looked up on `PATH` unless it is a path).
    pub fn new(program: impl Into<String>) -> Self {
        CommandTask {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
            grace: Duration::from_secs(5),
        }
    }

    /// Appends an argument (may hold `{name}` parameter placeholders).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the command (on top of the scheduler's own).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The working directory of the command (default: the scheduler's).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// How long a terminated command's process group has between SIGTERM and SIGKILL.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The program.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The arguments, placeholders unexpanded.
    pub fn arguments(&self) -> &[String] {
        &self.args
    }

    /// The command line for messages: each word quoted when it holds spaces or quotes.
    fn command_line(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|w| {
                if w.is_empty() || w.contains(|c: char| c.is_whitespace() || c == '"') {
                    format!("\"{}\"", w.replace('"', "\\\""))
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The parameters as strings, or the text of why one cannot be passed.
    fn params(ctx: &TaskContext) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for (name, value) in ctx.params() {
            if value.type_info().is::<TerminationFlag>() {
                continue;
            }
            out.push((name.to_string(), param_text(ctx.task_name(), name, value)?));
        }
        Ok(out)
    }

    /// Starts the command (under a supervisor where the binary runs them) in a new
    /// process group.
    fn spawn(&self, ctx: &TaskContext) -> Result<Running, String> {
        let params = Self::params(ctx)?;
        let mut args = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            args.push(expand(arg, &params).map_err(|e| {
                format!("command task '{}': argument `{arg}`: {e}", ctx.task_name())
            })?);
        }
        let configure = |cmd: &mut Command| {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            for (name, value) in &params {
                cmd.env(env_name(name), value);
            }
            for (key, value) in &self.env {
                cmd.env(key, value);
            }
            if let Some(dir) = &self.dir {
                cmd.current_dir(dir);
            }
            cmd.process_group(0);
        };
        let running = |child: Child, lifeline| Running {
            group: Group::new(child.id(), ctx.task_name()),
            child,
            lifeline,
        };
        let unsupervised = match supervisor::command(&self.program, &args, self.grace) {
            Ok(None) => None,
            Ok(Some((mut cmd, lifeline))) => {
                configure(&mut cmd);
                match cmd.spawn() {
                    Ok(child) => return Ok(running(child, Some(lifeline))),
                    Err(e) => Some(e),
                }
            }
            Err(e) => Some(e),
        };
        if let Some(e) = unsupervised {
            ::log::warn!(
                target: "redengine::scheduler",
                "cannot start the supervisor of command task '{}' ({e}); starting the \
                 command directly, so it would outlive a scheduler that dies",
                ctx.task_name()
            );
        }
        let mut cmd = Command::new(&self.program);
        cmd.args(&args).stdin(Stdio::null());
        configure(&mut cmd);
        let child = cmd.spawn().map_err(|e| self.cannot_start(&e.to_string()))?;
        Ok(running(child, None))
    }

    /// The fail text of a command that could not be started.
    fn cannot_start(&self, error: &str) -> String {
        format!(
            "cannot start command `{}`: {error}; check that `{}` exists and is executable \
             (or on PATH)",
            self.command_line(),
            self.program
        )
    }

    /// Polls the child and the flag until the child exits; on a set flag, terminates the
    /// whole group and blocks until the child is reaped.
    fn wait(&self, running: &mut Running, flag: &TerminationFlag) -> Result<Ended, String> {
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(status) = running.child.try_wait().map_err(|e| self.lost(e))? {
                running.group.mark_reaped();
                return Ok(running.ended(status));
            }
            if let Some(reason) = flag.reason() {
                running.group.terminate(self.grace, reason.as_str());
                let waited = running.child.wait().map_err(|e| self.lost(e));
                running.group.mark_reaped();
                // The leader is gone; members it left behind get the same end.
                running.group.kill();
                return waited.map(|_| Ended::Terminated);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    fn lost(&self, e: std::io::Error) -> String {
        format!("lost track of command `{}`: {e}", self.command_line())
    }
}

impl TaskKind for CommandTask {
    fn kind_name(&self) -> &str {
        "command"
    }

    fn describe(&self) -> String {
        format!("command: {}", self.command_line())
    }

    fn executions(&self) -> &[Execution] {
        &[Execution::Main, Execution::Thread]
    }

    fn execute(&self, ctx: &TaskContext) -> Outcome {
        let mut running = match self.spawn(ctx) {
            Ok(running) => running,
            Err(text) => return Outcome::Fail(text),
        };
        let stdout = Capture::start(running.child.stdout.take());
        let stderr = Capture::start(running.child.stderr.take());
        let waited = self.wait(&mut running, ctx.termination());
        let until = Instant::now() + DRAIN;
        let (out, err) = (stdout.finish(until), stderr.finish(until));
        match waited {
            Err(text) => Outcome::Fail(text),
            Ok(Ended::Terminated) => Outcome::Terminated,
            Ok(Ended::NotStarted(error)) => Outcome::Fail(self.cannot_start(&error)),
            Ok(Ended::Status(status)) if status.success() => Outcome::Success(None),
            Ok(Ended::Status(status)) => Outcome::Fail(self.failure(status, &out, &err)),
        }
    }
}

/// A started command.
struct Running {
    /// The command, or its supervisor.
    child: Child,
    group: Arc<Group>,
    /// The scheduler's end of the supervisor's lifeline (`None`: no supervisor).
    lifeline: Option<UnixStream>,
}

/// How a command ended.
enum Ended {
    Status(ExitStatus),
    NotStarted(String),
    Terminated,
}

impl Running {
    /// The command's end, given its (or its supervisor's) exit status.
    fn ended(&self, status: ExitStatus) -> Ended {
        let Some(lifeline) = &self.lifeline else {
            return Ended::Status(status);
        };
        match supervisor::report(lifeline) {
            Some(Report::Ended(status)) => Ended::Status(status),
            Some(Report::NotStarted(error)) => Ended::NotStarted(error),
            // The supervisor itself was killed: that is how the command ended too.
            None => Ended::Status(status),
        }
    }
}

impl CommandTask {
    /// The fail text: what ended the command, then the stderr and stdout tails.
    fn failure(&self, status: ExitStatus, out: &str, err: &str) -> String {
        let how = match status.code() {
            Some(code) => format!("exited with code {code}"),
            None => signal_text(status),
        };
        let mut text = format!("command `{}` {how}", self.command_line());
        for (name, tail) in [("stderr", err), ("stdout", out)] {
            if !tail.is_empty() {
                text.push_str(&format!(
                    "\n--- {name} (last {} KiB) ---\n{tail}",
                    TAIL_BYTES / 1024
                ));
            }
        }
        text
    }
}

fn signal_text(status: ExitStatus) -> String {
    match status.signal() {
        Some(sig) => format!("was killed by signal {sig}"),
        None => format!("ended abnormally ({status})"),
    }
}

/// The string passed for a parameter.
fn param_text(task: &str, name: &str, value: &Value) -> Result<String, String> {
    if let Some(s) = value.as_str() {
        return Ok(s.to_string());
    }
    match value.to_json() {
        Some(Ok(json)) => Ok(json),
        Some(Err(e)) => Err(format!(
            "command task '{task}': parameter `{name}` could not be encoded as JSON: {e}"
        )),
        None => Err(format!(
            "command task '{task}': parameter `{name}` has type `{}`, but a command takes \
             text; pass a `String`, or a value made with `Value::serializable` (sent as JSON)",
            value.type_name()
        )),
    }
}

/// `REDENGINE_PARAM_<NAME>`.
pub(crate) fn env_name(param: &str) -> String {
    let upper: String = param
        .chars()
        .map(|c| match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("{PARAM_ENV_PREFIX}{upper}")
}

/// Replaces `{name}` placeholders; `{{`/`}}` are literal braces.
pub(crate) fn expand(arg: &str, params: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
            out.push_str(&tail[..1]);
            rest = after;
            continue;
        }
        if tail.starts_with('}') {
            return Err("unmatched `}`; write `}}` for a literal brace".to_string());
        }
        let Some(end) = tail.find('}') else {
            return Err("unclosed `{`; write `{{` for a literal brace".to_string());
        };
        let name = &tail[1..end];
        match params.iter().find(|(n, _)| n == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
                let hint = redengine_conditions::suggest(name, names.iter().copied())
                    .map(|s| format!("; did you mean `{{{s}}}`?"))
                    .unwrap_or_default();
                return Err(format!(
                    "placeholder `{{{name}}}` names no parameter of the task (parameters: {}){hint}",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                ));
            }
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The parameter names an argument's placeholders use (the loader declares them).
pub(crate) fn placeholders(arg: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = arg;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        let Some(end) = tail.find('}') else { break };
        names.push(tail[1..end].to_string());
        rest = &tail[end + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn placeholders_expand() {
        let params = p(&[("day", "mon"), ("n", "3")]);
        assert_eq!(expand("x-{day}-{n}", &params).as_deref(), Ok("x-mon-3"));
        assert_eq!(expand("{{lit}}", &params).as_deref(), Ok("{lit}"));
        let err = expand("{dya}", &params).unwrap_err();
        assert!(
            err.contains("`{dya}`") && err.contains("did you mean `{day}`"),
            "{err}"
        );
        assert!(expand("{oops", &params).unwrap_err().contains("unclosed"));
        assert!(expand("a}b", &params).unwrap_err().contains("unmatched"));
        assert_eq!(placeholders("{a} {{b}} {c}"), vec!["a", "c"]);
    }

    #[test]
    fn env_names_and_command_line() {
        assert_eq!(env_name("run-date"), "REDENGINE_PARAM_RUN_DATE");
        let c = CommandTask::new("sh").arg("-c").arg("echo \"hi there\"");
        assert_eq!(c.describe(), r#"command: sh -c "echo \"hi there\"""#);
    }
}
