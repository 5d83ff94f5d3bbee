//! Bridge from the condition crate's errors to compiler errors.
//!
//! On stable Rust a span cannot point inside a string literal, so the error lands on the
//! whole literal and the message carries the parser's own caret excerpt, which shows the
//! exact offending part of the condition.

use syn::LitStr;

use crate::ctxt::Ctxt;

/// Validates the condition in `lit` (what = "start condition", "end condition"): every
/// syntax error of the string is reported, each on the literal.
pub(crate) fn check(what: &str, lit: &LitStr, cx: &mut Ctxt) {
    if let Err(errors) = redengine_conditions::parse_all(&lit.value()) {
        for error in &errors {
            cx.error_spanned_by(lit, render(what, error));
        }
    }
}

/// "invalid start condition: <message>", the caret excerpt, then the help line.
pub(crate) fn render(what: &str, error: &redengine_conditions::ParseError) -> String {
    let mut text = format!("invalid {what}: {}\n", error.message());
    for line in error.excerpt().lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    if let Some(help) = error.help() {
        text.push_str(&format!("\nhelp: {help}"));
    }
    text.trim_end().to_owned()
}
