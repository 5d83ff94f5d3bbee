//! Friendly diagnostics: turns the grammar's "furthest failure" (`state.rs`) into the
//! messages the reference (`docs/conditions.md`) shows: case hints, did-you-mean, quoting
//! mistakes, words that are not part of the language.

use super::custom::{custom, operator_word};
use super::expected::{expected, list, token_at, word_before};
use super::grammar;
use super::state::Failure;
use crate::error::{ParseError, ParseErrorKind};
use crate::suggest::{suggest, KEYWORDS, PHRASE_STARTS};

/// Explains why the phrase `whole[start..start + text.len()]` failed to parse.
pub(super) fn failure(whole: &str, start: usize, text: &str, e: &Failure) -> ParseError {
    let err = |from: usize, to: usize, kind: ParseErrorKind, msg: String| {
        ParseError::new(whole, start + from..start + to, kind, msg)
    };
    let first_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let first = &text[..first_end];
    if !PHRASE_STARTS.contains(&first) {
        if first.is_empty() || first.starts_with(|c: char| c.is_ascii_digit()) || !first.is_ascii()
        {
            let tok = token_at(text, 0);
            let help = if tok.starts_with('\'') {
                format!("write `task {tok} …` or `after task {tok}`")
            } else {
                "a condition starts with a keyword such as `daily`, `every`, `after`, `has` or `time of`, or is a custom condition name".to_owned()
            };
            return err(
                0,
                tok.len(),
                ParseErrorKind::Syntax,
                format!("expected a condition, found `{tok}`"),
            )
            .with_help(help);
        }
        let plain = first
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let typo = suggest(first, PHRASE_STARTS.iter().copied())
            .filter(|_| plain && !KEYWORDS.contains(&first));
        if let Some(s) = typo {
            return err(
                0,
                first_end,
                ParseErrorKind::Keyword,
                format!("unknown keyword `{first}`"),
            )
            .with_help(format!("did you mean `{s}`?"));
        }
        if let Err(e) = custom(whole, start, first) {
            return e;
        }
        if let Some(s) = suggest(first, PHRASE_STARTS.iter().copied()) {
            return err(
                0,
                first_end,
                ParseErrorKind::Keyword,
                format!("unknown keyword `{first}`"),
            )
            .with_help(format!("did you mean `{s}`?"));
        }
    }
    let p = e.pos.min(text.len());
    let (words, descriptions) = expected(&e.positives);
    let bytes = text.as_bytes();

    // Whitespace between keywords must be exactly one space.
    if p < text.len()
        && bytes[p].is_ascii_whitespace()
        && (bytes[p] != b' ' || (p > 0 && bytes[p - 1] == b' '))
    {
        let ws_start = text[..p].trim_end().len();
        let ws_end = p + (text[p..].len() - text[p..].trim_start().len());
        let left = word_before(text, ws_start);
        let right = token_at(text, ws_end);
        return err(
            ws_start,
            ws_end,
            ParseErrorKind::Syntax,
            format!("expected exactly one space between `{left}` and `{right}`"),
        )
        .with_help(format!("write `{left} {right}`"));
    }

    // At the end: find out what could come next by probing past a separator.
    if p >= text.len() {
        let (mut words, mut descriptions) = (words, descriptions);
        let probe = format!("{text} \u{1}");
        if let Err(probe_err) = grammar::parse(&probe) {
            if probe_err.pos == text.len() + 1 {
                (words, descriptions) = expected(&probe_err.positives);
                descriptions.retain(|d| !d.starts_with("the end"));
            }
        }
        let last = word_before(text, text.len());
        let wanted = list(&words, &descriptions);
        return err(
            text.len(),
            text.len(),
            ParseErrorKind::Syntax,
            format!("expected {wanted} after `{last}`"),
        )
        .with_help(format!("add {wanted} at the end"));
    }

    let found = token_at(text, p);
    let prev = text[..p].trim_end();
    let quoted_context = match word_before(text, p) {
        "env" => "`env` values",
        "param" | "is" | "exists" => "parameter names and values",
        _ => "task names",
    };
    if found.starts_with('"') {
        let inner = found.trim_matches('"');
        return err(
            p,
            p + found.len(),
            ParseErrorKind::Quote,
            format!("{quoted_context} use single quotes; write `'{inner}'`"),
        )
        .with_help(format!("replace the double quotes: `'{inner}'`"));
    }
    if bytes[p] == b'\'' && !found.ends_with('\'') || found == "'" {
        return err(p, p + 1, ParseErrorKind::Quote, "unclosed `'`".into())
            .with_help("close the name with `'`; write `\\'` for a quote inside it");
    }
    if bytes[p] == b'\'' && p > 0 && bytes[p - 1] == b'\'' {
        let name = word_before(text, p);
        let joined = format!("{}\\'{}", &name[..name.len() - 1], &found[1..]);
        return err(
            p,
            p + found.len(),
            ParseErrorKind::Quote,
            format!("unexpected `{found}` after the name `{name}`"),
        )
        .with_help(format!(
            "a quote ends the name; write `\\'` for a quote inside it: `{joined}`"
        ));
    }
    if bytes[p] == b'\'' && prev.ends_with('\'') && text.starts_with("after ") {
        return err(
            p,
            p + found.len(),
            ParseErrorKind::Syntax,
            format!("expected `,` between task names, found `{found}`"),
        )
        .with_help(if text.starts_with("after task ") {
            format!("write `after tasks {}, {found}`", word_before(text, p))
        } else {
            format!(
                "separate the names with commas: `{}, {found}`",
                word_before(text, p)
            )
        });
    }
    if bytes[p] == b',' && text.starts_with("after task ") {
        let names = &text["after task ".len()..];
        return err(
            p,
            p + 1,
            ParseErrorKind::Syntax,
            format!(
                "`after task` takes one name; did you mean `after tasks {}`?",
                names.trim_start()
            ),
        )
        .with_help(format!(
            "write `after tasks {}` (all of them) or `after any tasks {}`",
            names.trim_start(),
            names.trim_start()
        ));
    }

    // Something complete was followed by more text.
    let only_end = descriptions.iter().all(|d| d.starts_with("the end"));
    let extra = bytes[p] == b' ' || (words.is_empty() && only_end);
    if extra {
        let rest = text[p..].trim_start();
        let q = text.len() - rest.len();
        let next = token_at(text, q);
        if matches!(next, "and" | "or" | "not") {
            if next == "and" && prev.contains(" between ") {
                return err(
                    q,
                    text.len(),
                    ParseErrorKind::Syntax,
                    format!(
                        "unexpected `{rest}` after the window `{}`",
                        &prev[prev.find("between").unwrap_or(0)..]
                    ),
                )
                .with_help(
                    "a window has two anchors, `between A and B`; join conditions with `&`",
                );
            }
            return operator_word(whole, start + q, next);
        }
        if prev.ends_with("secondly") {
            return err(
                q,
                text.len(),
                ParseErrorKind::Syntax,
                "`secondly` takes no window".into(),
            )
            .with_help("for a window, use `minutely …` or `time of minute …`");
        }
        let help = if grammar::parse(rest).is_ok() {
            "join conditions with `&` or `|`".to_owned()
        } else {
            format!("remove `{next}` or join conditions with `&` or `|`")
        };
        return err(
            q,
            q + next.len(),
            ParseErrorKind::Syntax,
            format!("unexpected `{next}` after `{prev}`"),
        )
        .with_help(help);
    }

    let word_end = text[p..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(text.len(), |i| p + i);
    let word = &text[p..word_end];
    let lower = word.to_lowercase();
    let span = |w: &str| (p, p + w.len().max(1));
    if !word.is_empty() {
        if lower != word && words.contains(&lower.as_str()) {
            let (a, b) = span(word);
            return err(
                a,
                b,
                ParseErrorKind::Keyword,
                format!("keywords are lower-case; did you mean `{lower}`?"),
            )
            .with_help(format!("write `{lower}`"));
        }
        if matches!(word, "and" | "or" | "not") {
            return operator_word(whole, start + p, word);
        }
        let (a, b) = span(word);
        if word == "run" && words.contains(&"started") {
            return err(a, b, ParseErrorKind::Keyword, "unknown state `run`".into())
                .with_help("write `has started`");
        }
        if words.contains(&"exactly") {
            if let Some(e) = count_word(text, p, word) {
                return err(e.0, e.1, ParseErrorKind::Syntax, e.2).with_help(e.3);
            }
        }
        if word == "yesterday" {
            return err(
                a,
                b,
                ParseErrorKind::Keyword,
                "`yesterday` is not a period".into(),
            )
            .with_help("write `today`, `this week`, … or `in past 1 day`");
        }
        if words.contains(&"day") && words.contains(&"month") && !words.contains(&"today") {
            return err(
                a,
                b,
                ParseErrorKind::Keyword,
                format!("`time of {word}` is not supported"),
            )
            .with_help("`time of` takes `minute`, `hour`, `day`, `week` or `month`");
        }
        if descriptions.contains(&"a number") {
            return err(
                a,
                b,
                ParseErrorKind::Number,
                format!("expected a number, found `{found}`"),
            )
            .with_help("write the number in digits, e.g. `3`");
        }
        if descriptions.contains(&"a name in single quotes") {
            return err(
                p,
                p + found.len(),
                ParseErrorKind::Quote,
                format!("expected a name in single quotes, found `{found}`"),
            )
            .with_help(format!("write `'{found}'`"));
        }
        if let Some(s) = suggest(word, words.iter().copied()) {
            return err(
                a,
                b,
                ParseErrorKind::Keyword,
                format!("unknown keyword `{word}`"),
            )
            .with_help(format!("did you mean `{s}`?"));
        }
    }
    let expected_items = words
        .iter()
        .map(|w| format!("`{w}`"))
        .chain(descriptions.iter().map(|d| (*d).to_owned()))
        .collect();
    err(
        p,
        p + found.len(),
        ParseErrorKind::Syntax,
        format!("expected {}, found `{found}`", list(&words, &descriptions)),
    )
    .with_expected(expected_items)
    .with_help(format!(
        "after `{}` write {}",
        word_before(text, p),
        list(&words, &descriptions)
    ))
}

/// A count written without one of the comparisons `has S … N times` takes (`has failed 3
/// times`, `once`, `at least 3 times`): the span, message and help, or `None`.
fn count_word(text: &str, p: usize, word: &str) -> Option<(usize, usize, String, String)> {
    let rest: Vec<&str> = text[p..].split(' ').filter(|w| !w.is_empty()).collect();
    let number = |i: usize| rest.get(i).and_then(|w| w.parse::<u64>().ok());
    let times = |n: u64| if n == 1 { "time" } else { "times" };
    let end = p + word.len();
    if let Some(n) = number(0) {
        return Some((
            p,
            end,
            format!("a count needs a comparison, found `{word}`"),
            format!(
                "write `exactly {n} {}`, `more than {n} {}` or `less than {n} {}`",
                times(n),
                times(n),
                times(n)
            ),
        ));
    }
    let n = match word {
        "once" => 1,
        "twice" => 2,
        "at" => {
            let (which, n) = (rest.get(1).copied()?, number(2)?);
            let fix = match which {
                "least" if n > 0 => format!("more than {} {}", n - 1, times(n - 1)),
                "most" => format!("less than {} {}", n + 1, times(n + 1)),
                _ => return None,
            };
            let span_end = p + text[p..].find(&format!("{n}"))? + format!("{n}").len();
            return Some((
                p,
                span_end,
                format!("`at {which}` is not a comparison"),
                format!("write `{fix}`"),
            ));
        }
        _ => return None,
    };
    Some((
        p,
        end,
        format!("`{word}` is not a count"),
        format!("write `exactly {n} {}`", times(n)),
    ))
}
