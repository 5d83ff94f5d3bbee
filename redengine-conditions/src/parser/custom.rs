//! Custom condition identifiers and the words that are not operators.

use crate::error::{ParseError, ParseErrorKind};
use crate::suggest::{edit_distance, KEYWORDS, PHRASE_STARTS, TYPO_GUARDED};

pub(super) fn operator_word(whole: &str, at: usize, word: &str) -> ParseError {
    let symbol = match word {
        "and" => "&",
        "or" => "|",
        _ => "~",
    };
    ParseError::new(
        whole,
        at..at + word.len(),
        ParseErrorKind::Keyword,
        format!("`{word}` is not an operator"),
    )
    .with_help(format!("write `{symbol}` instead of `{word}`"))
}

/// Checks a custom condition identifier: snake_case, not a reserved word,
/// and not one edit away from a long phrase-starting keyword.
pub(super) fn custom(whole: &str, start: usize, word: &str) -> Result<String, ParseError> {
    let err = |kind, msg: String| ParseError::new(whole, start..start + word.len(), kind, msg);
    let lower = word.to_lowercase();
    if lower != word {
        if KEYWORDS.contains(&lower.as_str()) {
            return Err(err(
                ParseErrorKind::Keyword,
                format!("keywords are lower-case; did you mean `{lower}`?"),
            )
            .with_help(format!("write `{lower}`")));
        }
        let mut snake = String::new();
        for (i, c) in word.chars().enumerate() {
            if c.is_uppercase() && i > 0 && !snake.ends_with('_') {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        }
        return Err(err(
            ParseErrorKind::Identifier,
            format!("custom condition names are snake_case, found `{word}`"),
        )
        .with_help(format!("write `{snake}`")));
    }
    if !word.starts_with(|c: char| c.is_ascii_lowercase())
        || !word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(err(
            ParseErrorKind::Identifier,
            format!("custom condition names are snake_case, found `{word}`"),
        )
        .with_help("use lower-case ASCII letters, digits and `_`, starting with a letter"));
    }
    if matches!(word, "and" | "or" | "not") {
        return Err(operator_word(whole, start, word));
    }
    let reserved = |msg: String, help: &str| Err(err(ParseErrorKind::Keyword, msg).with_help(help));
    match word {
        "never" => return reserved("`never` is not a condition".into(), "write `false`"),
        "always" => {
            return reserved(
                "`always` needs `true` or `false`".into(),
                "write `true` (or `always true`)",
            )
        }
        "past" => {
            return reserved(
                "`past` needs a state and a duration".into(),
                "write `has succeeded in past 10 minutes` or `every 10 minutes`",
            )
        }
        "yesterday" => {
            return reserved(
                "`yesterday` is not a condition".into(),
                "write `has succeeded in past 1 day`",
            )
        }
        _ => {}
    }
    if PHRASE_STARTS.contains(&word) {
        let example = match word {
            "run" => "`run daily`",
            "every" => "`every 10 minutes`",
            "cron" => "`cron 0 8 * * *`",
            "after" => "`after task 'fetch'`",
            "has" => "`has succeeded today`",
            "task" => "`task 'fetch' is running`",
            "while" => "`while task 'fetch' is running`",
            "time" => "`time of day between 08:00 and 10:00`",
            "scheduler" => "`scheduler has more than 2 cycles`",
            "env" => "`env 'prod'`",
            _ => "`param 'mode' exists`",
        };
        return reserved(
            format!("incomplete condition `{word}`"),
            &format!("write e.g. {example}"),
        );
    }
    if KEYWORDS.contains(&word) {
        return reserved(
            format!("`{word}` is a keyword, not a condition"),
            "keywords cannot name custom conditions; complete the phrase or rename the condition",
        );
    }
    if let Some(kw) = TYPO_GUARDED.iter().find(|kw| edit_distance(word, kw) == 1) {
        return Err(err(
            ParseErrorKind::Keyword,
            format!("unknown condition `{word}`; did you mean `{kw}`?"),
        )
        .with_help(format!(
            "write `{kw}`; a custom condition this close to a keyword needs another name"
        )));
    }
    Ok(word.to_owned())
}
