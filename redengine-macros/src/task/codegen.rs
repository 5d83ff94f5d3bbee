//! Emits the user's function unchanged plus, inside `const _: () = { … };`, a call shim and
//! the `TaskDef` registration. Generated code names runtime items only through
//! `::redengine::__private`, so users depend on `redengine` alone.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, LitStr, ReturnType, Type};

use redengine_conditions::settings::ExecutionName;

use super::attr::{ParamValue, TaskArgs};
use super::check::Argument;
use crate::types::{last_segment, option_inner, result_ok_type};

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
    // cluster: a worker run is a process child on the worker: the same checks.
    let process = matches!(
        args.execution,
        Some((ExecutionName::Process | ExecutionName::Worker, _))
    );
    // async: an `async fn`'s shim returns a future, so a failed load returns a ready one.
    let is_async = function.sig.asyncness.is_some();
    let fail = if is_async {
        super::asynchronous::fail(&private)
    } else {
        quote!(return #private::Outcome::Fail(error))
    };
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
                ::core::result::Result::Err(error) => #fail,
            };
        });
        idents.push(local);
    }

    // What the return value means is read on the concrete type (an alias of `Result` is a
    // `Result`): `.plan()` on `Returned<R>` borrowed seven times picks the first layer of
    // the runtime's `returns` module that applies. Spanned on the return type, so a type the
    // scheduler cannot keep is reported there.
    let returned: TokenStream = match &function.sig.output {
        ReturnType::Type(_, ty) => quote!(#ty),
        ReturnType::Default => quote!(()),
    };
    let return_span = match &function.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => function.sig.ident.span(),
    };
    let plan = plan_of(&returned, return_span);
    let call = quote!(#fn_name(#(#idents),*));
    let finish = quote! {
        let __redengine_returned: #returned = #call;
        #plan.finish(__redengine_returned)
    };
    if process {
        // The kept value crosses back from the child; spanned on `T` of a `Result<T, E>`
        // as written, else on the whole return type.
        let span = result_ok_type(&function.sig.output).map_or(return_span, Spanned::span);
        let plan = plan_of(&returned, span);
        checks.push(quote_spanned! {span=>
            #[allow(dead_code)]
            fn __redengine_check_returns() {
                ::redengine::__private::assert_process_kept(&#plan);
            }
        });
    }
    let returns = quote! {
        #private::TypeInfo::from_fns(
            {
                fn id() -> ::core::any::TypeId { #plan.kept_id() }
                id
            },
            {
                fn name() -> &'static str { #plan.kept_name() }
                name
            },
            {
                #[allow(clippy::needless_borrow)]
                fn codec() -> ::core::option::Option<#private::Codec> {
                    #[allow(unused_imports)]
                    use #private::{ViaNothing as _, ViaSerde as _};
                    (&#plan.kept()).codec()
                }
                codec
            },
        )
    };

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
    let execution = match args.execution.as_ref().map(|(execution, _)| *execution) {
        None => quote!(::core::option::Option::None),
        Some(ExecutionName::Main) => {
            quote!(::core::option::Option::Some(#private::Execution::Main))
        }
        Some(ExecutionName::Thread) => {
            quote!(::core::option::Option::Some(#private::Execution::Thread))
        }
        Some(ExecutionName::Process) => {
            quote!(::core::option::Option::Some(#private::Execution::Process))
        }
        Some(ExecutionName::Async) => {
            quote!(::core::option::Option::Some(#private::Execution::Async))
        }
        Some(ExecutionName::Worker) => {
            quote!(::core::option::Option::Some(#private::Execution::Worker))
        }
    };
    // async: an `async fn` task without an execution runs as a future.
    let execution = match (&args.execution, is_async) {
        (None, true) => super::asynchronous::default_execution(&private),
        _ => execution,
    };
    let (shims, async_call) = if is_async {
        (
            super::asynchronous::shims(&private, &loads, &call, &returned, &plan),
            quote!(::core::option::Option::Some(__redengine_call_async)),
        )
    } else {
        (
            quote! {
                fn __redengine_call(__redengine_ctx: &#private::Ctx) -> #private::Outcome {
                    #(#loads)*
                    #finish
                }
            },
            quote!(::core::option::Option::None),
        )
    };
    let timeout = option_str(args.timeout.as_ref().map(|timeout| timeout.text.clone()));
    let priority = args.priority.unwrap_or(0);
    let retry = super::retry::def(&args.retry);
    // zones
    let zone = option_str(args.zone.as_ref().map(LitStr::value));
    let misfire = super::zone::misfire_tokens(args.misfire, &private);
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
            #shims

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
                    returns: #returns,
                    call: __redengine_call,
                    // async: the future-making shim of an `async fn` task.
                    async_call: #async_call,
                    location: #private::Location::new(::core::file!(), ::core::line!(), ::core::column!()),
                    retry: #retry,
                    zone: #zone,
                    misfire: #misfire,
                }
            }
        };
    }
}

/// The plan of the written return type `returned`, every token spanned on `span` so a
/// compile error about the returned value points at the return type.
fn plan_of(returned: &TokenStream, span: Span) -> TokenStream {
    quote_spanned! {span=>
        {
            #[allow(unused_imports)]
            use ::redengine::__private::{
                AnyValue as _, ErrDisplay as _, ErrDynSources as _, ErrOther as _,
                ErrSharedSources as _, ErrSources as _, ErrStop as _, NoValue as _,
            };
            (&&&&&&&::redengine::__private::Returned::<#returned>::new()).plan()
        }
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
