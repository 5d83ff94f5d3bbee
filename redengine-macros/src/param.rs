//! `#[param]`: registers a function as a session parameter, computed right before each
//! launch of a task that has an argument of its name. Parse → check → codegen, like
//! `#[task]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ItemFn, ReturnType};

use crate::ctxt::Ctxt;
use crate::named;
use crate::types;

/// Expands `#[param(args)] item`; on error, the item plus every error.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let name = named::parse_name("param", args, &mut cx);
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            cx.syn_error(syn::Error::new(
                error.span(),
                "`#[param]` goes on a free function returning the parameter's value: \
                 `#[redengine::param] fn friend_list() -> Vec<String> { … }`",
            ));
            let errors = cx.into_compile_errors();
            return quote! { #item #errors };
        }
    };
    named::check_plain_fn("param", &function, &mut cx);
    let mut loads = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        if types::last_segment(&typed.ty).is_some_and(|s| s.ident == "TerminationFlag") {
            loads.push(quote! { ::core::clone::Clone::clone(__redengine_ctx.termination) });
        } else {
            cx.error_spanned_by(
                &typed.ty,
                "a `#[param]` function takes no arguments (a `TerminationFlag` is allowed): \
                 it is called by the scheduler right before the task that needs it",
            );
        }
    }
    let returns = match &function.sig.output {
        ReturnType::Default => {
            cx.error_spanned_by(
                &function.sig.ident,
                "a `#[param]` function must return the parameter's value, e.g. `-> Vec<String>`",
            );
            None
        }
        ReturnType::Type(_, ty) => Some(ty.as_ref()),
    };
    if !cx.is_ok() {
        let errors = cx.into_compile_errors();
        return quote! { #function #errors };
    }
    let private = quote!(::redengine::__private);
    let fn_name = &function.sig.ident;
    let param_name = name.map_or_else(|| fn_name.to_string(), |lit| lit.value());
    let (convert, value_ty) = match types::result_ok_type(&function.sig.output) {
        Some(ok) => (quote!(#private::param_result), quote!(#ok)),
        None => (quote!(#private::param_value), quote!(#returns)),
    };
    quote! {
        #function

        #[doc(hidden)]
        const _: () = {
            fn __redengine_param(
                __redengine_ctx: &#private::ParamContext<'_>,
            ) -> ::core::result::Result<#private::Value, ::std::string::String> {
                let _ = __redengine_ctx;
                #convert(#fn_name(#(#loads),*))
            }

            #private::inventory::submit! {
                #private::ParamDef {
                    name: #param_name,
                    returns: #private::TypeInfo::of::<#value_ty>(),
                    call: __redengine_param,
                    location: #private::Location::new(::core::file!(), ::core::line!(), ::core::column!()),
                }
            }
        };
    }
}
