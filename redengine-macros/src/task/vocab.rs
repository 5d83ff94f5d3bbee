//! The values of `execution` and `timeout`: read by the functions the runtime uses for
//! the same settings (`redengine_conditions::settings`), so `#[task]` accepts at compile
//! time exactly what the session's config and task files accept at start-up.

use redengine_conditions::settings::{self, ExecutionName};
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitStr};

use super::attr::has_value;
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

#[cfg(test)]
mod tests {
    use proc_macro2::{Span, TokenStream};
    use quote::quote;

    use super::super::attr::{parse, TaskArgs};
    use super::*;

    /// What `#[task(…)]` makes of `args`: the parsed arguments, or the error messages.
    fn attr(args: TokenStream) -> Result<TaskArgs, String> {
        let mut cx = Ctxt::new();
        let parsed = parse(args, &mut cx);
        match cx.check() {
            Ok(()) => Ok(parsed),
            Err(error) => Err(error.to_string()),
        }
    }

    /// The macro (compile time) and the runtime (`Timeout::parse` at start-up, config
    /// and task files) accept exactly the same timeouts, and agree on their meaning.
    #[test]
    fn timeouts_agree_with_the_runtime() {
        for text in [
            "0",
            "0.0",
            "0 seconds",
            "60",
            "0.5",
            "2 hours",
            "1h 30min",
            "never",
            " never ",
            "2 hourz",
            "soon",
            "-1",
            "10",
            "1.5 hours",
            "2 secs",
            "",
        ] {
            let lit = LitStr::new(text, Span::call_site());
            let macro_side = attr(quote!(timeout = #lit)).map(|a| a.timeout.map(|t| t.text));
            let runtime = redengine::Timeout::parse(text);
            assert_eq!(
                macro_side.is_ok(),
                runtime.is_ok(),
                "{text:?}: {macro_side:?} vs {runtime:?}"
            );
            if let (Ok(Some(stored)), Ok(meant)) = (macro_side, runtime) {
                // What the macro stores is what the runtime reads.
                assert_eq!(redengine::Timeout::parse(&stored), Ok(meant), "{text:?}");
            }
        }
        for (tokens, accepted) in [
            (quote!(timeout = 0), false),
            (quote!(timeout = 60), true),
            (quote!(timeout = 0.5), true),
            (quote!(timeout = 0.0), false),
        ] {
            let parsed = attr(tokens.clone());
            assert_eq!(parsed.is_ok(), accepted, "{tokens}");
            if let Ok(parsed) = parsed {
                let text = parsed.timeout.map(|t| t.text).unwrap_or_default();
                assert!(redengine::Timeout::parse(&text).is_ok(), "{tokens}");
            }
        }
    }

    /// Execution names: the same accepted set and the same near-miss hint on both sides.
    #[test]
    fn execution_names_agree_with_the_runtime() {
        for text in [
            "main", "inline", "thread", "process", "threads", "Thread", "async", "Async", "",
        ] {
            let lit = LitStr::new(text, Span::call_site());
            let macro_side = attr(quote!(execution = #lit));
            let runtime = text.parse::<redengine::Execution>();
            assert_eq!(macro_side.is_ok(), runtime.is_ok(), "{text:?}");
            match (macro_side, runtime) {
                (Ok(parsed), Ok(execution)) => {
                    let name = parsed.execution.map(|(name, _)| name);
                    let expected = match execution {
                        redengine::Execution::Main => ExecutionName::Main,
                        redengine::Execution::Thread => ExecutionName::Thread,
                        redengine::Execution::Process => ExecutionName::Process,
                        redengine::Execution::Async => ExecutionName::Async,
                        redengine::Execution::Worker => ExecutionName::Worker,
                    };
                    assert_eq!(name, Some(expected), "{text:?}");
                }
                (Err(compile), Err(start_up)) => {
                    let start_up = start_up.to_string();
                    for hint in ["did you mean `thread`?", "did you mean `process`?"] {
                        assert_eq!(compile.contains(hint), start_up.contains(hint), "{text:?}");
                    }
                }
                _ => unreachable!(),
            }
        }
        let compile = attr(quote!(execution = "threads"))
            .err()
            .unwrap_or_default();
        assert!(compile.contains("did you mean `thread`?"), "{compile}");
    }
}
