//! Emits the user's function unchanged plus, inside `const _: () = { … };`, a call shim and
//! the `TaskDef` registration. Generated code names runtime items only through
//! `::redengine::__private`, so users depend on `redengine` alone.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

use super::attr::{Execution, ParamValue, TaskArgs, Timeout};
use super::check::Argument;
use crate::types::{first_type_arg, last_segment, option_inner};

/// How a task function's return value becomes an outcome.
enum ReturnKind<'a> {
    /// `()`, `Inaction`, `Terminated`, `Outcome`: converted by `IntoOutcome`; no value kept.
    Unit,
    /// `Result<T, E>`: `Ok(T)` is kept for `Return(…)` bindings, `Err` is a fail.
    Result(&'a Type),
    /// Any other `T`: kept for `Return(…)` bindings.
    Value(&'a Type),
}

fn return_kind(output: &ReturnType) -> ReturnKind<'_> {
    let ReturnType::Type(_, ty) = output else {
        return ReturnKind::Unit;
    };
    match ty.as_ref() {
        Type::Tuple(tuple) if tuple.elems.is_empty() => ReturnKind::Unit,
        Type::Path(path) => match path.path.segments.last() {
            Some(last)
                if matches!(
                    last.ident.to_string().as_str(),
                    "Inaction" | "Terminated" | "Outcome"
                ) =>
            {
                ReturnKind::Unit
            }
            Some(last) if last.ident == "Result" => match first_type_arg(ty, "Result") {
                Some(ok) => ReturnKind::Result(ok),
                None => ReturnKind::Value(ty),
            },
            _ => ReturnKind::Value(ty),
        },
        _ => ReturnKind::Value(ty),
    }
}

/// Whether an argument's type is the built-in `TerminationFlag`.
fn is_termination_flag(ty: &Type) -> bool {
    last_segment(ty)
        .is_some_and(|last| last.ident == "TerminationFlag" && last.arguments.is_empty())
}

/// Generates the expansion of a checked `#[task]`.
pub(crate) fn task(function: &ItemFn, args: &TaskArgs, arguments: &[Argument<'_>]) -> TokenStream {
    let private = quote!(::redengine::__private);
    let fn_name = &function.sig.ident;
    let task_name = match &args.name {
        Some(lit) => lit.value(),
        None => fn_name.to_string(),
    };

    // Written `execution = "process"`: values must cross to the child, checked here. With
    // the default execution every type compiles, and dispatch reports what cannot cross.
    let process = matches!(args.execution, Some((Execution::Process, _)));
    let mut codecs = Vec::new();
    let mut checks = Vec::new();
    let mut arg_defs = Vec::new();
    let mut loads = Vec::new();
    let mut idents = Vec::new();
    for (index, arg) in arguments.iter().enumerate() {
        let name = arg.name.to_string();
        let local = format_ident!("__redengine_arg{}", index);
        let bound_to_return = args
            .params
            .iter()
            .any(|b| *arg.name == b.name && matches!(b.value, ParamValue::Return(_)));
        let ty = arg.ty;
        let (stored_ty, load) = if bound_to_return {
            // `check` guarantees the `Option<T>` shape for return bindings.
            let inner = option_inner(ty).unwrap_or(ty);
            (
                inner,
                quote_spanned! {ty.span()=> #private::returned::<#inner>(__redengine_ctx, #index) },
            )
        } else if is_termination_flag(ty) {
            (
                ty,
                quote! { ::core::result::Result::<#ty, ::std::string::String>::Ok(#private::termination(__redengine_ctx)) },
            )
        } else {
            (
                ty,
                quote_spanned! {ty.span()=> #private::arg::<#ty>(__redengine_ctx, #index) },
            )
        };
        let codec_fn = format_ident!("__redengine_codec{}", index);
        codecs.push(codec(&codec_fn, stored_ty));
        arg_defs.push(quote! {
            #private::ArgDef { name: #name, ty: #private::TypeInfo::with_codec::<#stored_ty>(#codec_fn) }
        });
        if process && !is_termination_flag(ty) {
            checks.push(process_check(stored_ty));
        }
        loads.push(quote! {
            let #local: #ty = match #load {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(error) => return #private::Outcome::Fail(error),
            };
        });
        idents.push(local);
    }

    let call = quote!(#fn_name(#(#idents),*));
    let (finish, returns) = match return_kind(&function.sig.output) {
        ReturnKind::Unit => (quote!(#private::outcome(#call)), quote!(())),
        ReturnKind::Result(ok) => {
            if process {
                checks.push(process_check(ok));
            }
            // On the concrete error type, `ErrorText` picks the error's source chain
            // when it is a `std::error::Error`, else its `Display` (RUNTIME.md §5.3).
            let finish = quote! {
                match #call {
                    ::core::result::Result::Ok(value) => #private::value_outcome(value),
                    ::core::result::Result::Err(error) => {
                        #[allow(unused_imports)]
                        use #private::{ErrorDisplay as _, ErrorSources as _};
                        #private::Outcome::Fail((&#private::ErrorText(&error)).exc_text())
                    }
                }
            };
            (finish, quote!(#ok))
        }
        ReturnKind::Value(ty) => {
            if process {
                checks.push(process_check(ty));
            }
            (quote!(#private::value_outcome(#call)), quote!(#ty))
        }
    };
    let returns_codec = format_ident!("__redengine_codec_returns");
    codecs.push(codec(&returns_codec, &returns));

    let mut value_fns = Vec::new();
    let mut bindings = Vec::new();
    for (index, binding) in args.params.iter().enumerate() {
        let name = binding.name.to_string();
        match &binding.value {
            ParamValue::Return(task) => {
                bindings.push(quote! {
                    #private::ParamBinding { name: #name, value: #private::BindingValue::Return(#task) }
                });
            }
            ParamValue::Expr(expr) => {
                let value_fn = format_ident!("__redengine_param{}", index);
                // Typed by the argument it binds, so a value of the wrong type is a compile
                // error pointing at the value.
                let ty = arguments
                    .iter()
                    .find(|arg| *arg.name == binding.name)
                    .map(|arg| arg.ty);
                let typed = match ty {
                    Some(ty) => quote_spanned! {expr.span()=> #private::Value::new::<#ty>(#expr) },
                    None => quote_spanned! {expr.span()=> #private::Value::new(#expr) },
                };
                value_fns.push(quote! {
                    fn #value_fn() -> #private::Value { #typed }
                });
                bindings.push(quote! {
                    #private::ParamBinding { name: #name, value: #private::BindingValue::Value(#value_fn) }
                });
            }
        }
    }

    let start_cond = option_str(args.start_cond.as_ref().map(|lit| lit.value()));
    let end_cond = option_str(args.end_cond.as_ref().map(|lit| lit.value()));
    let execution = match args.execution.map(|(execution, _)| execution) {
        None => quote!(::core::option::Option::None),
        Some(Execution::Main) => quote!(::core::option::Option::Some(#private::Execution::Main)),
        Some(Execution::Thread) => {
            quote!(::core::option::Option::Some(#private::Execution::Thread))
        }
        Some(Execution::Process) => {
            quote!(::core::option::Option::Some(#private::Execution::Process))
        }
    };
    let timeout = option_str(args.timeout.as_ref().map(|timeout| match timeout {
        Timeout::Never => "never".to_owned(),
        Timeout::Duration(lit) => lit.value(),
        Timeout::Seconds(int) => int.base10_digits().to_owned(),
    }));
    let priority = args.priority.unwrap_or(0);
    let (disabled, force_run, on_startup, on_shutdown, permanent) = (
        args.disabled,
        args.force_run,
        args.on_startup,
        args.on_shutdown,
        args.permanent,
    );

    quote! {
        #function

        #[doc(hidden)]
        const _: () = {
            fn __redengine_call(__redengine_ctx: &#private::Ctx) -> #private::Outcome {
                #(#loads)*
                #finish
            }

            #(#value_fns)*

            #(#codecs)*

            #(#checks)*

            #private::inventory::submit! {
                #private::TaskDef {
                    name: #task_name,
                    start_cond: #start_cond,
                    end_cond: #end_cond,
                    execution: #execution,
                    timeout: #timeout,
                    priority: #priority,
                    flags: #private::TaskFlags {
                        disabled: #disabled,
                        force_run: #force_run,
                        on_startup: #on_startup,
                        on_shutdown: #on_shutdown,
                        permanent: #permanent,
                    },
                    args: &[#(#arg_defs),*],
                    params: &[#(#bindings),*],
                    returns: #private::TypeInfo::with_codec::<#returns>(#returns_codec),
                    call: __redengine_call,
                    location: #private::Location::new(::core::file!(), ::core::line!(), ::core::column!()),
                }
            }
        };
    }
}

/// A function returning the codec of `ty` when it is serializable, `None` otherwise, picked
/// at compile time by autoref specialization (`::redengine::__private::Probe`).
fn codec(name: &syn::Ident, ty: &dyn quote::ToTokens) -> TokenStream {
    let private = quote!(::redengine::__private);
    quote! {
        #[allow(clippy::needless_borrow)]
        fn #name() -> ::core::option::Option<#private::Codec> {
            #[allow(unused_imports)]
            use #private::{ViaNothing as _, ViaSerde as _};
            (&#private::Probe::<#ty>::new()).codec()
        }
    }
}

/// The compile-time check that `ty` can cross to a process child, spanned on the type so
/// the error points at it.
fn process_check(ty: &Type) -> TokenStream {
    quote_spanned! {ty.span()=>
        const _: () = ::redengine::__private::assert_process_value::<#ty>();
    }
}

fn option_str(value: Option<String>) -> TokenStream {
    match value {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}
