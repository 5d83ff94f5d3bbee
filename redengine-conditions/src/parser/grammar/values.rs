//! The words of a phrase: keywords, and the values that are matched loosely here and
//! interpreted by the modules that know their meaning (anchors, durations, cron fields,
//! quoted names, numbers, custom condition identifiers).
//!
//! Most of these rules are atomic: a value is one token, and an error inside it is
//! reported as the value being malformed, not as a missing character.

use super::vs;
use crate::parser::rule::Rule;
use crate::parser::state::State;

/// A keyword rule (`kw_daily`): the word, not followed by a character that could continue
/// it, so `dailyx` is not `daily`. Each keyword is its own rule so errors can list the
/// keywords expected at a position.
pub(in crate::parser) fn kw(p: &mut State<'_>, rule: Rule) -> bool {
    let word = rule.keyword().unwrap_or_default();
    p.atomic_rule(rule, |p| p.text(word) && !p.peek(word_char))
}

/// The first of `words` (keyword rules) that matches here.
pub(in crate::parser) fn one_of(p: &mut State<'_>, words: &[Rule]) -> bool {
    words.iter().any(|&word| kw(p, word))
}

/// A character that may continue a word; keywords must not be followed by one.
fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A character of an anchor word: a time (`18:00`, `6.30`), a number or a day name.
fn anchor_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b':' || b == b'.'
}

/// An anchor as written: a word and up to two more value words (`8 PM`, `Fri 18:00`,
/// `Fri 6 pm`, `3 quarter`). Its meaning depends on the scope and is checked in Rust.
/// (Compound-atomic: its words are reported on their own.)
pub(super) fn anchor(p: &mut State<'_>) -> bool {
    p.rule(Rule::anchor, |p| {
        anchor_word(p) && p.opt(|p| vs(p) && anchor_tail(p)) && p.opt(|p| vs(p) && anchor_tail(p))
    })
}

/// The first word of an anchor: a time, a number, a day name or a month day.
fn anchor_word(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::anchor_word, |p| p.ascii_run(anchor_char))
}

/// A word that continues an anchor: a time (starts with a digit), `am`/`pm` or `quarter`.
fn anchor_tail(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::anchor_tail, |p| {
        p.seq(|p| p.ascii(|b| b.is_ascii_digit()) && p.repeat(|p| p.ascii(anchor_char)))
            || p.seq(|p| {
                (p.text_ignoring_case("am")
                    || p.text_ignoring_case("pm")
                    || p.text_ignoring_case("quarter"))
                    && !p.peek(word_char)
            })
    })
}

/// A duration as written (`10 minutes`, `1h 30min`); checked by `parse_duration`.
pub(super) fn duration(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::duration, |p| {
        duration_word(p) && p.repeat(|p| p.ascii_run(|b| b == b' ') && duration_word(p))
    })
}

/// One word of a duration; a final `ago` ends it (`scheduler started 1 hour ago`).
fn duration_word(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::duration_word, |p| {
        p.rest() != "ago"
            && p.ascii_run(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'-' | b'+'))
    })
}

/// The cron fields as written; checked field by field in `cron.rs`.
pub(super) fn cron_fields(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::cron_fields, |p| {
        cron_field(p) && p.repeat(|p| p.ascii_run(|b| b == b' ') && cron_field(p))
    })
}

/// One cron field: anything up to the next space.
fn cron_field(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::cron_field, |p| {
        let mut chars = 0;
        while !p.rest().starts_with(' ') && p.any() {
            chars += 1;
        }
        chars > 0
    })
}

/// Quoted names separated by commas, spaces around the commas optional.
pub(super) fn name_list(p: &mut State<'_>) -> bool {
    p.rule(Rule::name_list, |p| {
        name(p)
            && p.repeat(|p| {
                p.repeat(|p| p.text(" ")) && p.text(",") && p.repeat(|p| p.text(" ")) && name(p)
            })
    })
}

/// A single-quoted name. `\'` and `\\` are escapes; any other backslash is kept.
/// (Compound-atomic: the text between the quotes is its own node.)
pub(in crate::parser) fn name(p: &mut State<'_>) -> bool {
    p.rule(Rule::name, |p| p.text("'") && name_inner(p) && p.text("'"))
}

/// The raw text between the quotes, before unescaping.
fn name_inner(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::name_inner, |p| {
        p.repeat(|p| p.seq(|p| p.text("\\") && p.any()) || (!p.rest().starts_with('\'') && p.any()))
    })
}

/// A non-negative decimal integer.
pub(super) fn integer(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::integer, |p| p.ascii_run(|b| b.is_ascii_digit()))
}

/// A custom condition identifier. Matched loosely (any letters, digits, `_`) so that
/// `Daily` or `dialy` reach the Rust checks, which explain what is wrong.
pub(super) fn custom(p: &mut State<'_>) -> bool {
    p.atomic_rule(Rule::custom, |p| {
        p.ascii(|b| b.is_ascii_alphabetic()) && p.repeat(|p| p.ascii(word_char))
    })
}
