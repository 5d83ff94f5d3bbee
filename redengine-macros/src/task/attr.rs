//! Parses the arguments of `#[task(...)]` into [`TaskArgs`]: known keys, one use each,
//! values of the right type. Every value keeps its token for error spans; problems are
//! recorded in the [`Ctxt`] and parsing goes on, so all of them are reported together.

use proc_macro2::{Span, TokenStream};
use redengine_conditions::settings::ExecutionName;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitBool, LitStr, UnOp};

use super::meta::{has_value, skip_value};
use super::vocab::{self, Timeout};
use crate::ctxt::Ctxt;
use crate::symbol::{self, TASK_FLAGS, TASK_KEYS};

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
    // retries: `retries`, `retry_*` and `max_instances`, checked.
    pub(crate) retry: super::retry::RetryArgs,
    // zones: the zone name and misfire policy, checked at parse time.
    pub(crate) zone: Option<LitStr>,
    pub(crate) misfire: Option<super::zone::MisfireName>,
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
                out.execution = vocab::execution(&lit, cx).map(|e| (e, lit));
            }
        }
        symbol::TIMEOUT => out.timeout = vocab::timeout(meta, cx)?,
        symbol::PRIORITY => out.priority = priority(meta, cx)?,
        symbol::PARAMS => out.params = params(meta, cx)?,
        // zones
        symbol::ZONE => {
            out.zone = string_value(key, meta, cx)?.filter(|lit| super::zone::zone(lit, cx));
        }
        symbol::MISFIRE => {
            if let Some(lit) = string_value(key, meta, cx)? {
                out.misfire = super::zone::misfire(&lit, cx);
            }
        }
        retry if super::retry::KEYS.contains(&retry) => {
            super::retry::parse_key(retry, meta, &mut out.retry, cx)?;
        }
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
