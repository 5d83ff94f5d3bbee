//! What a condition reads, for a scheduler that evaluates a condition again only when
//! something it reads changed or its [`Condition::next_change`] instant came.

use crate::ast::Condition;

impl Condition {
    /// Whether the value can change with neither a new log record of a task it reads nor
    /// the instant [`Condition::next_change`] reports: custom conditions, the scheduler's
    /// cycle count, environment variables and session parameters. Such a condition is
    /// evaluated at every cycle.
    pub fn is_polled(&self) -> bool {
        let mut polled = false;
        self.walk(&mut |node| {
            polled |= matches!(
                node,
                Condition::Custom(_)
                    | Condition::SchedulerCycles { .. }
                    | Condition::Env(_)
                    | Condition::ParamExists(_)
                    | Condition::ParamIs { .. }
            );
        });
        polled
    }
}

#[cfg(test)]
mod tests {
    use crate::parse;

    #[test]
    fn polled_conditions_are_the_ones_without_a_known_change() {
        for text in [
            "daily",
            "every 10 minutes",
            "after task 'a'",
            "task 'b' is running",
        ] {
            assert!(!parse(text).unwrap().is_polled(), "{text}");
        }
        for text in [
            "daily & env 'X'",
            "~param 'p' exists",
            "scheduler has more than 2 cycles",
        ] {
            match parse(text) {
                Ok(cond) => assert!(cond.is_polled(), "{text}"),
                Err(e) => panic!("{text}: {e}"),
            }
        }
    }
}
