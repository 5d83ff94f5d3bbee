//! The executor seam: one prepared run ([`Job`]), how it is dispatched, and the shared
//! way an in-process executor runs it (hooks, parameter functions, the body, panics).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::clock::Clock;
use crate::context::{ArgValue, TaskContext};
use crate::handle::SessionHandle;
use crate::hooks::{AfterExecute, RunInfo, TaskExecuteHook, TaskInfo};
use crate::log::trace::RunSpan;
use crate::log::Action;
use crate::outcome::{panic_message, JobResult, Outcome};
use crate::params::{ParamContext, ParamFn};
use crate::task::Body;
use crate::termination::TerminationFlag;
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
    pub(crate) info: RunInfo,
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
    pub(crate) session: Option<SessionHandle>,
    // async: the run's id, for its tracing span.
    /// The run's id (the scheduler's for this launch; the parent's in a process child).
    pub(crate) run: u64,
    /// Which attempt of the run this is (1 unless a retry), for its tracing span.
    pub(crate) attempt: u32,
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

/// A run whose hooks ran and whose arguments are resolved: what is left is the body, then
/// [`Ready::finish`] (the post-hooks and the finish instant). The `async` executor calls
/// the body in between as a future.
pub(crate) struct Ready {
    pub(crate) body: Body,
    pub(crate) ctx: TaskContext,
    posts: Vec<AfterExecute>,
    /// What the hooks saw (`None` without hooks): their post parts see the same.
    shown: Option<TaskInfo>,
    clock: Arc<dyn Clock>,
}

impl Ready {
    /// Runs the post parts of the hooks with the outcome and measures the finish instant.
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome) -> JobResult {
        let end = self.clock.now();
        // perfspeed: without hooks (no `shown`) there is nothing to call.
        if let Some(info) = &self.shown {
            let error = match &outcome {
                Outcome::Fail(e) => Some(e.as_str()),
                _ => None,
            };
            run_posts(info, self.posts, action_of(&outcome), error);
        }
        JobResult {
            outcome,
            prerun: false,
            end,
        }
    }
}

impl Job {
    /// Runs hooks, resolves parameter functions and calls the body, catching panics.
    /// Shared by every in-process executor.
    ///
    /// perfspeed: inlined with [`Job::prepare`] and [`Ready::finish`] into the executor
    /// (a `main` run's job and context are not copied from call to call); the hooks and
    /// the arguments, when there are any, are resolved out of line.
    #[inline(always)]
    pub(crate) fn execute(self) -> JobResult {
        let span = self.span();
        let result = span.in_scope(|| self.execute_here());
        span.ended(action_of(&result.outcome));
        result
    }

    /// The run's tracing span (empty without the `tracing` feature).
    pub(crate) fn span(&self) -> RunSpan {
        RunSpan::new(
            &self.info.name,
            self.run,
            self.attempt,
            self.info.execution.as_str(),
        )
    }

    #[inline(always)]
    fn execute_here(self) -> JobResult {
        match self.prepare() {
            Ok(ready) => {
                let outcome =
                    match catch_unwind(AssertUnwindSafe(|| ready.body.execute(&ready.ctx))) {
                        Ok(outcome) => outcome,
                        Err(p) => Outcome::Fail(panic_message(&*p)),
                    };
                ready.finish(outcome)
            }
            Err(prerun) => prerun,
        }
    }

    /// Runs the `task_execute` hooks and resolves the arguments (calling parameter
    /// functions); a failure there is the run's pre-run result.
    #[allow(clippy::result_large_err)]
    #[inline(always)]
    pub(crate) fn prepare(self) -> Result<Ready, JobResult> {
        if self.hooks.is_empty() && self.args.is_empty() {
            let Job {
                info,
                body,
                flag,
                clock,
                session,
                attempt,
                ..
            } = self;
            let ctx = TaskContext::new(info.name, Vec::new(), flag)
                .with_session(session)
                .with_attempt(attempt);
            return Ok(Ready {
                body,
                ctx,
                posts: Vec::new(),
                shown: None,
                clock,
            });
        }
        self.prepare_slow()
    }

    /// [`Job::prepare`] with hooks to run or arguments to resolve.
    #[allow(clippy::result_large_err)]
    #[inline(never)]
    fn prepare_slow(self) -> Result<Ready, JobResult> {
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
            run: _,
            attempt,
        } = self;
        let mut posts: Vec<AfterExecute> = Vec::new();
        // What the hooks see, made only when there are hooks.
        let shown = (!hooks.is_empty()).then(|| info.task_info());
        let prerun = |text: String, posts: Vec<AfterExecute>| {
            if let Some(info) = &shown {
                run_posts(info, posts, Action::Fail, Some(&text));
            }
            Err(JobResult {
                outcome: Outcome::Fail(text),
                prerun: true,
                end: clock.now(),
            })
        };
        if let Some(shown) = &shown {
            for hook in &hooks {
                match catch_unwind(AssertUnwindSafe(|| hook(shown))) {
                    Ok(Ok(Some(post))) => posts.push(post),
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => return prerun(format!("task_execute hook failed: {e}"), posts),
                    Err(p) => {
                        let text = format!("task_execute hook {}", panic_message(&*p));
                        return prerun(text, posts);
                    }
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
        let ctx = TaskContext::new(info.name, resolved, flag)
            .with_session(session)
            .with_attempt(attempt);
        Ok(Ready {
            body,
            ctx,
            posts,
            shown,
            clock,
        })
    }
}

/// The log action of `outcome`.
pub(crate) fn action_of(outcome: &Outcome) -> Action {
    match outcome {
        Outcome::Success(_) => Action::Success,
        Outcome::Fail(_) => Action::Fail,
        Outcome::Inaction => Action::Inaction,
        Outcome::Terminated => Action::Terminate,
        // cluster: the executor lost the run.
        Outcome::Crash(_) => Action::Crash,
    }
}

/// Post parts of `task_execute` hooks: a failure is logged and changes nothing. They come
/// only from hooks, which saw `info` (a run without hooks has neither).
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
