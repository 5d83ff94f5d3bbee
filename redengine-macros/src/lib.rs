//! Attribute macros of redengine. Use them through the `redengine` crate
//! (`#[redengine::task]`, `#[redengine::param]`, `#[redengine::condition]`,
//! `#[redengine::main]`), which re-exports them with their documentation.
//!
//! Each entry point is a one-line shim over a module that parses, checks and generates
//! code; every error is collected and reported at once, on the offending token. Each
//! one's documentation (grammar, example, expansion, compile errors; its examples are
//! this crate's doc tests) is the Markdown file `docs/NAME.md` beside this file.

use proc_macro::TokenStream;

mod cond;
mod condition;
mod ctxt;
mod main_attr;
mod named;
mod param;
mod symbol;
mod task;
mod types;

#[doc = include_str!("docs/task.md")]
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(args.into(), item.into()).into()
}

#[doc = include_str!("docs/param.md")]
#[proc_macro_attribute]
pub fn param(args: TokenStream, item: TokenStream) -> TokenStream {
    param::expand(args.into(), item.into()).into()
}

#[doc = include_str!("docs/condition.md")]
#[proc_macro_attribute]
pub fn condition(args: TokenStream, item: TokenStream) -> TokenStream {
    condition::expand(args.into(), item.into()).into()
}

#[doc = include_str!("docs/main.md")]
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_attr::expand(args.into(), item.into()).into()
}
