//! `async fn` tasks: which executions they run under, and the call shims they get.
//!
//! An `async fn` task runs as a future on a tokio runtime (`execution = "async"`, its
//! default) or in a process child on the child's own runtime (`execution = "process"`).
//! `main` and `thread` would have to block a scheduler or task thread on the future, which
//! is what `async` exists to avoid, so they are refused here with the fix.

use proc_macro2::TokenStream;
use quote::quote;
use redengine_conditions::settings::ExecutionName;
use syn::ItemFn;

use super::attr::TaskArgs;
use crate::ctxt::Ctxt;
use crate::symbol;

/// Checks the execution written for an `async fn` (and `async` written for a plain `fn`).
pub(super) fn check(item: &ItemFn, args: &TaskArgs, cx: &mut Ctxt) {
    let span = args.key_span(symbol::EXECUTION);
    let written = args.execution.as_ref();
    match (&item.sig.asyncness, written) {
        (Some(_), Some((name @ (ExecutionName::Main | ExecutionName::Thread), lit))) => {
            let what = match name {
                ExecutionName::Main => "block the scheduler thread",
                _ => "block a thread per run",
            };
            cx.error_spanned_by(
                lit,
                format!(
                    "an `async fn` task cannot use `execution = \"{}\"`: that would {what} on \
                     the future\n\nhelp: remove `execution` (an `async fn` task runs as a \
                     future on a tokio runtime, `execution = \"async\"`), or use \
                     `execution = \"process\"` to run it in a child process",
                    lit.value()
                ),
            );
        }
        (None, Some((ExecutionName::Async, lit))) => {
            let at = span.unwrap_or_else(|| lit.span());
            cx.syn_error(syn::Error::new(
                at,
                "`execution = \"async\"` runs a future: make the function an `async fn`, or \
                 use `execution = \"thread\"` for blocking work",
            ));
        }
        _ => {}
    }
}

/// The execution an `async fn` gets when none is written.
pub(super) fn default_execution(private: &TokenStream) -> TokenStream {
    quote!(::core::option::Option::Some(#private::Execution::Async))
}

/// The shims of an `async fn` task: the future-making call the async executor uses, and
/// the synchronous call a process child uses (it runs the future on its own runtime).
/// Without redengine's `tokio` feature the expansion is a compile error naming it.
pub(super) fn shims(
    private: &TokenStream,
    loads: &[TokenStream],
    call: &TokenStream,
    returned: &TokenStream,
    plan: &TokenStream,
) -> TokenStream {
    quote! {
        #private::needs_tokio!();

        fn __redengine_call_async(__redengine_ctx: &#private::Ctx) -> #private::AsyncRun {
            #(#loads)*
            ::std::boxed::Box::pin(async move {
                let __redengine_returned: #returned = #call.await;
                #plan.finish(__redengine_returned)
            })
        }

        fn __redengine_call(__redengine_ctx: &#private::Ctx) -> #private::Outcome {
            #private::block_on(__redengine_call_async(__redengine_ctx))
        }
    }
}

/// What a failed argument load returns in the future-making shim.
pub(super) fn fail(private: &TokenStream) -> TokenStream {
    quote!(return #private::async_fail(error))
}
