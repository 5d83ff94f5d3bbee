//! What a task body returns, and how it maps to a log action: `success`, `fail` (with the
//! error text in `exc_text`), `inaction` or `terminate`; and `crash` for a run its
//! executor lost.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;

use chrono::{DateTime, Utc};

use crate::value::{TypeInfo, Value};

/// The result of one run of a task body, as the scheduler logs it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The body returned normally: logged `success`; the value (if any) becomes the task's
    /// latest return value for `Return("task")` bindings.
    Success(Option<Value>),
    /// The body returned an error or panicked: logged `fail` with this text in `exc_text`.
    Fail(String),
    /// The body reported that there was nothing to do: logged `inaction`.
    Inaction,
    /// The body stopped because its termination flag was set: logged `terminate`.
    Terminated,
    /// The executor lost the run: what ran it died or was cut off (a cluster worker that
    /// stopped renewing its lease), so how the body ended is unknown. Logged `crash`, as
    /// a run a dead scheduler left open is at the next start-up, with this text (why) in
    /// `exc_text`; retried when the task's `retries` say so. A task kind that hands its
    /// runs to another system may return it when that system lost the run; a body that
    /// failed returns [`Outcome::Fail`].
    Crash(String),
}

/// How a run ended.
#[derive(Debug)]
pub(crate) struct JobResult {
    pub(crate) outcome: Outcome,
    /// The failure happened before the body started (see docs/runtime.md, "Pre-run failures").
    pub(crate) prerun: bool,
    /// The finish instant, measured by the executing context.
    pub(crate) end: DateTime<Utc>,
}

/// Return this from a task body to log `inaction` ("nothing to do this time").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inaction;

/// Return this from a task body after it saw its `TerminationFlag`
/// set: the run is logged `terminate` with the flag's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminated;

/// Conversion of what a task body returns into an [`Outcome`].
///
/// Implemented for `()`, `Result<T, E: Display>`, [`Inaction`], [`Terminated`],
/// [`Outcome`] and common value types (`String`, `Vec<T>`, maps, numbers, `bool`,
/// `Option<T>`). For any other plain value return `Ok::<_, std::convert::Infallible>(v)`.
pub trait IntoOutcome {
    /// The type of the value stored for `Return("task")` bindings (`()` when none).
    type Output: Any;

    /// Converts the body's return value.
    fn into_outcome(self) -> Outcome;

    /// The type of [`IntoOutcome::Output`], for ignite-time checks.
    fn output_type() -> TypeInfo {
        TypeInfo::of::<Self::Output>()
    }
}

impl IntoOutcome for () {
    type Output = ();
    fn into_outcome(self) -> Outcome {
        Outcome::Success(None)
    }
}

impl IntoOutcome for Inaction {
    type Output = ();
    fn into_outcome(self) -> Outcome {
        Outcome::Inaction
    }
}

impl IntoOutcome for Terminated {
    type Output = ();
    fn into_outcome(self) -> Outcome {
        Outcome::Terminated
    }
}

impl IntoOutcome for Outcome {
    type Output = ();
    fn into_outcome(self) -> Outcome {
        self
    }
}

impl<T: Any + Send + Sync, E: Display> IntoOutcome for Result<T, E> {
    type Output = T;
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(value) => success(value),
            Err(error) => Outcome::Fail(error.to_string()),
        }
    }
}

/// `Success` carrying `value`, or no value for `()`.
pub(crate) fn success<T: Any + Send + Sync>(value: T) -> Outcome {
    if TypeInfo::of::<T>().is::<()>() {
        Outcome::Success(None)
    } else {
        Outcome::Success(Some(Value::new(value)))
    }
}

macro_rules! value_outcomes {
    ($($ty:ty),* $(,)?) => {$(
        impl IntoOutcome for $ty {
            type Output = $ty;
            fn into_outcome(self) -> Outcome {
                success(self)
            }
            // Serializable: a process child can send it back.
            fn output_type() -> TypeInfo {
                TypeInfo::serde::<$ty>()
            }
        }
    )*};
}

value_outcomes!(
    String, bool, char, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<T: Any + Send + Sync> IntoOutcome for Vec<T> {
    type Output = Vec<T>;
    fn into_outcome(self) -> Outcome {
        success(self)
    }
}

impl<T: Any + Send + Sync> IntoOutcome for Option<T> {
    type Output = Option<T>;
    fn into_outcome(self) -> Outcome {
        success(self)
    }
}

impl<K: Any + Send + Sync, V: Any + Send + Sync, S: Any + Send + Sync> IntoOutcome
    for HashMap<K, V, S>
{
    type Output = HashMap<K, V, S>;
    fn into_outcome(self) -> Outcome {
        success(self)
    }
}

impl<K: Any + Send + Sync, V: Any + Send + Sync> IntoOutcome for BTreeMap<K, V> {
    type Output = BTreeMap<K, V>;
    fn into_outcome(self) -> Outcome {
        success(self)
    }
}

/// The text of a caught panic payload (`&str` and `String` payloads; others get a fixed text).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_per_spec() {
        assert!(matches!(().into_outcome(), Outcome::Success(None)));
        assert!(matches!(Inaction.into_outcome(), Outcome::Inaction));
        assert!(matches!(Terminated.into_outcome(), Outcome::Terminated));
        let failed: Result<(), String> = Err("connection refused".into());
        assert!(matches!(failed.into_outcome(), Outcome::Fail(m) if m == "connection refused"));
        match Ok::<_, String>(vec![1u8]).into_outcome() {
            Outcome::Success(Some(v)) => assert_eq!(v.get::<Vec<u8>>(), Some(vec![1])),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            Ok::<(), String>(()).into_outcome(),
            Outcome::Success(None)
        ));
        assert!(<Result<u8, String>>::output_type().is::<u8>());
    }
}
