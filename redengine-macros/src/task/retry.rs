//! `retries`, `retry_delay`, `retry_backoff`, `retry_max_delay`, `retry_jitter` and
//! `max_instances`: each value checked at compile time, with the runtime's limits and
//! messages (the runtime's `retry` module checks builder and task-file values the same
//! way), durations by the one settings parser `timeout` uses.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use redengine_conditions::settings;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitBool};

use super::meta::has_value;
use crate::ctxt::Ctxt;
use crate::symbol;

/// The keys this module reads.
pub(crate) const KEYS: &[&str] = &[
    symbol::RETRIES,
    symbol::RETRY_DELAY,
    symbol::RETRY_BACKOFF,
    symbol::RETRY_MAX_DELAY,
    symbol::RETRY_JITTER,
    symbol::MAX_INSTANCES,
];

// The runtime's limits (redengine's `retry` module); its tests check both sides agree.
const MAX_RETRIES: u64 = 1_000;
const MAX_INSTANCES: u64 = 10_000;
const MAX_BACKOFF: f64 = 1_000.0;

/// The checked values; `None` is "not written".
#[derive(Default)]
pub(crate) struct RetryArgs {
    pub(super) retries: Option<u32>,
    /// The text and its meaning.
    pub(super) delay: Option<(String, Duration)>,
    backoff: Option<f64>,
    pub(super) max_delay: Option<(String, Duration, Span)>,
    /// `None` inside: `retry_jitter` / `= true` (the runtime's default fraction).
    jitter: Option<Option<f64>>,
    pub(super) max_instances: Option<(u32, Span)>,
}

/// Reads `key = value` into `out`; problems go to `cx`.
pub(crate) fn parse_key(
    key: &str,
    meta: &ParseNestedMeta<'_>,
    out: &mut RetryArgs,
    cx: &mut Ctxt,
) -> syn::Result<()> {
    if key == symbol::RETRY_JITTER && !meta.input.peek(syn::Token![=]) {
        out.jitter = Some(None);
        return Ok(());
    }
    let example = match key {
        symbol::RETRIES => "retries = 3",
        symbol::RETRY_DELAY => "retry_delay = \"30 seconds\"",
        symbol::RETRY_BACKOFF => "retry_backoff = 2.0",
        symbol::RETRY_MAX_DELAY => "retry_max_delay = \"10 minutes\"",
        symbol::RETRY_JITTER => "retry_jitter = 0.1",
        _ => "max_instances = 2",
    };
    let message = format!("task attribute `{key}` needs a value: write `{example}`");
    if !has_value(meta, cx, &message)? {
        return Ok(());
    }
    let expr: Expr = meta.value()?.parse()?;
    let lit = match &expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        _ => None,
    };
    let wrong = |cx: &mut Ctxt, what: &str| {
        cx.error_spanned_by(
            &expr,
            format!("task attribute `{key}` takes {what}: write `{example}`"),
        );
    };
    match key {
        symbol::RETRIES | symbol::MAX_INSTANCES => {
            let Some(Lit::Int(int)) = lit else {
                wrong(cx, "an integer literal");
                return Ok(());
            };
            let value = int.base10_parse::<u64>().unwrap_or(u64::MAX);
            if key == symbol::RETRIES {
                match u32::try_from(value)
                    .ok()
                    .filter(|n| u64::from(*n) <= MAX_RETRIES)
                {
                    Some(n) => out.retries = Some(n),
                    None => cx.error_spanned_by(
                        &expr,
                        format!("`retries` must be at most {MAX_RETRIES}, found {value}"),
                    ),
                }
            } else {
                match u32::try_from(value)
                    .ok()
                    .filter(|n| (1..=MAX_INSTANCES).contains(&u64::from(*n)))
                {
                    Some(n) => out.max_instances = Some((n, int.span())),
                    None => cx.error_spanned_by(
                        &expr,
                        format!("`max_instances` must be from 1 to {MAX_INSTANCES}, found {value}"),
                    ),
                }
            }
        }
        symbol::RETRY_DELAY | symbol::RETRY_MAX_DELAY => {
            let (text, literal) = match lit {
                Some(Lit::Str(s)) => (s.value(), true),
                Some(Lit::Int(i)) if i.suffix().is_empty() => (i.base10_digits().to_owned(), false),
                Some(Lit::Float(f)) if f.suffix().is_empty() => {
                    (f.base10_digits().to_owned(), false)
                }
                _ => {
                    wrong(
                        cx,
                        "a duration string (`\"30 seconds\"`) or a number of seconds",
                    );
                    return Ok(());
                }
            };
            match settings::parse_setting_duration(&text) {
                Ok(duration) if key == symbol::RETRY_DELAY => out.delay = Some((text, duration)),
                Ok(duration) => out.max_delay = Some((text, duration, expr_span(&expr))),
                Err(error) if literal && error.span().len() < text.trim().len() => {
                    cx.error_spanned_by(&expr, crate::cond::render(key, &error));
                }
                Err(error) => {
                    let mut message = format!("invalid {key}: {}", error.message());
                    if let Some(help) = error.help() {
                        message.push_str(&format!("\n\nhelp: {help}"));
                    }
                    cx.error_spanned_by(&expr, message);
                }
            }
        }
        symbol::RETRY_BACKOFF => {
            let Some(factor) = number(lit) else {
                wrong(cx, "a number");
                return Ok(());
            };
            if factor.is_finite() && (1.0..=MAX_BACKOFF).contains(&factor) {
                out.backoff = Some(factor);
            } else {
                cx.error_spanned_by(
                    &expr,
                    format!(
                        "`retry_backoff` must be a number from 1.0 (a constant delay) to \
                         1000.0, found {factor}"
                    ),
                );
            }
        }
        _ => match lit {
            Some(Lit::Bool(LitBool { value, .. })) => {
                out.jitter = Some(if *value { None } else { Some(0.0) });
            }
            _ => match number(lit) {
                Some(f) if f.is_finite() && (0.0..=1.0).contains(&f) => out.jitter = Some(Some(f)),
                Some(f) => cx.error_spanned_by(
                    &expr,
                    format!(
                        "`retry_jitter` must be `true`, `false` or a fraction from 0.0 to \
                         1.0, found {f}"
                    ),
                ),
                None => wrong(cx, "`true`, `false` or a fraction"),
            },
        },
    }
    Ok(())
}

fn expr_span(expr: &Expr) -> Span {
    syn::spanned::Spanned::span(expr)
}

/// A float or integer literal without a suffix, as `f64`.
fn number(lit: Option<&Lit>) -> Option<f64> {
    match lit? {
        Lit::Float(f) if f.suffix().is_empty() => f.base10_parse().ok(),
        Lit::Int(i) if i.suffix().is_empty() => i.base10_parse::<u32>().ok().map(f64::from),
        _ => None,
    }
}

/// The `RetryDef` of the registration.
pub(crate) fn def(retry: &RetryArgs) -> TokenStream {
    let private = quote!(::redengine::__private);
    let some = |t: TokenStream| quote!(::core::option::Option::Some(#t));
    let none = quote!(::core::option::Option::None);
    let retries = retry.retries.map_or(none.clone(), |n| some(quote!(#n)));
    let delay = retry
        .delay
        .as_ref()
        .map_or(none.clone(), |(t, _)| some(quote!(#t)));
    let backoff = retry.backoff.map_or(none.clone(), |f| some(quote!(#f)));
    let max_delay = retry
        .max_delay
        .as_ref()
        .map_or(none.clone(), |(t, _, _)| some(quote!(#t)));
    let jitter = match retry.jitter {
        None => none.clone(),
        Some(None) => some(quote!(#private::RETRY_DEFAULT_JITTER)),
        Some(Some(f)) => some(quote!(#f)),
    };
    let max_instances = retry.max_instances.map_or(none, |(n, _)| some(quote!(#n)));
    quote! {
        #private::RetryDef {
            retries: #retries,
            delay: #delay,
            backoff: #backoff,
            max_delay: #max_delay,
            jitter: #jitter,
            max_instances: #max_instances,
        }
    }
}
