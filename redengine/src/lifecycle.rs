//! Start-up, shutdown, and the per-run steps of the scheduler: condition checks,
//! launch, reap and the records they write (RUNTIME.md §4.1, §4.5, §5).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use redengine_conditions::{Condition, Context, EvalError, ParamValue, Resolver};

use crate::context::{ArgValue, TerminationFlag, TerminationReason};
use crate::cycle::{Event, Running, Scheduler};
use crate::error::{Error, ErrorKind, Result};
use crate::execution::{executor, Dispatch, Done, Job, JobArg, JobResult};
use crate::hooks::{scheduler_post, scheduler_pre};
use crate::ignite::Source;
use crate::log::{emit, Action, TaskRecord};
use crate::outcome::{panic_message, Outcome};
use crate::params::{Params, SessionParam};
use crate::registry::ConditionContext;
use crate::session::CustomCondition;
use crate::value::Value;

/// Run ids are process-unique, so a late event from an abandoned run is never mistaken
/// for a newer run's.
static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

/// How long an instant shutdown gives flagged threads (real time) before abandoning them.
const INSTANT_GRACE: Duration = Duration::from_millis(100);

/// How long an instant shutdown waits for terminated process children to be reaped:
/// past the SIGKILL that follows SIGTERM, so no child outlives the scheduler.
#[cfg(unix)]
const PROCESS_GRACE: Duration =
    Duration::from_secs(crate::execution::process::KILL_GRACE.as_secs() + 2);
#[cfg(not(unix))]
const PROCESS_GRACE: Duration = INSTANT_GRACE;

/// Session parameters and custom conditions, as the condition evaluator sees them.
pub(crate) struct CondResolver<'a> {
    params: &'a Params,
    conditions: &'a HashMap<String, CustomCondition>,
}

impl<'a> CondResolver<'a> {
    pub(crate) fn new(
        params: &'a Params,
        conditions: &'a HashMap<String, CustomCondition>,
    ) -> Self {
        CondResolver { params, conditions }
    }
}

impl Resolver for CondResolver<'_> {
    fn param(&self, key: &str) -> Option<ParamValue<'_>> {
        match self.params.get(key)? {
            SessionParam::Value(v) => Some(v.as_str().map_or(ParamValue::Other, ParamValue::Str)),
            SessionParam::Function(_) => Some(ParamValue::Function),
        }
    }

    /// Calls the registered function on the scheduler thread, uncached; an `Err` or a
    /// panic is an evaluation error carrying the function's location.
    fn custom(&self, name: &str, ctx: &Context<'_>) -> std::result::Result<bool, EvalError> {
        let Some(cond) = self.conditions.get(name) else {
            return Err(EvalError::UnknownCustom {
                name: name.to_string(),
            });
        };
        let cctx = ConditionContext::new(ctx, self.params);
        let failed = match catch_unwind(AssertUnwindSafe(|| (cond.call)(&cctx))) {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => e,
            Err(p) => panic_message(&*p),
        };
        Err(EvalError::custom(
            name,
            format!("{failed} (defined at {})", cond.location),
        ))
    }
}

impl Scheduler<'_> {
    /// Evaluates `cond` once with a fresh `now`; an evaluation error is handled per
    /// `silence_cond_check`.
    pub(crate) fn check(&self, cond: &Condition, owner: Option<&str>, what: &str) -> Result<bool> {
        match cond {
            Condition::False => return Ok(false),
            Condition::True => return Ok(true),
            _ => {}
        }
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let ctx = self.context(self.s.clock.now(), &resolver);
        let ctx = match owner {
            Some(o) => ctx.with_owner(o),
            None => ctx,
        };
        match cond.evaluate(&ctx) {
            Ok(value) => Ok(value),
            Err(e) => {
                let detail = e.to_string();
                let whose = owner.map(|o| format!(" of task '{o}'")).unwrap_or_default();
                let text = format!("{what}{whose} `{cond}` could not be checked: {detail}");
                if self.s.config.silence_cond_check {
                    ::log::error!(target: "redengine::scheduler", "{text}; counted as false");
                    Ok(false)
                } else {
                    Err(Error::new(ErrorKind::Condition(text)))
                }
            }
        }
    }

    /// The instant in the session's zone, with its offset, for log records.
    pub(crate) fn offset(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        self.s.zone.with_offset(at)
    }

    /// Appends a record to the store, emits it on the log facade, updates the history.
    pub(crate) fn write(&mut self, record: TaskRecord) -> Result<()> {
        self.s.store.append(&record)?;
        emit(&record);
        self.history.push(
            &record.task_name,
            record.action,
            record.created.with_timezone(&Utc),
        );
        self.dirty = true;
        Ok(())
    }

    /// Writes `run`, prepares the job and hands it to the task's executor.
    pub(crate) fn launch(&mut self, i: usize) -> Result<()> {
        let now = self.s.clock.now();
        let name = self.tasks[i].name.clone();
        self.write(TaskRecord::run(&name, self.offset(now)))?;
        let flag = TerminationFlag::new();
        let job = self.job(i, flag.clone());
        let run = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
        let tx = self.s.control.tx.clone();
        let done: Done = Box::new(move |result| {
            // The receiver lives as long as the session; after that nobody needs the result.
            let _ = tx.send(Event::Finished {
                task: i,
                run,
                result,
            });
        });
        let inline = self.tasks[i].execution == crate::execution::Execution::Main;
        if inline {
            self.s.control.set_inline_run(Some(flag.clone()));
        }
        let dispatched = executor(self.tasks[i].execution).dispatch(job, done);
        if inline {
            self.s.control.set_inline_run(None);
        }
        match dispatched {
            Dispatch::Done(result) => self.finish(i, now, &flag, result),
            Dispatch::Started => {
                self.running.insert(
                    i,
                    Running {
                        run,
                        start: now,
                        flag,
                    },
                );
                Ok(())
            }
            Dispatch::Failed(text) => {
                let result = JobResult {
                    outcome: Outcome::Fail(text),
                    prerun: true,
                    end: now,
                };
                self.finish(i, now, &flag, result)
            }
        }
    }

    /// The job of one launch: arguments resolved from the current parameters.
    fn job(&self, i: usize, flag: TerminationFlag) -> Job {
        let task = &self.tasks[i];
        let params = self.s.control.params();
        let args = task
            .args
            .iter()
            .map(|a| {
                let arg = match &a.source {
                    Source::Task(v) => JobArg::Ready(ArgValue::Value(v.clone())),
                    Source::Return(t) => {
                        JobArg::Ready(ArgValue::Return(self.s.returns.get(t).cloned()))
                    }
                    Source::Flag => JobArg::Ready(ArgValue::Value(Value::new(flag.clone()))),
                    Source::Handle => JobArg::Ready(ArgValue::Value(Value::new(self.s.handle()))),
                    Source::Session => match params.get(&a.name) {
                        Some(SessionParam::Value(v)) => JobArg::Ready(ArgValue::Value(v.clone())),
                        Some(SessionParam::Function(f)) => JobArg::Call(f.clone(), a.ty),
                        None if a.ty.is::<TerminationFlag>() => {
                            JobArg::Ready(ArgValue::Value(Value::new(flag.clone())))
                        }
                        None => JobArg::Missing,
                    },
                };
                (a.name.clone(), arg)
            })
            .collect();
        Job {
            info: task.info.clone(),
            body: task.body.clone(),
            args,
            flag,
            hooks: self.s.hooks.task_execute.clone(),
            clock: self.s.clock.clone(),
            types: task.args.iter().map(|a| a.ty).collect(),
            returns: task.returns,
            session: Some(self.s.handle()),
        }
    }

    /// Writes a run's finish record (RUNTIME.md §5.1, §5.3) and keeps its return value.
    pub(crate) fn finish(
        &mut self,
        i: usize,
        start: DateTime<Utc>,
        flag: &TerminationFlag,
        result: JobResult,
    ) -> Result<()> {
        let name = self.tasks[i].name.clone();
        let (s, e) = (self.offset(start), self.offset(result.end.max(start)));
        let mut prerun_error = None;
        let record = match result.outcome {
            Outcome::Success(value) => {
                if let Some(v) = value {
                    self.s.returns.insert(name.clone(), v);
                }
                TaskRecord::finish(&name, Action::Success, s, e, "")
            }
            Outcome::Fail(text) => {
                if result.prerun {
                    prerun_error = Some(text.clone());
                }
                TaskRecord::finish(&name, Action::Fail, s, e, text)
            }
            Outcome::Inaction => TaskRecord::finish(&name, Action::Inaction, s, e, ""),
            Outcome::Terminated => {
                let reason = flag.reason().map_or("task", TerminationReason::as_str);
                TaskRecord::terminate(&name, reason, s, e)
            }
        };
        self.write(record)?;
        match prerun_error {
            Some(text) if !self.s.config.silence_task_prerun => Err(Error::new(ErrorKind::PreRun(
                format!("task '{name}' failed before its body ran: {text}"),
            ))),
            _ => Ok(()),
        }
    }

    /// Writes the records of asynchronous runs that ended (RUNTIME.md §4.2 `reap()`).
    ///
    /// A control request (`Wake`) drained here arrived during the cycle, e.g. a shutdown
    /// from a cycle hook or a `main` body: it marks the loop dirty so the next wait returns
    /// at once and the request is seen, instead of being swallowed until the next deadline.
    pub(crate) fn reap(&mut self) -> Result<()> {
        for event in self.wake.drain() {
            match event {
                Event::Finished { task, run, result } => {
                    if self.running.get(&task).is_some_and(|r| r.run == run) {
                        if let Some(r) = self.running.remove(&task) {
                            self.finish(task, r.start, &r.flag, result)?;
                        }
                    }
                }
                Event::Wake => self.dirty = true,
            }
        }
        Ok(())
    }

    /// Start-up steps 2–7 (RUNTIME.md §4.1): read the log, restore status, close
    /// unfinished runs with `crash`, startup hooks and `on_startup` tasks.
    pub(crate) fn startup(&mut self) -> Result<()> {
        let records = self.s.store.load()?;
        ::log::info!(
            target: "redengine::scheduler",
            "starting: {} tasks, {} records read from the {}",
            self.tasks.len(),
            records.len(),
            self.s.store.describe()
        );
        // First-seen order for the crash records; the set keeps reading the log O(records).
        let mut names: Vec<&str> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for r in &records {
            if seen.insert(&r.task_name) {
                names.push(&r.task_name);
            }
            self.history
                .push(&r.task_name, r.action, r.created.with_timezone(&Utc));
        }
        let now = self.s.clock.now();
        let unfinished: Vec<(String, DateTime<Utc>)> = names
            .iter()
            .filter_map(|n| match self.history.last_record(n) {
                Some((Action::Run, at)) => Some((n.to_string(), at)),
                _ => None,
            })
            .collect();
        for (name, at) in unfinished {
            self.write(TaskRecord::crash(&name, self.offset(at), self.offset(now)))?;
        }
        self.cycles = 0;
        self.started = now;
        let posts = scheduler_pre(&self.s.hooks.startup, &self.info())
            .map_err(|e| Error::new(ErrorKind::Hook(format!("startup hook: {e}"))))?;
        if self.only.is_none() {
            self.special_runs(|t| t.flags.on_startup)?;
        }
        scheduler_post(posts, &self.info())
            .map_err(|e| Error::new(ErrorKind::Hook(format!("startup hook: {e}"))))
    }

    /// Launches `on_startup`/`on_shutdown` tasks in check order: forced when their
    /// `start_cond` is the default `false` and they are not disabled, else by condition.
    fn special_runs(&mut self, pick: impl Fn(&crate::ignite::Prepared) -> bool) -> Result<()> {
        for i in 0..self.tasks.len() {
            let task = &self.tasks[i];
            if !pick(task) || self.running.contains_key(&i) {
                continue;
            }
            let go = if matches!(task.start, Condition::False) {
                !task.flags.disabled
            } else {
                self.check(&task.start, Some(&task.name), "start_cond")?
            };
            if go {
                self.launch(i)?;
            }
        }
        Ok(())
    }

    /// The shutdown sequence (RUNTIME.md §4.5). `fatal`: terminate every run at once.
    pub(crate) fn shutdown(&mut self, fatal: bool) -> Result<()> {
        self.s.control.shutdown.store(true, Ordering::SeqCst);
        ::log::info!(
            target: "redengine::scheduler",
            "shutting down after {} cycles{}",
            self.cycles,
            if fatal { " (fatal error: terminating every run)" } else { "" }
        );
        let posts = match scheduler_pre(&self.s.hooks.shutdown, &self.info()) {
            Ok(posts) => posts,
            Err(e) => {
                ::log::error!(target: "redengine::scheduler", "shutdown hook failed: {e}");
                Vec::new()
            }
        };
        let mut result = Ok(());
        if !fatal && self.only.is_none() {
            result = self.special_runs(|t| t.flags.on_shutdown);
        }
        let instant = fatal || result.is_err() || self.s.config.instant_shutdown;
        let drained = if instant {
            self.instant_stop()
        } else {
            self.graceful_stop()
        };
        result = result.and(drained);
        if let Err(e) = self.s.store.sync() {
            result = result.and(Err(e.into()));
        }
        if let Err(e) = scheduler_post(posts, &self.info()) {
            ::log::error!(target: "redengine::scheduler", "shutdown hook failed: {e}");
        }
        result
    }

    /// Keeps reaping and enforcing timeouts/end conditions until no run is alive;
    /// `permanent` runs are asked to stop (reason `shutdown`).
    fn graceful_stop(&mut self) -> Result<()> {
        loop {
            self.reap()?;
            if self.running.is_empty() {
                return Ok(());
            }
            if self.s.control.signals.load(Ordering::SeqCst) >= 2 {
                return self.instant_stop();
            }
            let alive: Vec<usize> = self.running.keys().copied().collect();
            let mut deadline: Option<DateTime<Utc>> = None;
            for i in alive {
                if self.tasks[i].flags.permanent {
                    if let Some(r) = self.running.get(&i) {
                        r.flag.set(TerminationReason::Shutdown);
                    }
                }
                self.enforce(i)?;
                if let (Some(r), Some(limit)) = (self.running.get(&i), self.tasks[i].timeout) {
                    if !r.flag.is_set() {
                        let at = chrono::TimeDelta::from_std(limit).ok().and_then(|l| {
                            r.start
                                .checked_add_signed(l + chrono::TimeDelta::microseconds(1))
                        });
                        deadline = match (deadline, at) {
                            (Some(d), Some(a)) => Some(d.min(a)),
                            (d, a) => d.or(a),
                        };
                    }
                }
            }
            self.s.clock.wait(deadline, true, &self.wake);
        }
    }

    /// Flags every run with `shutdown`, gives them a moment, then writes `terminate`
    /// (reason `shutdown`) for those still alive: a thread cannot be killed, and the
    /// process exit ends it.
    fn instant_stop(&mut self) -> Result<()> {
        for r in self.running.values() {
            r.flag.set(TerminationReason::Shutdown);
        }
        // Killed children are waited for (SIGKILL follows SIGTERM after the kill grace),
        // so none outlives the scheduler; threads get a moment, then are abandoned.
        let processes = self
            .running
            .keys()
            .any(|i| self.tasks[*i].execution == crate::execution::Execution::Process);
        let grace = if processes {
            PROCESS_GRACE
        } else {
            INSTANT_GRACE
        };
        let until = std::time::Instant::now() + grace;
        while !self.running.is_empty() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() || !self.wake.wait(Some(left)) {
                break;
            }
            self.reap()?;
        }
        let now = self.s.clock.now();
        let abandoned: Vec<(usize, Running)> = self.running.drain().collect();
        for (i, r) in abandoned {
            let name = self.tasks[i].name.clone();
            let record =
                TaskRecord::terminate(&name, "shutdown", self.offset(r.start), self.offset(now));
            self.write(record)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use crate::{Clock, Execution, ManualClock, Session, Task, Zone};

    /// A shutdown requested by a cycle hook is seen at once: the scheduler does not wait
    /// for the next deadline first (the hook's wake-up used to be drained by `reap`).
    #[test]
    fn shutdown_from_a_cycle_hook_does_not_wait_for_the_next_deadline() {
        let start = Utc.with_ymd_and_hms(2024, 1, 3, 12, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let mut session = Session::builder()
            .clock(clock.clone())
            .zone(Zone::Utc)
            .log_memory()
            .task(
                Task::builder("later")
                    .start_cond("daily between 20:00 and 21:00")
                    .execution(Execution::Main)
                    .run(|_| ()),
            )
            .on_cycle(|info| {
                info.handle.shutdown();
                Ok(None)
            })
            .build()
            .unwrap();
        session.run().unwrap();
        // Waiting for the deadline would have moved virtual time to 20:00.
        assert_eq!(clock.now(), start);
    }
}
