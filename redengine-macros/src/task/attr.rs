//! Parses the arguments of `#[task(...)]` into [`TaskArgs`]: known keys, one use each,
//! values of the right type. Every value keeps its token for error spans; problems are
//! recorded in the [`Ctxt`] and parsing goes on, so all of them are reported together.

use proc_macro2::{Span, TokenStream};
use redengine_conditions::settings::{self, ExecutionName};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitBool, LitStr, UnOp};

use crate::ctxt::Ctxt;
use crate::symbol::{self, TASK_FLAGS, TASK_KEYS};

/// `timeout = …`, checked: the text the runtime parses again at start-up, with the same
/// parser.
pub(crate) struct Timeout {
    /// `"never"`, a duration string, or the digits of a number literal.
    pub(crate) text: String,
}

/// One entry of `params(...)`.
pub(crate) struct ParamBinding {
    /// The function argument it binds.
    pub(crate) name: Ident,
    /// What it binds to.
    pub(crate) value: ParamValue,
}

/// The value of a per-task parameter.
pub(crate) enum ParamValue {
    /// Any Rust expression, evaluated when the session is built.
    Expr(Box<Expr>),
    /// `Return("get_data")`: the latest return value of that task, as `Option<T>`.
    Return(LitStr),
}

/// The parsed `#[task(...)]` arguments. `None` means "not written": the runtime default.
#[derive(Default)]
pub(crate) struct TaskArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) start_cond: Option<LitStr>,
    pub(crate) end_cond: Option<LitStr>,
    /// The execution and its literal as written (`"inline"` is `Main`).
    pub(crate) execution: Option<(ExecutionName, LitStr)>,
    pub(crate) timeout: Option<Timeout>,
    pub(crate) priority: Option<i32>,
    pub(crate) disabled: bool,
    pub(crate) force_run: bool,
    pub(crate) on_startup: bool,
    pub(crate) on_shutdown: bool,
    pub(crate) permanent: bool,
    pub(crate) params: Vec<ParamBinding>,
    /// Each key as written, with its span, for errors about a combination of keys.
    pub(crate) keys: Vec<(String, Span)>,
}

impl TaskArgs {
    /// The span of `key` as written, if it was.
    pub(crate) fn key_span(&self, key: &str) -> Option<Span> {
        self.keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, span)| *span)
    }
}

/// Parses `args`; never fails, every problem goes to `cx`.
pub(crate) fn parse(args: TokenStream, cx: &mut Ctxt) -> TaskArgs {
    let mut out = TaskArgs::default();
    let mut seen: Vec<(String, Span)> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let key = match meta.path.get_ident() {
            Some(ident) => ident.to_string(),
            None => {
                cx.error_spanned_by(&meta.path, unknown_key_message(&path_text(&meta.path)));
                return skip_value(&meta);
            }
        };
        if seen.iter().any(|(k, _)| *k == key) {
            cx.error_spanned_by(
                &meta.path,
                format!("duplicate task attribute `{key}`: remove one of them"),
            );
            return skip_value(&meta);
        }
        seen.push((key.clone(), meta.path.span()));
        parse_key(&key, &meta, &mut out, cx)
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    out.keys = seen;
    out
}

fn parse_key(
    key: &str,
    meta: &ParseNestedMeta<'_>,
    out: &mut TaskArgs,
    cx: &mut Ctxt,
) -> syn::Result<()> {
    match key {
        symbol::NAME => out.name = string_value(key, meta, cx)?,
        symbol::START_COND => out.start_cond = string_value(key, meta, cx)?,
        symbol::END_COND => out.end_cond = string_value(key, meta, cx)?,
        symbol::EXECUTION => {
            if let Some(lit) = string_value(key, meta, cx)? {
                out.execution = execution(&lit, cx).map(|e| (e, lit));
            }
        }
        symbol::TIMEOUT => out.timeout = timeout(meta, cx)?,
        symbol::PRIORITY => out.priority = priority(meta, cx)?,
        symbol::PARAMS => out.params = params(meta, cx)?,
        flag if TASK_FLAGS.contains(&flag) => {
            let value = flag_value(key, meta, cx)?;
            match flag {
                symbol::DISABLED => out.disabled = value,
                symbol::FORCE_RUN => out.force_run = value,
                symbol::ON_STARTUP => out.on_startup = value,
                symbol::ON_SHUTDOWN => out.on_shutdown = value,
                _ => out.permanent = value,
            }
        }
        _ => {
            cx.error_spanned_by(&meta.path, unknown_key_message(key));
            return skip_value(meta);
        }
    }
    Ok(())
}

fn unknown_key_message(key: &str) -> String {
    let mut message = format!(
        "unknown task attribute `{key}`, expected one of: {}",
        symbol::list(TASK_KEYS)
    );
    if let Some(near) = redengine_conditions::suggest(key, TASK_KEYS.iter().copied()) {
        message.push_str(&format!("\n\nhelp: did you mean `{near}`?"));
    }
    message
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Consumes whatever value follows an unknown or duplicate key so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// True when `=` follows the key; otherwise records `message` on the key, skips whatever
/// value follows and returns false.
fn has_value(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt, message: &str) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(true);
    }
    cx.error_spanned_by(&meta.path, message);
    skip_value(meta)?;
    Ok(false)
}

/// `key = "text"`. A missing `=` or a non-string value is recorded, not returned.
fn string_value(
    key: &str,
    meta: &ParseNestedMeta<'_>,
    cx: &mut Ctxt,
) -> syn::Result<Option<LitStr>> {
    let message = format!("task attribute `{key}` needs a value: write `{key} = \"…\"`");
    if !has_value(meta, cx, &message)? {
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(
                &other,
                format!("task attribute `{key}` takes a string literal: write `{key} = \"…\"`"),
            );
            Ok(None)
        }
    }
}

/// `execution = "…"`, by the parser the runtime uses for the same names.
fn execution(lit: &LitStr, cx: &mut Ctxt) -> Option<ExecutionName> {
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
fn timeout(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> syn::Result<Option<Timeout>> {
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

fn priority(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> syn::Result<Option<i32>> {
    let message = "task attribute `priority` needs a value: write `priority = 1`";
    if !has_value(meta, cx, message)? {
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    let (negative, int) = match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => (false, int),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match inner.as_ref() {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => (true, int),
            _ => return priority_type_error(&expr, cx),
        },
        _ => return priority_type_error(&expr, cx),
    };
    match int.base10_parse::<i64>() {
        Ok(value) => {
            let value = if negative { -value } else { value };
            match i32::try_from(value) {
                Ok(value) => Ok(Some(value)),
                Err(_) => {
                    cx.error_spanned_by(&expr, "priority must fit in an `i32`");
                    Ok(None)
                }
            }
        }
        Err(error) => {
            cx.syn_error(error);
            Ok(None)
        }
    }
}

fn priority_type_error(expr: &Expr, cx: &mut Ctxt) -> syn::Result<Option<i32>> {
    cx.error_spanned_by(
        expr,
        "task attribute `priority` takes an integer literal, e.g. `priority = 2` or `priority = -1`",
    );
    Ok(None)
}

/// A flag: bare `disabled`, or `disabled = true|false`.
fn flag_value(key: &str, meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> syn::Result<bool> {
    if !meta.input.peek(syn::Token![=]) {
        if meta.input.peek(syn::token::Paren) {
            cx.error_spanned_by(
                &meta.path,
                format!("task attribute `{key}` is a flag: write `{key}` or `{key} = true`"),
            );
            skip_value(meta)?;
            return Ok(false);
        }
        return Ok(true);
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        }) => Ok(value),
        other => {
            cx.error_spanned_by(
                &other,
                format!("task attribute `{key}` takes `true` or `false`: write `{key}` or `{key} = true`"),
            );
            Ok(false)
        }
    }
}

/// `params(name = expr, other = Return("task"), …)`.
fn params(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> syn::Result<Vec<ParamBinding>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            "task attribute `params` takes a list: write \
             `params(receivers = vec![\"me@example.com\"], data = Return(\"get_data\"))`",
        );
        skip_value(meta)?;
        return Ok(Vec::new());
    }
    let mut bindings: Vec<ParamBinding> = Vec::new();
    meta.parse_nested_meta(|entry| {
        let Some(name) = entry.path.get_ident().cloned() else {
            cx.error_spanned_by(&entry.path, "a parameter name is a plain identifier");
            return skip_value(&entry);
        };
        if !entry.input.peek(syn::Token![=]) {
            cx.error_spanned_by(
                &name,
                format!("parameter `{name}` needs a value: write `{name} = …`"),
            );
            return skip_value(&entry);
        }
        let expr: Expr = entry.value()?.parse()?;
        if bindings.iter().any(|binding| binding.name == name) {
            cx.error_spanned_by(
                &name,
                format!("duplicate parameter `{name}`: remove one of them"),
            );
            return Ok(());
        }
        let value = match return_binding(&expr, cx) {
            Some(task) => ParamValue::Return(task),
            None => ParamValue::Expr(Box::new(expr)),
        };
        bindings.push(ParamBinding { name, value });
        Ok(())
    })?;
    Ok(bindings)
}

/// Recognises `Return("task")` (any path ending in `Return`); `None` for other values.
fn return_binding(expr: &Expr, cx: &mut Ctxt) -> Option<LitStr> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(path) = call.func.as_ref() else {
        return None;
    };
    if path.path.segments.last()?.ident != symbol::RETURN {
        return None;
    }
    match call.args.iter().collect::<Vec<_>>().as_slice() {
        [Expr::Lit(ExprLit {
            lit: Lit::Str(task),
            ..
        })] if !task.value().is_empty() => Some(task.clone()),
        _ => {
            cx.error_spanned_by(
                call,
                "`Return` takes the upstream task's name as a string: `Return(\"get_data\")`",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

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
            "main", "inline", "thread", "process", "threads", "Thread", "async", "",
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
