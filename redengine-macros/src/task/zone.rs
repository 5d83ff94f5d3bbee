//! `zone = "…"` and `misfire = "…"` of `#[task]`: checked here, at compile time, with the
//! zone parser the runtime uses at ignite (and the IANA database built into the macro),
//! so a misspelled zone is an error on its string with the closest name.

use proc_macro2::TokenStream;
use quote::quote;
use redengine_conditions::Zone;
use syn::LitStr;

use crate::ctxt::Ctxt;

/// A misfire policy, by the names the runtime's `Misfire` reads.
#[derive(Clone, Copy)]
pub(crate) enum MisfireName {
    RunIfOpen,
    Skip,
    RunOnce,
}

/// The spellings of [`MisfireName`], in the order messages list them.
const MISFIRE_NAMES: [&str; 3] = ["run_if_open", "skip", "run_once"];

/// Whether `lit` names a zone; if not, the error goes on the string.
pub(super) fn zone(lit: &LitStr, cx: &mut Ctxt) -> bool {
    match Zone::from_name(&lit.value()) {
        Ok(_) => true,
        Err(error) => {
            // The hint on a line of its own, where rustc puts help.
            let message = match error.suggestion() {
                Some(near) => format!(
                    "unknown time zone `{}`\n\nhelp: did you mean `{near}`?",
                    error.name()
                ),
                None => error.to_string(),
            };
            cx.error_spanned_by(lit, message);
            false
        }
    }
}

/// The policy `lit` names; if none, the error goes on the string.
pub(super) fn misfire(lit: &LitStr, cx: &mut Ctxt) -> Option<MisfireName> {
    let text = lit.value();
    match text.as_str() {
        "run_if_open" => Some(MisfireName::RunIfOpen),
        "skip" => Some(MisfireName::Skip),
        "run_once" => Some(MisfireName::RunOnce),
        other => {
            let mut message = format!(
                "unknown misfire policy `{other}`, expected one of: {}",
                crate::symbol::list(&MISFIRE_NAMES)
            );
            if let Some(near) = redengine_conditions::suggest(other, MISFIRE_NAMES) {
                message.push_str(&format!("\n\nhelp: did you mean `{near}`?"));
            }
            cx.error_spanned_by(lit, message);
            None
        }
    }
}

/// `Option<Misfire>` for the registration.
pub(super) fn misfire_tokens(name: Option<MisfireName>, private: &TokenStream) -> TokenStream {
    let variant = match name {
        None => return quote!(::core::option::Option::None),
        Some(MisfireName::RunIfOpen) => quote!(RunIfOpen),
        Some(MisfireName::Skip) => quote!(Skip),
        Some(MisfireName::RunOnce) => quote!(RunOnce),
    };
    quote!(::core::option::Option::Some(#private::Misfire::#variant))
}
