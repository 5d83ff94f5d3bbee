//! Launching a run: write `run`, resolve its arguments, hand it to its executor.

use std::sync::atomic::{AtomicU64, Ordering};

use super::runs::Running;
use super::Scheduler;
use crate::context::ArgValue;
use crate::error::Result;
use crate::event::Event;
use crate::execution::Execution;
use crate::executor::executor;
use crate::executor::job::{Dispatch, Done, Job, JobArg};
use crate::ignite::Source;
use crate::outcome::{JobResult, Outcome};
use crate::params::SessionParam;
use crate::termination::TerminationFlag;
use crate::value::Value;

/// Run ids are process-unique, so a late event from an abandoned run is never mistaken
/// for a newer run's.
static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

impl Scheduler<'_> {
    /// Writes `run`, prepares the job and hands it to the task's executor.
    pub(super) fn launch(&mut self, i: usize) -> Result<()> {
        let now = self.now();
        let attempt = self.attempt_for_launch(i, now);
        let (mut record, plain) = self.spare.run(i);
        record.refill_run(&self.tasks[i].name, self.offset(now), plain);
        // perfspeed: a first attempt's `run` record is marked as refilled (attempt 1).
        if attempt > 1 {
            record.set_attempt(attempt, self.tasks[i].retry.attempts(), None);
        }
        self.write_recycled(i, record, None)?;
        let flag = self.spare_flag.take().unwrap_or_default();
        let run = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
        let mut job = self.job(i, flag.clone());
        job.run = run;
        job.attempt = attempt;
        let inline = self.tasks[i].execution == Execution::Main;
        // perfspeed: a `main` run returns its result; only the others report through the
        // channel (a closure that captures nothing is not allocated).
        let done: Done = if inline {
            Box::new(|_| {})
        } else {
            let tx = self.s.control.sender();
            Box::new(move |result| {
                // The receiver lives as long as the session; after that nobody needs the
                // result.
                let _ = tx.send(Event::Finished {
                    task: i,
                    run,
                    result,
                });
            })
        };
        if inline {
            // The run occupies the loop: a signal must reach it (see `signals`).
            self.alarm.run_deferred();
            let before = self.s.control.swap_inline_run(flag.clone());
            // perfspeed: the previous `main` run's flag, out of the signal's reach now,
            // is the next run's unless someone kept a clone.
            self.spare_flag = before.and_then(TerminationFlag::recycle);
        }
        let dispatched = executor(self.tasks[i].execution).dispatch(job, done);
        if inline {
            // A signal from now on finds the flag of a run that ended.
            flag.close_inline();
        }
        match dispatched {
            Dispatch::Done(result) => self.finish(i, now, &flag, attempt, result),
            Dispatch::Started => {
                self.running.insert(
                    i,
                    Running {
                        run,
                        start: now,
                        flag,
                        attempt,
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
                self.finish(i, now, &flag, attempt, result)
            }
        }
    }

    /// The job of one launch: arguments resolved from the current parameters.
    fn job(&self, i: usize, flag: TerminationFlag) -> Job {
        let task = &self.tasks[i];
        // perfspeed: a task without arguments or hooks (the usual case) makes no empty
        // lists of them one by one.
        let (args, types) = match task.args.is_empty() {
            true => (Vec::new(), Vec::new()),
            false => (
                self.args(i, &flag),
                task.args.iter().map(|a| a.ty).collect(),
            ),
        };
        let hooks = &self.s.hooks.task_execute;
        Job {
            info: task.info(),
            body: task.body.clone(),
            args,
            flag,
            hooks: if hooks.is_empty() {
                Vec::new()
            } else {
                hooks.clone()
            },
            clock: self.s.clock.clone(),
            types,
            returns: task.returns(),
            session: Some(self.s.handle()),
            run: 0,
            attempt: 1,
        }
    }

    /// Task `i`'s arguments, resolved from the current parameters.
    fn args(&self, i: usize, flag: &TerminationFlag) -> Vec<(String, JobArg)> {
        let task = &self.tasks[i];
        let params = self.s.control.params();
        task.args
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
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::termination::{TerminationFlag, TerminationReason};

    /// A signal sets the flag of the `main` run in progress, and not the one of a `main`
    /// run that ended, which stays in place until the next run's takes it.
    #[test]
    fn a_signal_reaches_the_main_run_in_progress_only() {
        let session = crate::Session::builder().log_memory().build().unwrap();
        let control = &session.control;
        control.terminate_inline_run();
        let first = TerminationFlag::new();
        assert!(control.swap_inline_run(first.clone()).is_none());
        control.terminate_inline_run();
        assert_eq!(first.reason(), Some(TerminationReason::Shutdown));
        let second = TerminationFlag::new();
        let before = control
            .swap_inline_run(second.clone())
            .expect("the first run's");
        assert_eq!(before.reason(), Some(TerminationReason::Shutdown));
        second.close_inline();
        control.terminate_inline_run();
        assert_eq!(second.reason(), None, "its run ended");
    }
}
