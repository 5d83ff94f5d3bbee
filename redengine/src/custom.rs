//! Custom conditions: functions registered with `#[condition]` or
//! `SessionBuilder::condition`, called by name from
//! condition strings, and what they may read.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redengine_conditions::{Context, History};

use crate::location::Location;
use crate::params::Params;
use crate::value::Value;

/// A custom condition callable.
pub(crate) type CustomFn = Arc<dyn Fn(&ConditionContext<'_>) -> Result<bool, String> + Send + Sync>;

/// A registered custom condition.
#[derive(Clone)]
pub(crate) struct CustomCondition {
    pub(crate) call: CustomFn,
    pub(crate) location: Location,
}

/// What a custom condition may read: the evaluation instant, the owner, the history and
/// the session's value parameters.
pub struct ConditionContext<'a> {
    ctx: &'a Context<'a>,
    params: &'a Params,
}

impl<'a> ConditionContext<'a> {
    pub(crate) fn new(ctx: &'a Context<'a>, params: &'a Params) -> Self {
        ConditionContext { ctx, params }
    }

    /// The instant the whole condition is evaluated at.
    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// The task whose condition this is (`None` in `shut_cond`).
    pub fn owner(&self) -> Option<&str> {
        self.ctx.owner()
    }

    /// The task history conditions read.
    pub fn history(&self) -> &History {
        self.ctx.history()
    }

    /// A session parameter's value (`None` for missing ones and `#[param]` functions,
    /// which are never called here).
    pub fn param(&self, name: &str) -> Option<Value> {
        self.params.value(name)
    }
}
