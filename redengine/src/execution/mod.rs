//! Where a run executes: the executor seam (RUNTIME.md §6).

use std::fmt;
use std::str::FromStr;

use redengine_conditions::settings::{self, ExecutionName};

/// How a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Execution {
    /// On the scheduler thread; the cycle waits for it (`"main"`, alias `"inline"`).
    Main,
    /// On a new OS thread per run (`"thread"`).
    Thread,
    /// In a child process re-executing the current binary (`"process"`, the default).
    #[default]
    Process,
}

impl Execution {
    /// The accepted spellings, for error messages.
    pub const ACCEPTED: &'static str = settings::EXECUTION_ACCEPTED;

    /// The canonical name (`main`, `thread`, `process`).
    pub fn as_str(self) -> &'static str {
        match self {
            Execution::Main => "main",
            Execution::Thread => "thread",
            Execution::Process => "process",
        }
    }
}

impl fmt::Display for Execution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An execution name that is not one of [`Execution::ACCEPTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownExecution(pub String);

impl fmt::Display for UnknownExecution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown execution `{}`, expected one of: {}",
            self.0,
            Execution::ACCEPTED
        )?;
        // The same hint `#[task(execution = …)]` gives at compile time.
        match settings::parse_execution(&self.0)
            .err()
            .and_then(|e| e.help().map(str::to_owned))
        {
            Some(help) if help.starts_with("did you mean") => write!(f, "; {help}"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for UnknownExecution {}

impl FromStr for Execution {
    type Err = UnknownExecution;

    /// Parsed by the one parser `#[task]` uses too, so both accept the same names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match settings::parse_execution(s) {
            Ok(ExecutionName::Main) => Ok(Execution::Main),
            Ok(ExecutionName::Thread) => Ok(Execution::Thread),
            Ok(ExecutionName::Process) => Ok(Execution::Process),
            Err(_) => Err(UnknownExecution(s.to_string())),
        }
    }
}

mod inline;
#[cfg(unix)]
pub(crate) mod process;
mod thread;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::context::{ArgValue, TaskContext, TerminationFlag};
use crate::hooks::{AfterExecute, TaskExecuteHook, TaskInfo};
use crate::log::Action;
use crate::outcome::{panic_message, Outcome};
use crate::params::ParamFn;
use crate::registry::ParamContext;
use crate::task::Body;
use crate::value::TypeInfo;

/// One argument of a launch, as the scheduler prepared it.
pub(crate) enum JobArg {
    /// Already known: a task or session value, a `Return` value, a built-in.
    Ready(ArgValue),
    /// A parameter function, called in the executing context right before the body.
    Call(ParamFn, TypeInfo),
    /// The session parameter was removed after ignite: a pre-run failure.
    Missing,
}

/// Everything one run needs, independent of where it executes.
pub(crate) struct Job {
    pub(crate) info: TaskInfo,
    pub(crate) body: Body,
    pub(crate) args: Vec<(String, JobArg)>,
    pub(crate) flag: TerminationFlag,
    pub(crate) hooks: Vec<TaskExecuteHook>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The declared type of each argument, in `args` order: its codec sends the value to
    /// a process child.
    pub(crate) types: Vec<TypeInfo>,
    /// The task's return type: its codec brings a process child's return value back.
    pub(crate) returns: TypeInfo,
    /// The scheduler's handle, for bodies on the scheduler's side (`None` in a process
    /// child, which has no scheduler).
    pub(crate) session: Option<crate::handle::SessionHandle>,
}

/// How a run ended.
#[derive(Debug)]
pub(crate) struct JobResult {
    pub(crate) outcome: Outcome,
    /// The failure happened before the body started (RUNTIME.md §5.2).
    pub(crate) prerun: bool,
    /// The finish instant, measured by the executing context.
    pub(crate) end: DateTime<Utc>,
}

/// Where a dispatched run went.
pub(crate) enum Dispatch {
    /// It ran to completion on the scheduler thread.
    Done(JobResult),
    /// It runs elsewhere; its result arrives through the callback.
    Started,
    /// It could not start: a pre-run failure with this text.
    Failed(String),
}

/// Callback an asynchronous executor calls with the result, from any thread.
pub(crate) type Done = Box<dyn FnOnce(JobResult) + Send>;

/// The executor seam: `main`, `thread` and `process` implement it.
pub(crate) trait Executor {
    /// Starts `job`; asynchronous executors call `done` when it ends.
    fn dispatch(&self, job: Job, done: Done) -> Dispatch;
}

/// The `process` executor where there are no Unix process groups: dispatching is a
/// pre-run failure that names the fix.
#[cfg(not(unix))]
struct NoProcess;

#[cfg(not(unix))]
impl Executor for NoProcess {
    fn dispatch(&self, job: Job, _done: Done) -> Dispatch {
        Dispatch::Failed(format!(
            "task '{}' uses execution `process`, which needs a Unix system (process groups \
             and signals); set `execution = \"thread\"` on the task, or the session config \
             `task_execution` to `thread` or `main`",
            job.info.name
        ))
    }
}

/// The executor for `execution`.
pub(crate) fn executor(execution: Execution) -> &'static dyn Executor {
    match execution {
        Execution::Main => &inline::Inline,
        Execution::Thread => &thread::Threaded,
        #[cfg(unix)]
        Execution::Process => &process::Process,
        #[cfg(not(unix))]
        Execution::Process => &NoProcess,
    }
}

impl Job {
    /// Runs hooks, resolves parameter functions and calls the body, catching panics.
    /// Shared by every in-process executor.
    pub(crate) fn execute(self) -> JobResult {
        let Job {
            info,
            body,
            args,
            flag,
            hooks,
            clock,
            types: _,
            returns: _,
            session,
        } = self;
        let mut posts: Vec<AfterExecute> = Vec::new();
        let prerun = |text: String, posts: Vec<AfterExecute>| {
            run_posts(&info, posts, Action::Fail, Some(&text));
            JobResult {
                outcome: Outcome::Fail(text),
                prerun: true,
                end: clock.now(),
            }
        };
        for hook in &hooks {
            match catch_unwind(AssertUnwindSafe(|| hook(&info))) {
                Ok(Ok(Some(post))) => posts.push(post),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => return prerun(format!("task_execute hook failed: {e}"), posts),
                Err(p) => {
                    let text = format!("task_execute hook {}", panic_message(&*p));
                    return prerun(text, posts);
                }
            }
        }
        let mut resolved = Vec::with_capacity(args.len());
        for (name, arg) in args {
            let value = match arg {
                JobArg::Ready(v) => v,
                JobArg::Missing => {
                    let text = format!(
                        "session parameter `{name}` of task '{}' was removed while the \
                         scheduler ran; set it again with `SessionHandle::set_param`",
                        info.name
                    );
                    return prerun(text, posts);
                }
                JobArg::Call(f, expected) => {
                    let pctx = ParamContext {
                        task: &info.name,
                        termination: &flag,
                    };
                    match catch_unwind(AssertUnwindSafe(|| (f.call)(&pctx))) {
                        Ok(Ok(v)) if v.type_info() == expected => ArgValue::Value(v),
                        Ok(Ok(v)) => {
                            let text = format!(
                                "parameter function `{name}` ({}) returned `{}`, but task '{}' \
                                 takes `{}`",
                                f.location,
                                v.type_name(),
                                info.name,
                                expected.name()
                            );
                            return prerun(text, posts);
                        }
                        Ok(Err(e)) => {
                            return prerun(
                                format!("parameter function `{name}` failed: {e}"),
                                posts,
                            )
                        }
                        Err(p) => {
                            let text =
                                format!("parameter function `{name}` {}", panic_message(&*p));
                            return prerun(text, posts);
                        }
                    }
                }
            };
            resolved.push((name, value));
        }
        let ctx = TaskContext::new(info.name.clone(), resolved, flag).with_session(session);
        let outcome = match catch_unwind(AssertUnwindSafe(|| body.execute(&ctx))) {
            Ok(outcome) => outcome,
            Err(p) => Outcome::Fail(panic_message(&*p)),
        };
        let end = clock.now();
        let (action, error) = match &outcome {
            Outcome::Success(_) => (Action::Success, None),
            Outcome::Fail(e) => (Action::Fail, Some(e.as_str())),
            Outcome::Inaction => (Action::Inaction, None),
            Outcome::Terminated => (Action::Terminate, None),
        };
        run_posts(&info, posts, action, error);
        JobResult {
            outcome,
            prerun: false,
            end,
        }
    }
}

/// Post parts of `task_execute` hooks: a failure is logged and changes nothing.
fn run_posts(info: &TaskInfo, posts: Vec<AfterExecute>, action: Action, error: Option<&str>) {
    for post in posts {
        let failed = match catch_unwind(AssertUnwindSafe(|| post(info, action, error))) {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(p) => Some(panic_message(&*p)),
        };
        if let Some(e) = failed {
            ::log::error!(
                target: "redengine::scheduler",
                "task_execute post-hook of task '{}' failed: {e}",
                info.name
            );
        }
    }
}
