//! `#[condition]`: registers a function as a custom condition usable by its name inside
//! condition strings (`is_weekend_sale & daily`). The name must be an identifier the condition
//! language reads as a custom condition, which is checked here with the language's own
//! parser, so a name that would be read as a keyword is a compile error.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{FnArg, ItemFn, ReturnType, Type};

use crate::ctxt::Ctxt;
use crate::named;
use crate::types;

/// Expands `#[condition(args)] item`; on error, the item plus every error.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let name = named::parse_name("condition", args, &mut cx);
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            cx.syn_error(syn::Error::new(
                error.span(),
                "`#[condition]` goes on a free function returning `bool`: \
                 `#[redengine::condition] fn is_weekend_sale() -> bool { … }`",
            ));
            let errors = cx.into_compile_errors();
            return quote! { #item #errors };
        }
    };
    named::check_plain_fn("condition", &function, &mut cx);
    let fn_name = &function.sig.ident;
    let (cond_name, name_span) = match &name {
        Some(lit) => (lit.value(), lit.span()),
        None => (fn_name.to_string(), fn_name.span()),
    };
    check_name(&cond_name, name_span, &mut cx);

    let mut loads = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        if is_context_ref(&typed.ty) {
            loads.push(quote!(__redengine_ctx));
        } else {
            cx.error_spanned_by(
                &typed.ty,
                "a `#[condition]` function takes no arguments or one `&ConditionContext` \
                 (it gives `now`, the owner task, the history and the session parameters)",
            );
        }
    }
    let returns_result = types::result_ok_type(&function.sig.output).is_some();
    if !returns_result && !returns_bool(&function.sig.output) {
        cx.error_spanned_by(
            &function.sig.output,
            "a `#[condition]` function returns `bool` or `Result<bool, E>`",
        );
    }
    if !cx.is_ok() {
        let errors = cx.into_compile_errors();
        return quote! { #function #errors };
    }
    let private = quote!(::redengine::__private);
    let call = if returns_result {
        quote!(#private::condition_result(#fn_name(#(#loads),*)))
    } else {
        quote!(::core::result::Result::Ok(#fn_name(#(#loads),*)))
    };
    quote! {
        #function

        #[doc(hidden)]
        const _: () = {
            fn __redengine_condition(
                __redengine_ctx: &#private::ConditionContext<'_>,
            ) -> ::core::result::Result<bool, ::std::string::String> {
                let _ = __redengine_ctx;
                #call
            }

            #private::inventory::submit! {
                #private::ConditionDef {
                    name: #cond_name,
                    call: __redengine_condition,
                    location: #private::Location::new(::core::file!(), ::core::line!(), ::core::column!()),
                }
            }
        };
    }
}

/// The name must parse, on its own, as a custom condition of that name.
fn check_name(name: &str, span: Span, cx: &mut Ctxt) {
    match redengine_conditions::parse(name) {
        Ok(redengine_conditions::Condition::Custom(parsed)) if parsed == name => {}
        Ok(_) => cx.syn_error(syn::Error::new(
            span,
            format!(
                "`{name}` cannot name a custom condition: it is a phrase of the condition \
                 language\n\nhelp: rename the function or set `#[condition(name = \"…\")]`"
            ),
        )),
        Err(error) => {
            let mut message = format!(
                "`{name}` cannot name a custom condition: {}",
                error.message()
            );
            if let Some(help) = error.help() {
                message.push_str(&format!("\n\nhelp: {help}"));
            }
            message.push_str(
                "\n\nnote: custom condition names are snake_case identifiers (`[a-z][a-z0-9_]*`) \
                 that are not keywords; rename the function or set `#[condition(name = \"…\")]`",
            );
            cx.syn_error(syn::Error::new(span, message));
        }
    }
}

fn is_context_ref(ty: &Type) -> bool {
    let Type::Reference(reference) = ty else {
        return false;
    };
    types::last_segment(&reference.elem).is_some_and(|s| s.ident == "ConditionContext")
}

fn returns_bool(output: &ReturnType) -> bool {
    matches!(output, ReturnType::Type(_, ty) if matches!(ty.as_ref(), Type::Path(path) if path.path.is_ident("bool")))
}
