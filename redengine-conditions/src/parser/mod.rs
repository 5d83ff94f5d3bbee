//! From a string to a [`Condition`]: the operator scanner (`expr`), the phrase grammar
//! (`grammar`, on the machinery in `state`, `rule` and `tree`), the builder that turns a
//! parsed phrase into a [`Condition`] (`phrase`) and the friendly diagnostics on top
//! (`diagnose`).

mod custom;
mod diagnose;
mod expected;
mod expr;
mod grammar;
mod phrase;
mod rule;
mod state;
mod tree;

use crate::ast::Condition;
use crate::error::ParseError;

/// Parses a condition, reporting the first error in input order.
///
/// ```
/// use redengine_conditions::{parse, Condition};
/// assert_eq!(parse("true & ~false"), Ok(Condition::All(vec![
///     Condition::True,
///     Condition::Not(Box::new(Condition::False)),
/// ])));
/// assert_eq!(parse("true &").unwrap_err().message(), "expected a condition after `&`");
/// ```
pub fn parse(input: &str) -> Result<Condition, ParseError> {
    parse_all(input).map_err(|mut errors| errors.swap_remove(0))
}

/// Parses a condition, reporting every error: one per malformed phrase (phrases are
/// independent) plus the first structural error, in input order. The vector is never
/// empty.
///
/// ```
/// use redengine_conditions::parse_all;
/// let errors = parse_all("dialy & every 10 | daily after 8").unwrap_err();
/// assert_eq!(errors.len(), 3);
/// assert_eq!(errors[1].message(), "missing unit");
/// ```
pub fn parse_all(input: &str) -> Result<Condition, Vec<ParseError>> {
    expr::parse(input)
}

impl std::str::FromStr for Condition {
    type Err = ParseError;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
