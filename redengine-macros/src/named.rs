//! The shared front half of `#[param]` and `#[condition]`: an optional `name = "…"` and
//! checks that the item is a plain, non-generic, synchronous free function.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{Expr, ExprLit, ItemFn, Lit, LitStr};

use crate::ctxt::Ctxt;

/// Parses `name = "…"` (the only key `#[param]` and `#[condition]` take).
pub(crate) fn parse_name(attr: &str, args: TokenStream, cx: &mut Ctxt) -> Option<LitStr> {
    let mut name = None;
    let parser = syn::meta::parser(|meta| {
        if !meta.path.is_ident("name") {
            cx.error_spanned_by(
                &meta.path,
                format!("unknown `#[{attr}]` attribute, expected `name = \"…\"`"),
            );
        } else if name.is_some() {
            cx.error_spanned_by(
                &meta.path,
                format!("duplicate `#[{attr}]` attribute `name`"),
            );
        }
        if !meta.input.peek(syn::Token![=]) {
            cx.error_spanned_by(&meta.path, "expected `name = \"…\"`");
            return Ok(());
        }
        match meta.value()?.parse::<Expr>()? {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) if meta.path.is_ident("name") && name.is_none() => name = Some(lit),
            Expr::Lit(ExprLit {
                lit: Lit::Str(_), ..
            }) => {}
            other => cx.error_spanned_by(other, "`name` takes a string literal: `name = \"…\"`"),
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    name
}

/// Rejects what the scheduler cannot call: generics, `async`, `unsafe`, `self`.
pub(crate) fn check_plain_fn(attr: &str, function: &ItemFn, cx: &mut Ctxt) {
    let sig = &function.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("a `#[{attr}]` function cannot be generic: remove the generic parameters"),
        );
    }
    if let Some(asyncness) = &sig.asyncness {
        cx.error_spanned_by(
            asyncness,
            format!("a `#[{attr}]` function cannot be `async`: make it synchronous"),
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            format!("a `#[{attr}]` function cannot be `unsafe`"),
        );
    }
    for input in &sig.inputs {
        if let syn::FnArg::Receiver(receiver) = input {
            cx.error_spanned_by(
                receiver,
                format!("a `#[{attr}]` function must be a free function: remove `self`"),
            );
        }
    }
}
