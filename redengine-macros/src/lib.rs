//! Attribute macros of redengine. Use them through the `redengine` crate
//! (`#[redengine::task]`, `#[redengine::param]`, `#[redengine::condition]`,
//! `#[redengine::main]`); their documentation lives there, next to the runtime types they
//! produce.
//!
//! Each entry point is a one-line shim over a module that parses, checks and generates
//! code; every error is collected and reported at once, on the offending token.

use proc_macro::TokenStream;

mod cond;
mod condition;
mod ctxt;
mod main_attr;
mod named;
mod param;
mod symbol;
mod task;

/// Registers a function as a scheduled task. See `redengine::task`.
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(args.into(), item.into()).into()
}

/// Registers a function as a session parameter. See `redengine::param`.
#[proc_macro_attribute]
pub fn param(args: TokenStream, item: TokenStream) -> TokenStream {
    param::expand(args.into(), item.into()).into()
}

/// Registers a function as a custom condition. See `redengine::condition`.
#[proc_macro_attribute]
pub fn condition(args: TokenStream, item: TokenStream) -> TokenStream {
    condition::expand(args.into(), item.into()).into()
}

/// Generates the binary's `main` from a function that builds the session. See
/// `redengine::main`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_attr::expand(args.into(), item.into()).into()
}
