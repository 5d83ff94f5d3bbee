//! Condition checks for the loop, and what conditions resolve against: session
//! parameters and custom conditions.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use redengine_conditions::{Condition, Context, EvalError, ParamValue, Resolver, Zone};

use super::Scheduler;
use crate::custom::{ConditionContext, CustomCondition};
use crate::error::{Error, ErrorKind, Result};
use crate::ignite::Prepared;
use crate::outcome::panic_message;
use crate::params::{Params, SessionParam};

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
    /// Evaluates `cond` once with a fresh `now`, in the zone of its `owner` (the task whose
    /// condition it is; `None`: the session's zone); an evaluation error is handled per
    /// `silence_cond_check`. A start condition held by the `skip` misfire policy is false
    /// until its hold ends.
    #[inline]
    pub(super) fn check(
        &self,
        cond: &Condition,
        owner: Option<&Prepared>,
        what: &str,
    ) -> Result<bool> {
        Ok(self.check_or_silenced(cond, owner, what)?.unwrap_or(false))
    }

    /// [`Scheduler::check`], with `None` for an evaluation error counted as false.
    ///
    /// perfspeed: `true` and `false` are answered where the check is asked (every cycle
    /// asks `shut_cond`, every turn a start condition, mostly one of these); only other
    /// conditions pay for the call that evaluates them.
    #[inline]
    pub(super) fn check_or_silenced(
        &self,
        cond: &Condition,
        owner: Option<&Prepared>,
        what: &str,
    ) -> Result<Option<bool>> {
        match cond {
            Condition::False => Ok(Some(false)),
            Condition::True => Ok(Some(true)),
            _ => self.evaluate_checked(cond, owner, what),
        }
    }

    /// [`Scheduler::check_or_silenced`] for a condition to evaluate.
    #[inline(never)]
    fn evaluate_checked(
        &self,
        cond: &Condition,
        owner: Option<&Prepared>,
        what: &str,
    ) -> Result<Option<bool>> {
        let now = self.now();
        if let Some(task) = owner {
            let held = task.hold_until.is_some_and(|until| now < until);
            // Tasks share a parsed condition per text (an end_cond can be the very
            // condition of the start_cond): the hold is for the start condition only.
            if held && what != "end_cond" && std::ptr::eq(cond, &*task.start) {
                return Ok(Some(false));
            }
        }
        let params = self.s.control.params();
        let resolver = CondResolver::new(&params, &self.s.conditions);
        let zone = owner.map_or(self.s.zone, |t| t.zone);
        let ctx = self.context(now, zone, &resolver);
        let ctx = match owner {
            Some(o) => ctx.with_owner(&o.name),
            None => ctx,
        };
        match cond.evaluate(&ctx) {
            Ok(value) => Ok(Some(value)),
            Err(e) => {
                let detail = e.to_string();
                let whose = owner
                    .map(|o| format!(" of task '{}'", o.name))
                    .unwrap_or_default();
                let text = format!("{what}{whose} `{cond}` could not be checked: {detail}");
                if self.s.config.silence_cond_check {
                    ::log::error!(target: "redengine::scheduler", "{text}; counted as false");
                    Ok(None)
                } else {
                    Err(Error::new(ErrorKind::Condition(text)))
                }
            }
        }
    }

    /// A condition context at `now` computing wall-clock periods in `zone` (no owner).
    pub(super) fn context<'a>(
        &'a self,
        now: DateTime<Utc>,
        zone: Zone,
        resolver: &'a CondResolver<'a>,
    ) -> Context<'a> {
        Context::new(now, zone, &self.history)
            .with_scheduler(redengine_conditions::SchedulerState {
                cycles: self.cycles,
                started: self.started,
            })
            .with_resolver(resolver)
    }
}
