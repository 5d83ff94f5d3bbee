//! "Did you mean …?": edit distance, the reserved words, and near-miss detection.

/// Every reserved word of the condition language: the keywords of the grammar plus the
/// words that are deliberately *not* part of it (`always` alone, `never`, `past`, `and`,
/// `or`, `not`, `yesterday`). None of them can name a custom condition.
///
/// The runtime offers these as suggestions next to task and condition names, so a
/// misspelled `ture` gets "did you mean `true`?".
pub const KEYWORDS: &[&str] = &[
    "after",
    "ago",
    "always",
    "and",
    "any",
    "before",
    "between",
    "crashed",
    "cron",
    "cycles",
    "daily",
    "day",
    "env",
    "every",
    "exactly",
    "exists",
    "failed",
    "false",
    "finished",
    "has",
    "hour",
    "hourly",
    "in",
    "inacted",
    "is",
    "less",
    "minute",
    "minutely",
    "month",
    "monthly",
    "more",
    "never",
    "not",
    "of",
    "on",
    "or",
    "over",
    "param",
    "past",
    "run",
    "running",
    "scheduler",
    "secondly",
    "started",
    "starting",
    "succeeded",
    "task",
    "tasks",
    "terminated",
    "than",
    "this",
    "time",
    "times",
    "today",
    "true",
    "week",
    "weekly",
    "while",
    "yesterday",
];

/// The keywords that can begin a phrase.
pub(crate) const PHRASE_STARTS: &[&str] = &[
    "true",
    "false",
    "always",
    "run",
    "minutely",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "secondly",
    "every",
    "cron",
    "after",
    "has",
    "task",
    "while",
    "time",
    "scheduler",
    "env",
    "param",
];

/// The phrase-starting keywords of five or more letters. A custom identifier one edit
/// away from one of these is treated as a typo, because `dialy` silently
/// becoming an unknown custom condition would only surface at start-up.
pub(crate) const TYPO_GUARDED: &[&str] = &[
    "daily",
    "hourly",
    "weekly",
    "monthly",
    "minutely",
    "secondly",
    "every",
    "after",
    "always",
    "false",
    "scheduler",
    "param",
    "while",
];

/// The optimal-string-alignment edit distance: inserts, deletes, substitutions and swaps
/// of two neighbours each cost one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in d.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
///
/// "Close enough" grows with the word: one edit for words up to four characters, two up
/// to eight, three beyond. A candidate equal to `word` ignoring case always wins, so
/// `Daily` suggests `daily`. Ties go to the first candidate, so callers list the likelier
/// candidates first.
///
/// ```
/// use redengine_conditions::suggest;
/// assert_eq!(suggest("dialy", ["hourly", "daily"]), Some("daily"));
/// assert_eq!(suggest("fetch_dta", ["fetch_data", "report"]), Some("fetch_data"));
/// assert_eq!(suggest("zzz", ["daily"]), None);
/// ```
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match word.chars().count() {
        0 => return None,
        1..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = if candidate.to_lowercase() == lower {
            0
        } else {
            edit_distance(&lower, &candidate.to_lowercase())
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("dialy", "daily"), 1);
        assert_eq!(edit_distance("succeded", "succeeded"), 1);
        assert_eq!(edit_distance("minuts", "minutes"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("Daily", KEYWORDS.iter().copied()), Some("daily"));
        assert_eq!(suggest("ture", KEYWORDS.iter().copied()), Some("true"));
        assert_eq!(suggest("", KEYWORDS.iter().copied()), None);
    }

    #[test]
    fn keyword_lists_are_consistent() {
        for word in PHRASE_STARTS.iter().chain(TYPO_GUARDED) {
            assert!(KEYWORDS.contains(word), "{word}");
        }
    }
}
