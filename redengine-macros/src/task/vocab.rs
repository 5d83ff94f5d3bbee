//! The values of `execution` and `timeout`: read by the functions the runtime uses for
//! the same settings (`redengine_conditions::settings`), so `#[task]` accepts at compile
//! time exactly what the session's config and task files accept at start-up.

use redengine_conditions::settings::{self, ExecutionName};
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitStr};

use super::meta::has_value;
use crate::ctxt::Ctxt;

/// `timeout = …`, checked: the text the runtime parses again at start-up, with the same
/// parser.
pub(crate) struct Timeout {
    /// `"never"`, a duration string, or the digits of a number literal.
    pub(crate) text: String,
}

/// `execution = "…"`, by the parser the runtime uses for the same names.
pub(super) fn execution(lit: &LitStr, cx: &mut Ctxt) -> Option<ExecutionName> {
    match settings::parse_execution(&lit.value()) {
        Ok(execution) => Some(execution),
        Err(error) => {
            let mut message = format!(
                "{}, expected one of: {}",
                error.message(),
                settings::EXECUTION_ACCEPTED
            );
            if let Some(help) = error.help().filter(|h| h.starts_with("did you mean")) {
                message.push_str(&format!("\n\nhelp: {help}"));
            }
            cx.error_spanned_by(lit, message);
            None
        }
    }
}

/// `timeout = "…"` or a number of seconds, checked by the runtime's own parser so both
/// accept exactly the same timeouts.
pub(super) fn timeout(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> syn::Result<Option<Timeout>> {
    let message = "task attribute `timeout` needs a value: write `timeout = \"2 hours\"`, \
                   `timeout = 60` (seconds) or `timeout = \"never\"`";
    if !has_value(meta, cx, message)? {
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    let (text, literal) = match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => (lit.value(), true),
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) if int.suffix().is_empty() => (int.base10_digits().to_owned(), false),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) if float.suffix().is_empty() => (float.base10_digits().to_owned(), false),
        other => {
            cx.error_spanned_by(
                other,
                "task attribute `timeout` takes a duration string (`\"2 hours\"`), a number \
                 of seconds (`60`) or `\"never\"`",
            );
            return Ok(None);
        }
    };
    match settings::parse_timeout(&text) {
        Ok(_) => Ok(Some(Timeout { text })),
        Err(error) if literal && error.span().len() < text.trim().len() => {
            cx.error_spanned_by(&expr, crate::cond::render("timeout", &error));
            Ok(None)
        }
        Err(error) => {
            // A number, or an error about the whole text: a caret excerpt would only
            // repeat it.
            let mut message = format!("invalid timeout: {}", error.message());
            if let Some(help) = error.help() {
                message.push_str(&format!("\n\nhelp: {help}"));
            }
            cx.error_spanned_by(&expr, message);
            Ok(None)
        }
    }
}
