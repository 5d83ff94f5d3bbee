//! Reading the value of one `key = value` of an attribute: shared by the attribute's
//! parser (`attr`) and the key groups it delegates to (`retry`, `vocab`), below all three.

use syn::meta::ParseNestedMeta;
use syn::Expr;

use crate::ctxt::Ctxt;

/// Consumes whatever value follows an unknown or duplicate key so parsing can go on.
pub(super) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
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
pub(super) fn has_value(
    meta: &ParseNestedMeta<'_>,
    cx: &mut Ctxt,
    message: &str,
) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(true);
    }
    cx.error_spanned_by(&meta.path, message);
    skip_value(meta)?;
    Ok(false)
}
