//! What a `#[task]` function's return value means, read on the concrete type.
//!
//! A macro sees how the return type is spelled, not what it is: `MyResult<()>`,
//! `io::Result<()>` and `anyhow::Result<()>` are all `Result`s that it cannot recognise.
//! So the generated shim asks the compiler instead: it calls `.plan()` on
//! [`Returned<R>`] (with `R` the written return type) borrowed seven times, once per layer
//! below the top one, and
//! method resolution picks the first of these that applies (autoref specialization,
//! highest priority first):
//!
//! | layer | `R` | a run logs | kept for `Return` |
//! |---|---|---|---|
//! | [`ErrStop`] | `Result<T, Terminated>`, `Result<T, Inaction>` | `Err` → `terminate` / `inaction` | `T` |
//! | [`ErrSources`] | `Result<T, E: std::error::Error>` | `Err` → `fail`, the error and its `source()` chain | `T` |
//! | [`ErrSharedSources`] | `Result<T, E>`, `E` derefs to `dyn Error + Send + Sync` (`anyhow::Error`, `Box<dyn Error + Send + Sync>`) | the same | `T` |
//! | [`ErrDynSources`] | `Result<T, Box<dyn Error>>` | the same | `T` |
//! | [`ErrDisplay`] | `Result<T, E: Display>` | `Err` → `fail` with its text | `T` |
//! | [`ErrOther`] | any other `Result<T, E>` | a compile error: the error cannot be logged | |
//! | [`NoValue`] | `()`, [`Inaction`], [`Terminated`], [`Outcome`] | what it says | `()` |
//! | [`AnyValue`] | any other `T` | `success` | `T` |
//!
//! `Ok(value)` is a `success` whose value is kept (none for `()`). The kept type must be
//! `Send + Sync + 'static` ([`TaskValue`]); a violation, or an error type without
//! `Display`, is a compile error worded for the user (`#[diagnostic::on_unimplemented]`),
//! reported on the return type.
//!
//! [`Inaction`]: crate::Inaction
//! [`Terminated`]: crate::Terminated

use std::any::{type_name, Any, TypeId};
use std::error::Error;
use std::fmt::Display;
use std::marker::PhantomData;

use crate::outcome::{success, Inaction, Outcome, Terminated};
use crate::value::{Probe, ProcessValue};

/// The probe on a task function's written return type `R`.
pub struct Returned<R>(PhantomData<fn() -> R>);

impl<R> Returned<R> {
    /// The probe for `R`.
    pub const fn new() -> Self {
        Returned(PhantomData)
    }
}

impl<R> Default for Returned<R> {
    fn default() -> Self {
        Returned::new()
    }
}

impl<R> Clone for Returned<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Returned<R> {}

/// What the picked layer does with an `R`: its outcome, and the type `K` of the value kept
/// for `Return("task")` bindings.
pub struct Plan<R, K> {
    finish: fn(R) -> Outcome,
    kept: PhantomData<fn() -> K>,
}

impl<R, K: Any> Plan<R, K> {
    fn new(finish: fn(R) -> Outcome) -> Self {
        Plan {
            finish,
            kept: PhantomData,
        }
    }

    /// The outcome of a run that returned `returned`.
    pub fn finish(&self, returned: R) -> Outcome {
        (self.finish)(returned)
    }

    /// The kept type's probe, for its codec: `(&plan.kept()).codec()`.
    pub fn kept(&self) -> Probe<K> {
        Probe::new()
    }

    /// The kept type's `TypeId`.
    pub fn kept_id(&self) -> TypeId {
        TypeId::of::<K>()
    }

    /// The kept type's name.
    pub fn kept_name(&self) -> &'static str {
        type_name::<K>()
    }
}

/// What a task may keep as its value: the scheduler stores it and may hand it to a task
/// on another thread.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value a task returns",
    label = "a task's value must be `Send + Sync + 'static`",
    note = "the scheduler keeps the value for `Return(\"task\")` bindings and may hand it to another thread: return an owned, thread-safe type (`Arc` rather than `Rc`, `String` rather than `&str`)"
)]
pub trait TaskValue: Any + Send + Sync {}

impl<T: Any + Send + Sync> TaskValue for T {}

/// What a task's error must be to be logged.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task's error: a `fail` record logs its text",
    label = "the error type of a task's `Result` must implement `std::fmt::Display`",
    note = "implement `std::fmt::Display` (or `std::error::Error`, whose `source()` chain is logged too) for it, or return `Result<_, String>`"
)]
pub trait TaskError {}

impl<E: Display + ?Sized> TaskError for E {}

/// `Ok(value)`: a success keeping `value`.
fn ok<T: TaskValue>(value: T) -> Outcome {
    success(value)
}

/// Layer 7: `Err(Terminated)` logs `terminate`, `Err(Inaction)` logs `inaction`.
pub trait ErrStop<R, T> {
    /// The plan for `R`.
    fn plan(self) -> Plan<R, T>
    where
        T: TaskValue;
}

impl<T> ErrStop<Result<T, Terminated>, T> for &&&&&&&Returned<Result<T, Terminated>> {
    fn plan(self) -> Plan<Result<T, Terminated>, T>
    where
        T: TaskValue,
    {
        Plan::new(|r| r.map_or(Outcome::Terminated, ok))
    }
}

impl<T> ErrStop<Result<T, Inaction>, T> for &&&&&&&Returned<Result<T, Inaction>> {
    fn plan(self) -> Plan<Result<T, Inaction>, T>
    where
        T: TaskValue,
    {
        Plan::new(|r| r.map_or(Outcome::Inaction, ok))
    }
}

/// Layer 6: a `std::error::Error` logs its text and its `source()` chain.
pub trait ErrSources<T, E> {
    /// The plan for `Result<T, E>`.
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue;
}

impl<T, E: Error + 'static> ErrSources<T, E> for &&&&&&Returned<Result<T, E>> {
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue,
    {
        Plan::new(|r| match r {
            Ok(value) => ok(value),
            Err(error) => Outcome::Fail(crate::log::error_chain(&error)),
        })
    }
}

/// Layer 5: an error that derefs to `dyn Error + Send + Sync` (`anyhow::Error`,
/// `Box<dyn Error + Send + Sync>`) logs the chain of that error.
pub trait ErrSharedSources<T, E> {
    /// The plan for `Result<T, E>`.
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue;
}

impl<T, E> ErrSharedSources<T, E> for &&&&&Returned<Result<T, E>>
where
    E: AsRef<dyn Error + Send + Sync + 'static>,
{
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue,
    {
        Plan::new(|r| match r {
            Ok(value) => ok(value),
            Err(error) => Outcome::Fail(crate::log::error_chain(error.as_ref())),
        })
    }
}

/// Layer 4: an error that derefs to `dyn Error` (`Box<dyn Error>`) logs its chain.
pub trait ErrDynSources<T, E> {
    /// The plan for `Result<T, E>`.
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue;
}

impl<T, E> ErrDynSources<T, E> for &&&&Returned<Result<T, E>>
where
    E: AsRef<dyn Error + 'static>,
{
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue,
    {
        Plan::new(|r| match r {
            Ok(value) => ok(value),
            Err(error) => Outcome::Fail(crate::log::error_chain(error.as_ref())),
        })
    }
}

/// Layer 3: any other `Display` error logs its text.
pub trait ErrDisplay<T, E> {
    /// The plan for `Result<T, E>`.
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue;
}

impl<T, E: Display> ErrDisplay<T, E> for &&&Returned<Result<T, E>> {
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        T: TaskValue,
    {
        Plan::new(|r| match r {
            Ok(value) => ok(value),
            Err(error) => Outcome::Fail(error.to_string()),
        })
    }
}

/// Layer 2: a `Result` whose error cannot be logged. It applies to every `Result` so
/// that such a return type is a compile error naming the error type, rather than a plain
/// value whose `Err` would log `success`.
pub trait ErrOther<T, E> {
    /// The plan for `Result<T, E>`; its bound on `E` always fails to hold here.
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        E: TaskError,
        T: TaskValue;
}

impl<T, E> ErrOther<T, E> for &&Returned<Result<T, E>> {
    fn plan(self) -> Plan<Result<T, E>, T>
    where
        E: TaskError,
        T: TaskValue,
    {
        Plan::new(|r| match r {
            Ok(value) => ok(value),
            Err(_) => Outcome::Fail(format!("returned an error of type `{}`", type_name::<E>())),
        })
    }
}

/// The return types that say what happened and carry no value.
pub trait Unit {
    /// The outcome.
    fn outcome(self) -> Outcome;
}

impl Unit for () {
    fn outcome(self) -> Outcome {
        Outcome::Success(None)
    }
}

impl Unit for Inaction {
    fn outcome(self) -> Outcome {
        Outcome::Inaction
    }
}

impl Unit for Terminated {
    fn outcome(self) -> Outcome {
        Outcome::Terminated
    }
}

impl Unit for Outcome {
    fn outcome(self) -> Outcome {
        self
    }
}

/// Layer 1: `()`, `Inaction`, `Terminated` and `Outcome` keep nothing.
pub trait NoValue<R> {
    /// The plan for `R`.
    fn plan(self) -> Plan<R, ()>;
}

impl<R: Unit> NoValue<R> for &Returned<R> {
    fn plan(self) -> Plan<R, ()> {
        Plan::new(R::outcome)
    }
}

/// Layer 0: any other type is a value, kept on success.
pub trait AnyValue<R> {
    /// The plan for `R`.
    fn plan(self) -> Plan<R, R>
    where
        R: TaskValue;
}

impl<R> AnyValue<R> for Returned<R> {
    fn plan(self) -> Plan<R, R>
    where
        R: TaskValue,
    {
        Plan::new(ok)
    }
}

// --- store: return values kept across restarts ---

/// The JSON a store keeps for `task`'s returned `value`: encoded with the codec of the
/// task's declared value type, else the value's own (a [`Value::serializable`]). `None`
/// when it has neither, or (with a warning) when serde refuses the value.
///
/// [`Value::serializable`]: crate::Value::serializable
pub(crate) fn value_json(
    task: &str,
    ty: &crate::value::TypeInfo,
    value: &crate::Value,
) -> Option<String> {
    let encoded = match ty.codec() {
        Some(codec) => codec.encode(value),
        None => value.to_json()?,
    };
    encoded
        .map_err(|e| {
            log::warn!(
                target: "redengine::scheduler",
                "the value task '{task}' returned is not kept in the log (it is lost at a \
                 restart): {e}"
            );
        })
        .ok()
}

/// The value `json` (kept in the log by an earlier process) decoded for `task`, whose
/// value type is `ty`; `None` (with a warning) when the type has no codec any more or
/// the JSON no longer fits it (the task's return type changed).
pub(crate) fn restore_value(
    task: &str,
    ty: &crate::value::TypeInfo,
    json: &str,
) -> Option<crate::Value> {
    let Some(codec) = ty.codec() else {
        log::warn!(
            target: "redengine::scheduler",
            "the log keeps a value of task '{task}', but its type `{}` has no serde codec \
             now: `Return(\"{task}\")` gives nothing until it succeeds again",
            ty.name()
        );
        return None;
    };
    codec
        .decode(json)
        .map_err(|e| {
            log::warn!(
                target: "redengine::scheduler",
                "the value of task '{task}' kept in the log does not decode as `{}` (its \
                 return type changed?): {e}; `Return(\"{task}\")` gives nothing until it \
                 succeeds again",
                ty.name()
            );
        })
        .ok()
}

/// The compile-time check emitted by `#[task(execution = "process")]` on the kept value:
/// it crosses back from the child as JSON.
pub fn assert_process_kept<R, K: ProcessValue>(_: &Plan<R, K>) {}

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use crate::value::{ViaNothing as _, ViaSerde as _};

    /// What generated code does, for a written return type.
    macro_rules! plan {
        ($ty:ty) => {{
            #[allow(unused_imports)]
            use super::{
                AnyValue as _, ErrDisplay as _, ErrDynSources as _, ErrOther as _,
                ErrSharedSources as _, ErrSources as _, ErrStop as _, NoValue as _,
            };
            (&&&&&&&Returned::<$ty>::new()).plan()
        }};
    }

    type MyResult<T> = Result<T, String>;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("outer")
        }
    }

    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    fn fail(outcome: Outcome) -> String {
        match outcome {
            Outcome::Fail(text) => text,
            other => panic!("not a fail: {other:?}"),
        }
    }

    fn inner() -> std::io::Error {
        std::io::Error::other("inner")
    }

    #[test]
    fn results_fail_whatever_their_name() {
        assert_eq!(fail(plan!(MyResult<()>).finish(Err("boom".into()))), "boom");
        assert_eq!(
            fail(plan!(std::io::Result<u8>).finish(Err(inner()))),
            "inner"
        );
        assert_eq!(plan!(MyResult<u8>).kept_id(), TypeId::of::<u8>());
        assert!(matches!(
            plan!(MyResult<()>).finish(Ok(())),
            Outcome::Success(None)
        ));
    }

    #[test]
    fn error_sources_are_logged_for_every_error_shape() {
        let chain = "outer\nCaused by: inner";
        assert_eq!(
            fail(plan!(Result<(), Outer>).finish(Err(Outer(inner())))),
            chain
        );
        let boxed: Box<dyn Error> = Box::new(Outer(inner()));
        assert_eq!(
            fail(plan!(Result<(), Box<dyn Error>>).finish(Err(boxed))),
            chain
        );
        let shared: Box<dyn Error + Send + Sync> = Box::new(Outer(inner()));
        assert_eq!(
            fail(plan!(Result<(), Box<dyn Error + Send + Sync>>).finish(Err(shared))),
            chain
        );
    }

    #[test]
    fn stop_errors_and_units() {
        assert!(matches!(
            plan!(Result<(), Terminated>).finish(Err(Terminated)),
            Outcome::Terminated
        ));
        assert!(matches!(
            plan!(Result<u8, Inaction>).finish(Err(Inaction)),
            Outcome::Inaction
        ));
        assert!(matches!(
            plan!(Inaction).finish(Inaction),
            Outcome::Inaction
        ));
        assert!(matches!(plan!(()).finish(()), Outcome::Success(None)));
        assert_eq!(plan!(Terminated).kept_id(), TypeId::of::<()>());
    }

    #[test]
    fn plain_values_are_kept() {
        let plan = plan!(Vec<u32>);
        assert_eq!(plan.kept_id(), TypeId::of::<Vec<u32>>());
        match plan.finish(vec![1]) {
            Outcome::Success(Some(v)) => assert_eq!(v.get::<Vec<u32>>(), Some(vec![1])),
            other => panic!("{other:?}"),
        }
        #[allow(clippy::needless_borrow)]
        let codec = (&plan.kept()).codec();
        assert!(codec.is_some(), "Vec<u32> is serializable");
        // An alias's kept value crosses a process boundary with the `Ok` type's codec.
        let plan = plan!(MyResult<Vec<u32>>);
        #[allow(clippy::needless_borrow)]
        let codec = (&plan.kept()).codec().expect("Vec<u32> is serializable");
        let json = codec.encode(&crate::Value::new(vec![3_u32])).unwrap();
        assert_eq!(
            codec.decode(&json).unwrap().get::<Vec<u32>>(),
            Some(vec![3])
        );
        struct Opaque;
        let plan = plan!(Result<Opaque, String>);
        #[allow(clippy::needless_borrow)]
        let codec = (&plan.kept()).codec();
        assert!(codec.is_none());
        assert_eq!(plan.kept_id(), TypeId::of::<Opaque>());
    }
}
