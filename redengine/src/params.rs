//! Session parameters: plain values and parameter functions.

use std::collections::HashMap;
use std::sync::Arc;

use crate::location::Location;
use crate::termination::TerminationFlag;
use crate::value::{TypeInfo, Value};

/// A parameter function's callable.
pub(crate) type ParamCall = Arc<dyn Fn(&ParamContext<'_>) -> Result<Value, String> + Send + Sync>;

/// A parameter function, from `#[param]` or `SessionBuilder::param_fn`.
#[derive(Clone)]
pub(crate) struct ParamFn {
    pub(crate) returns: TypeInfo,
    pub(crate) call: ParamCall,
    pub(crate) location: Location,
}

/// One session parameter.
#[derive(Clone)]
pub(crate) enum SessionParam {
    /// A value, handed to every task that takes it.
    Value(Value),
    /// Called right before each launch of a task that takes it, and only then.
    Function(ParamFn),
}

impl SessionParam {
    /// The type a task argument must have to take this parameter.
    pub(crate) fn type_info(&self) -> TypeInfo {
        match self {
            SessionParam::Value(v) => v.type_info(),
            SessionParam::Function(f) => f.returns,
        }
    }
}

/// The session parameter store. The scheduler and the session handle share it, so values
/// may change while the scheduler runs; a launch sees the values current at that launch.
#[derive(Clone, Default)]
pub struct Params {
    map: HashMap<String, SessionParam>,
}

impl Params {
    /// Sets a value parameter (replacing any parameter of that name).
    pub(crate) fn set_value(&mut self, name: impl Into<String>, value: Value) {
        self.map.insert(name.into(), SessionParam::Value(value));
    }

    /// Sets a function parameter.
    pub(crate) fn set_fn(&mut self, name: impl Into<String>, f: ParamFn) {
        self.map.insert(name.into(), SessionParam::Function(f));
    }

    pub(crate) fn get(&self, name: &str) -> Option<&SessionParam> {
        self.map.get(name)
    }

    /// The value of a value parameter (functions are never called for this).
    pub(crate) fn value(&self, name: &str) -> Option<Value> {
        match self.map.get(name) {
            Some(SessionParam::Value(v)) => Some(v.clone()),
            _ => None,
        }
    }

    /// Removes a parameter.
    pub(crate) fn remove(&mut self, name: &str) -> bool {
        self.map.remove(name).is_some()
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.map.keys().collect();
        names.sort();
        f.debug_struct("Params").field("names", &names).finish()
    }
}

/// What a `#[param]` function may ask for.
#[derive(Debug)]
pub struct ParamContext<'a> {
    /// The task about to be launched with this parameter.
    pub task: &'a str,
    /// That run's termination flag.
    pub termination: &'a TerminationFlag,
}
