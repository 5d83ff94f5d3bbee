//! `#[redengine::main]`: turns a function that builds the session into the binary's real
//! `main` (Rocket's `#[launch]` idea). The user's function stays an ordinary function —
//! renamed to `session` when it was called `main` — so tests can build the same session.
//! The generated `main` hands it to the runtime, which handles the command line
//! (`run`, `list`, `check`, `run-task`) and process-executor children.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemFn, ReturnType};

use crate::ctxt::Ctxt;
use crate::named;

/// Expands `#[main] item`. On error it emits the item plus an empty `fn main() {}`, so the
/// only errors the user sees are ours (Rocket's dummy-main rule).
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "`#[redengine::main]` takes no arguments");
    }
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            cx.syn_error(syn::Error::new(
                error.span(),
                "`#[redengine::main]` goes on a function that builds the session: \
                 `#[redengine::main] fn main() -> Session { Session::from_registry().build() }`",
            ));
            let errors = cx.into_compile_errors();
            return quote! { #item #errors fn main() {} };
        }
    };
    named::check_plain_fn("redengine::main", &function, &mut cx);
    if let Some(input) = function.sig.inputs.first() {
        cx.error_spanned_by(
            input,
            "the `#[redengine::main]` function takes no arguments: it only builds the session",
        );
    }
    if let ReturnType::Default = function.sig.output {
        cx.error_spanned_by(
            &function.sig.ident,
            "the `#[redengine::main]` function must return the session: add `-> Session` \
             (or `-> redengine::Result<Session>`, or `-> SessionBuilder`)",
        );
    }
    // Renamed before the error check too: the dummy `main` must not collide with it.
    if function.sig.ident == "main" {
        function.sig.ident = format_ident!("session", span = function.sig.ident.span());
    }
    if !cx.is_ok() {
        let errors = cx.into_compile_errors();
        return quote! { #function #errors fn main() {} };
    }
    let user = &function.sig.ident;
    quote! {
        #function

        fn main() -> ::std::process::ExitCode {
            ::redengine::__private::main(#user)
        }
    }
}
