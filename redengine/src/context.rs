//! What a running task body sees: its resolved parameters and its termination flag.

use crate::handle::SessionHandle;
use crate::task::name::TaskName;
use std::any::Any;
use std::fmt;

use crate::value::{TypeInfo, Value};

pub(crate) use crate::termination::{TerminationFlag, TerminationReason};

/// A parameter a body asked for that it cannot have: not bound, or of another type.
///
/// Ignite checks declared parameters, so this only happens when a body asks for a name or
/// type it did not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    task: String,
    param: String,
    expected: &'static str,
    found: Option<&'static str>,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.found {
            Some(found) => write!(
                f,
                "task '{}': parameter `{}` has type `{found}`, but `{}` was requested; \
                 declare it with that type or request `{found}`",
                self.task, self.param, self.expected
            ),
            None => write!(
                f,
                "task '{}': parameter `{}` is not bound; declare it on the task \
                 (`.param(\"{}\", value)`, `.arg::<{}>(\"{}\")` or `.returned_from(..)`)",
                self.task, self.param, self.param, self.expected, self.param
            ),
        }
    }
}

impl std::error::Error for ParamError {}

/// One resolved argument of a run.
#[derive(Debug, Clone)]
pub(crate) enum ArgValue {
    /// A task or session parameter (or a built-in).
    Value(Value),
    /// A `Return("task")` binding: `None` until that task has succeeded in this process.
    Return(Option<Value>),
}

/// What a task body receives: the task's name, its resolved parameters and its
/// termination flag.
#[derive(Debug)]
pub struct TaskContext {
    /// The task's name: its own text, shared, not a copy per run.
    name: TaskName,
    args: Vec<(String, ArgValue)>,
    flag: TerminationFlag,
    session: Option<SessionHandle>,
    attempt: u32,
}

impl TaskContext {
    pub(crate) fn new(
        name: TaskName,
        args: Vec<(String, ArgValue)>,
        flag: TerminationFlag,
    ) -> Self {
        TaskContext {
            name,
            args,
            flag,
            session: None,
            attempt: 1,
        }
    }

    /// Which attempt of the run this is (see [`TaskContext::attempt`]).
    pub(crate) fn with_attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }

    /// Attaches the scheduler's handle (main and thread runs).
    pub(crate) fn with_session(mut self, session: Option<SessionHandle>) -> Self {
        self.session = session;
        self
    }

    /// A handle on the scheduler running this task: request a shutdown or restart,
    /// force or terminate other tasks, change session parameters. `None` in a process
    /// task's child, which runs outside the scheduler.
    pub fn session(&self) -> Option<&SessionHandle> {
        self.session.as_ref()
    }

    /// The name of the task being run.
    pub fn task_name(&self) -> &str {
        &self.name
    }

    /// Which attempt of the run this is: 1 for a run its start condition launched, 2 for
    /// its first retry, and so on. A body can use it to change course on a retry (a
    /// longer timeout of its own, a fallback source) or to say so in its output; the
    /// log's records carry the same number.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The run's termination flag (check it in long loops).
    pub fn termination(&self) -> &TerminationFlag {
        &self.flag
    }

    /// The parameter `name` (a task parameter, else a session parameter or `#[param]`
    /// function's value, resolved right before this launch).
    pub fn param<T: Any + Clone>(&self, name: &str) -> Result<T, ParamError> {
        match self.lookup(name) {
            Some(ArgValue::Value(value)) => self.cast(name, value),
            Some(ArgValue::Return(_)) | None => Err(self.error::<T>(name, None)),
        }
    }

    /// The resolved value parameters, in declaration order (for kinds that pass every
    /// parameter on, such as `CommandTask`). `Return`
    /// bindings are not included: read them with [`TaskContext::returned`].
    pub fn params(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.args.iter().filter_map(|(name, arg)| match arg {
            ArgValue::Value(v) => Some((name.as_str(), v)),
            ArgValue::Return(_) => None,
        })
    }

    /// The latest return value of the task bound to `name` with
    /// `TaskBuilder::returned_from`: `None` when that
    /// task has not succeeded since this scheduler process started.
    pub fn returned<T: Any + Clone>(&self, name: &str) -> Result<Option<T>, ParamError> {
        match self.lookup(name) {
            Some(ArgValue::Return(Some(value))) => self.cast(name, value).map(Some),
            Some(ArgValue::Return(None)) => Ok(None),
            Some(ArgValue::Value(_)) | None => Err(self.error::<T>(name, None)),
        }
    }

    /// The argument at `index` in declaration order (generated code).
    pub(crate) fn arg_at<T: Any + Clone>(&self, index: usize) -> Result<T, ParamError> {
        match self.args.get(index) {
            Some((name, ArgValue::Value(value))) => self.cast(name, value),
            Some((name, ArgValue::Return(_))) => Err(self.error::<T>(name, None)),
            None => Err(self.error::<T>(&format!("#{index}"), None)),
        }
    }

    /// The `Return` argument at `index` in declaration order (generated code).
    pub(crate) fn returned_at<T: Any + Clone>(
        &self,
        index: usize,
    ) -> Result<Option<T>, ParamError> {
        match self.args.get(index) {
            Some((name, ArgValue::Return(Some(value)))) => self.cast(name, value).map(Some),
            Some((_, ArgValue::Return(None))) => Ok(None),
            Some((name, ArgValue::Value(_))) => Err(self.error::<T>(name, None)),
            None => Err(self.error::<T>(&format!("#{index}"), None)),
        }
    }

    fn lookup(&self, name: &str) -> Option<&ArgValue> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn cast<T: Any + Clone>(&self, name: &str, value: &Value) -> Result<T, ParamError> {
        value
            .get::<T>()
            .ok_or_else(|| self.error::<T>(name, Some(value.type_name())))
    }

    fn error<T: Any>(&self, name: &str, found: Option<&'static str>) -> ParamError {
        ParamError {
            task: self.name.to_string(),
            param: name.to_string(),
            expected: TypeInfo::of::<T>().name(),
            found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_returns() {
        let ctx = TaskContext::new(
            "report".into(),
            vec![
                (
                    "receivers".into(),
                    ArgValue::Value(Value::new(vec!["a".to_string()])),
                ),
                ("data".into(), ArgValue::Return(None)),
            ],
            TerminationFlag::new(),
        );
        assert_eq!(
            ctx.param::<Vec<String>>("receivers"),
            Ok(vec!["a".to_string()])
        );
        assert_eq!(ctx.returned::<u8>("data"), Ok(None));
        let err = ctx.param::<String>("receivers").unwrap_err().to_string();
        assert!(
            err.contains("task 'report'") && err.contains("`receivers`"),
            "{err}"
        );
        assert!(err.contains("alloc::string::String"), "{err}");
        assert!(ctx
            .param::<u8>("nope")
            .unwrap_err()
            .to_string()
            .contains("not bound"));
        assert_eq!(ctx.arg_at::<Vec<String>>(0).map(|v| v.len()), Ok(1));
        assert_eq!(ctx.returned_at::<u8>(1), Ok(None));
    }
}
