//! `#[task]`: parse → check → codegen. `expand` never fails: on error it emits the user's
//! function unchanged plus every error, so later uses of the function stay meaningful
//! (tokio-macros' rule).

mod asynchronous;
mod attr;
mod check;
mod codegen;
mod meta;
mod owned;
mod retry;
#[cfg(test)]
mod tests;
mod vocab;
mod zone;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::ctxt::Ctxt;

/// Expands `#[task(args)] item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let task_args = attr::parse(args, &mut cx);
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            cx.syn_error(syn::Error::new(
                error.span(),
                "`#[task]` goes on a free function: `#[redengine::task(start_cond = \"daily\")] fn my_task() { … }`",
            ));
            let errors = cx.into_compile_errors();
            return quote! { #item #errors };
        }
    };
    if let Some(lit) = &task_args.start_cond {
        crate::cond::check("start condition", lit, &mut cx);
    }
    if let Some(lit) = &task_args.end_cond {
        crate::cond::check("end condition", lit, &mut cx);
    }
    check::settings_apply(&task_args, &mut cx);
    check::retry_settings(&task_args, &mut cx);
    let arguments = check::signature(&function, &task_args, &mut cx);
    if !cx.is_ok() {
        let errors = cx.into_compile_errors();
        return quote! { #function #errors };
    }
    codegen::task(&function, &task_args, &arguments)
}
