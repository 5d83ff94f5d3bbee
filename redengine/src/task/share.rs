//! What tasks made in a row share rather than copy: the start condition's text and the
//! body of a function without state. Sharing is never visible: a task reads the same text
//! and runs the same function either way.

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::thread::LocalKey;

use super::Body;
use crate::kind::TaskKind;

// perf (memory): tasks are usually made in a loop or a list, neighbours often with one
// text (`daily`, a window for a family of tasks, the default `false`): each thread keeps
// the last text it made, weakly (it lives as long as a task holds it), and a task with the
// same text shares it. A text differing from the last one costs one allocation, as a
// `String` did; the text read back is the same either way.
/// `text` as a start condition's shared text: the last one made on this thread if equal.
pub(crate) fn shared_text(text: &str) -> Arc<str> {
    thread_local! {
        static LAST: RefCell<Option<Weak<str>>> = const { RefCell::new(None) };
    }
    if text == "false" {
        return never_text();
    }
    last_or_make(&LAST, text, |kept, text| kept == *text, Arc::from)
}

/// The `Arc` made last on this thread through `last`, if a task still holds it and `same`
/// says it equals `value`; else the one `make` makes of `value`, kept in `last` (weakly: it
/// lives as long as a task holds it). Texts and setups are shared this way.
pub(super) fn last_or_make<T: ?Sized, V>(
    last: &'static LocalKey<RefCell<Option<Weak<T>>>>,
    value: V,
    same: impl FnOnce(&T, &V) -> bool,
    make: impl FnOnce(V) -> Arc<T>,
) -> Arc<T> {
    last.with(|last| {
        let mut last = last.borrow_mut();
        let alive = last.as_ref().and_then(Weak::upgrade);
        if let Some(shared) = alive.filter(|shared| same(shared, &value)) {
            return shared;
        }
        let shared = make(value);
        *last = Some(Arc::downgrade(&shared));
        shared
    })
}

/// The default start condition's text, `false`: one for every task (a builder starts
/// with it, so it does not take the place of the last text made).
pub(super) fn never_text() -> Arc<str> {
    static FALSE: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
    Arc::clone(FALSE.get_or_init(|| Arc::from("false")))
}

/// Which builder method made a function task's body (the same function makes another
/// body in each).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Made {
    Run,
    RunSerde,
}

// perf (memory, start-up): a function without captures (`|_| ()`, a `fn` item) has no
// state: every task made from it in a row — tasks made in a loop — shares one body
// rather than an allocation each (32 bytes of heap a task, a `malloc` and its `free`).
// Its type says everything about it: a closure type is one expression's, a function's
// type one function's, and it fixes what the function returns. One with a `Drop` keeps
// its own body, so it is dropped when its task is.
/// The body `make` makes for a function of type `F`: for a function without state, the
/// last one made on this thread for `F` by the same builder method, if alive.
pub(super) fn stateless_body<F: 'static>(made: Made, make: impl FnOnce() -> Body) -> Body {
    type Last = Option<(std::any::TypeId, Made, std::sync::Weak<dyn TaskKind>)>;
    thread_local! {
        static LAST: std::cell::RefCell<Last> = const { std::cell::RefCell::new(None) };
    }
    if std::mem::size_of::<F>() != 0 || std::mem::needs_drop::<F>() {
        return make();
    }
    let id = std::any::TypeId::of::<F>();
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let alive = match last.as_ref() {
            Some((of, by, body)) if *of == id && *by == made => body.upgrade(),
            _ => None,
        };
        alive.unwrap_or_else(|| {
            let body = make();
            *last = Some((id, made, Arc::downgrade(&body)));
            body
        })
    })
}
