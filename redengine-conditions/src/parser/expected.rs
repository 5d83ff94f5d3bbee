//! What the grammar expected at a failure, in words a user understands.

use super::rule::Rule;
use crate::suggest::KEYWORDS;

/// What a grammar rule stands for in an "expected …" list: keywords, or a description.
pub(super) fn describe(rule: Rule) -> Result<Vec<&'static str>, &'static str> {
    Ok(match rule {
        Rule::frequency => words(Rule::FREQUENCIES),
        Rule::window => vec!["between", "after", "before", "starting", "on"],
        Rule::time_window => vec!["between", "after", "before", "on"],
        Rule::w_between => vec!["between"],
        Rule::w_after => vec!["after"],
        Rule::w_before => vec!["before"],
        Rule::w_starting => vec!["starting"],
        Rule::w_on => vec!["on"],
        Rule::state => words(Rule::STATES),
        Rule::outcome => words(Rule::OUTCOMES),
        Rule::has_count => vec!["more", "less", "exactly"],
        Rule::count_more => vec!["more"],
        Rule::count_less => vec!["less"],
        Rule::count_exact => vec!["exactly"],
        Rule::times => vec!["times"],
        Rule::has_when => vec!["today", "this", "in", "past"],
        Rule::has_period => vec!["today", "this"],
        Rule::has_past => vec!["in", "past"],
        Rule::this_unit => words(Rule::THIS_UNITS),
        Rule::time_unit => words(Rule::TIME_UNITS),
        Rule::constant => vec!["true", "false"],
        Rule::after_task => vec!["task"],
        Rule::after_tasks => vec!["tasks"],
        Rule::after_any => vec!["any"],
        Rule::sched_started => vec!["started"],
        Rule::sched_more => vec!["more"],
        Rule::sched_less => vec!["less"],
        Rule::sched_run_over => vec!["run"],
        Rule::sched_exact | Rule::integer => return Err("a number"),
        Rule::anchor | Rule::anchor_word => {
            return Err("a time or day (such as `08:00`, `Monday` or `1st`)")
        }
        Rule::duration | Rule::duration_word => return Err("a duration (such as `10 minutes`)"),
        Rule::cron_fields | Rule::cron_field => {
            return Err("cron fields (such as `0 8 * * *`) or a schedule such as `@daily`")
        }
        Rule::name | Rule::name_list | Rule::name_inner => return Err("a name in single quotes"),
        Rule::EOI => return Err("the end of the condition"),
        Rule::ks | Rule::vs | Rule::anchor_tail => vec![],
        other => match other.keyword() {
            Some(word) => match KEYWORDS.iter().find(|k| **k == word) {
                Some(k) => vec![*k],
                None => return Err("a condition"),
            },
            None => return Err("a condition"),
        },
    })
}

/// The words of keyword rules, in their order.
fn words(rules: &[Rule]) -> Vec<&'static str> {
    rules.iter().filter_map(|rule| rule.keyword()).collect()
}

/// The keywords and descriptions expected, deduplicated, in a stable order.
pub(super) fn expected(positives: &[Rule]) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut words = Vec::new();
    let mut descriptions = Vec::new();
    for rule in positives {
        match describe(*rule) {
            Ok(ws) => {
                for w in ws {
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
            }
            Err(d) => {
                if !descriptions.contains(&d) {
                    descriptions.push(d);
                }
            }
        }
    }
    (words, descriptions)
}

/// "`a`, `b` or c".
pub(super) fn list(words: &[&str], descriptions: &[&str]) -> String {
    let items: Vec<String> = words
        .iter()
        .map(|w| format!("`{w}`"))
        .chain(descriptions.iter().map(|d| (*d).to_owned()))
        .collect();
    match items.split_last() {
        None => "more".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The token starting at `p`: a quoted name, or everything up to the next space.
pub(super) fn token_at(text: &str, p: usize) -> &str {
    let rest = &text[p..];
    if rest.starts_with(['\'', '"']) {
        let quote = &rest[..1];
        if let Some(end) = rest[1..].find(quote) {
            return &rest[..end + 2];
        }
    }
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    &rest[..end.max(rest.chars().next().map_or(0, char::len_utf8))]
}

/// The last word before `p`.
pub(super) fn word_before(text: &str, p: usize) -> &str {
    let before = text[..p].trim_end();
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    &before[start..]
}
