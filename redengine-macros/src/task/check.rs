//! Checks the annotated function against the attribute: what the scheduler can call, that
//! every argument can be resolved by name and owns its value, and that every setting can
//! apply to the chosen execution.

use redengine_conditions::settings::ExecutionName;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

use super::attr::{ParamValue, TaskArgs};
use super::owned;
use crate::ctxt::Ctxt;
use crate::symbol;
use crate::types::option_inner;

/// One argument of the task function, by name and type.
pub(crate) struct Argument<'a> {
    /// The argument's name: the parameter it is looked up as.
    pub(crate) name: &'a Ident,
    /// Its declared type.
    pub(crate) ty: &'a Type,
}

/// Checks the function's signature and the `params(...)` bindings; returns the arguments
/// that are plain `name: Type` pairs (the others are reported).
pub(crate) fn signature<'a>(item: &'a ItemFn, args: &TaskArgs, cx: &mut Ctxt) -> Vec<Argument<'a>> {
    let sig = &item.sig;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a task function cannot be generic: the scheduler calls it with concrete types; \
             remove the generic parameters",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(where_clause, "a task function cannot have a `where` clause");
    }
    // async: which executions an `async fn` can run under.
    super::asynchronous::check(item, args, cx);
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            "a task function cannot be `unsafe`: wrap the unsafe code in a safe function",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a task function cannot be variadic");
    }

    if let ReturnType::Type(_, ty) = &sig.output {
        if let Type::ImplTrait(written) = ty.as_ref() {
            cx.error_spanned_by(
                written,
                "a task returns a concrete type: the scheduler stores the value by its type; \
                 write the type instead of `impl …`",
            );
        }
    }

    let mut arguments = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => cx.error_spanned_by(
                receiver,
                "a task must be a free function, not a method: remove `self` \
                 (tasks are called by the scheduler with no receiver)",
            ),
            FnArg::Typed(typed) => match typed.pat.as_ref() {
                Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                    borrowed_argument(&pat.ident, &typed.ty, cx);
                    arguments.push(Argument {
                        name: &pat.ident,
                        ty: &typed.ty,
                    });
                }
                other => cx.error_spanned_by(
                    other,
                    "task arguments are looked up by name: use a plain identifier such as \
                     `receivers: Vec<String>`",
                ),
            },
        }
    }

    for binding in &args.params {
        let found = arguments.iter().find(|arg| *arg.name == binding.name);
        match (found, &binding.value) {
            (None, _) => {
                let names: Vec<String> = arguments.iter().map(|a| a.name.to_string()).collect();
                let mut message = format!(
                    "parameter `{}` does not match any argument of `{}`",
                    binding.name, sig.ident
                );
                let wanted = binding.name.to_string();
                match redengine_conditions::suggest(&wanted, names.iter().map(String::as_str)) {
                    Some(near) => message.push_str(&format!(
                        "\n\nhelp: did you mean `{near}`? Parameters bind to arguments by name"
                    )),
                    None if names.is_empty() => message.push_str(&format!(
                        "\n\nhelp: add an argument `{wanted}` to the function"
                    )),
                    None => message.push_str(&format!(
                        "\n\nhelp: the arguments are: {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
                cx.error_spanned_by(&binding.name, message);
            }
            (Some(arg), ParamValue::Return(task)) if option_inner(arg.ty).is_none() => {
                cx.error_spanned_by(
                    arg.ty,
                    format!(
                        "argument `{}` receives the return value of task '{}', which is \
                         `None` until that task has succeeded: declare it as `Option<…>`",
                        arg.name,
                        task.value()
                    ),
                );
            }
            _ => {}
        }
    }
    arguments
}

/// A reference or lifetime in an argument's type: refused on the type, with its owned form.
fn borrowed_argument(name: &Ident, ty: &Type, cx: &mut Ctxt) {
    if owned::borrow(ty).is_none() {
        return;
    }
    let mut message = format!(
        "task arguments are owned values, but `{name}: {}` borrows: the scheduler keeps \
         each parameter and gives every run its own copy",
        owned::text(ty)
    );
    match owned::owned(ty) {
        Some(form) => message.push_str(&format!("\n\nhelp: use `{name}: {form}`")),
        None => message.push_str(&format!(
            "\n\nhelp: give `{name}` a type that owns its data (e.g. `String` for `&str`)"
        )),
    }
    cx.error_spanned_by(ty, message);
}

/// `timeout` and `end_cond` with `execution = "main"`: a main run blocks the loop until it
/// returns, so it is never running when the loop checks timeouts and end conditions.
pub(crate) fn settings_apply(args: &TaskArgs, cx: &mut Ctxt) {
    let Some((ExecutionName::Main, written)) = &args.execution else {
        return;
    };
    let written = written.value();
    for key in [symbol::TIMEOUT, symbol::END_COND] {
        let Some(span) = args.key_span(key) else {
            continue;
        };
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "`{key}` never applies to `execution = \"{written}\"`: a main run blocks the \
                 scheduler until it returns, so it is never running when `{key}` is checked\n\n\
                 help: use `execution = \"thread\"` (the run's `TerminationFlag` is set) or \
                 `execution = \"process\"` (the child is killed), or remove `{key}`"
            ),
        ));
    }
}

/// Checks across the retry keys and the others: the cap is not below the delay, a task
/// that runs once takes no retries, and `main` runs one at a time.
pub(crate) fn retry_settings(args: &TaskArgs, cx: &mut Ctxt) {
    let retry = &args.retry;
    let delay = retry
        .delay
        .as_ref()
        .map_or(std::time::Duration::from_secs(60), |(_, d)| *d);
    if let Some((_, cap, span)) = &retry.max_delay {
        if *cap < delay {
            cx.syn_error(syn::Error::new(
                *span,
                format!(
                    "`retry_max_delay` ({}) is shorter than `retry_delay` ({}): the cap would \
                     shorten every delay; raise it or remove it",
                    redengine_conditions::settings::describe_duration(*cap),
                    redengine_conditions::settings::describe_duration(delay)
                ),
            ));
        }
    }
    let once = match (args.on_startup, args.on_shutdown) {
        (true, _) => Some(symbol::ON_STARTUP),
        (_, true) => Some(symbol::ON_SHUTDOWN),
        _ => None,
    };
    if let (Some(flag), Some(n), Some(span)) = (
        once,
        retry.retries.filter(|n| *n > 0),
        args.key_span(symbol::RETRIES),
    ) {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "`retries = {n}` never applies to an `{flag}` task: it runs once, outside the \
                 cycles that launch retries; remove `retries` or `{flag}`"
            ),
        ));
    }
    if let (Some((n, span)), Some((ExecutionName::Main, _))) =
        (&retry.max_instances, &args.execution)
    {
        if *n > 1 {
            cx.syn_error(syn::Error::new(
                *span,
                format!(
                    "`max_instances = {n}` never applies to `execution = \"main\"`: a main run \
                     blocks the scheduler until it returns, so two never overlap; use \
                     `execution = \"thread\"` or `\"process\"`, or remove `max_instances`"
                ),
            ));
        }
    }
}
