//! The condition forms `--help` lists: one example of every phrase, so the language can be
//! looked up where the program is run, without the docs at hand.
//!
//! Each line's example is parsed by this module's test, so the list cannot drift from the
//! parser: a form the language drops fails the build's tests, not a user.

/// `(example, what it means)` for every phrase of the condition language.
pub(super) const FORMS: &[(&str, &str)] = &[
    ("daily", "once a day (minutely, hourly, weekly, …)"),
    (
        "daily between 08:00 and 08:15",
        "once a day, in the window (after, before)",
    ),
    ("weekly on Monday", "once a week, on that day"),
    ("every 10 minutes", "not finished in the last 10 minutes"),
    ("cron 0 8 * * 1-5", "once in each matching minute"),
    ("cron 30 */15 * * * *", "six fields: seconds first"),
    ("cron @daily", "also @hourly, @weekly, @monthly, @yearly"),
    (
        "after task 'a' succeeded",
        "since this task started (failed, finished)",
    ),
    (
        "after any tasks 'a', 'b' failed",
        "any of them (after tasks: all of them)",
    ),
    (
        "task 'a' has failed today",
        "in a window (this hour, in past 2 hours)",
    ),
    (
        "task 'a' has failed more than 3 times today",
        "counting (less than, exactly)",
    ),
    ("task 'a' is running", "a run of a is in progress"),
    (
        "time of day between 16:00 and 20:00",
        "now is in the window (minute … month)",
    ),
    ("time of week between Monday and Friday", "weekdays"),
    (
        "scheduler has run over 1 hour",
        "the scheduler's age (started 5 minutes ago)",
    ),
    ("scheduler has more than 2 cycles", "completed cycles"),
    ("env 'prod'", "session parameters (param 'k' is 'v')"),
    ("is_weekend_sale", "a #[redengine::condition] function"),
    ("daily & ~env 'test' | true", "and, or, not; ( ) groups"),
];

/// The `Conditions:` section of the usage text.
pub(super) fn section() -> String {
    let mut out = String::from(
        "Conditions (start_cond, end_cond, shut_cond; the full reference is docs/conditions.md \
in the redengine repository):\n",
    );
    for (example, meaning) in FORMS {
        out.push_str(&format!("  {example:<44} {meaning}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_fits_a_terminal() {
        for line in section().lines().skip(1) {
            assert!(line.chars().count() <= 92, "too wide: {line}");
        }
    }

    #[test]
    fn every_listed_form_parses() {
        for (example, _) in FORMS {
            if let Err(e) = redengine_conditions::parse(example) {
                panic!("`{example}` in --help does not parse: {e}");
            }
        }
    }
}
