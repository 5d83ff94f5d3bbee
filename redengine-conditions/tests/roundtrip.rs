//! Property tests: every tree the parser can produce prints to a string that parses back
//! to the same tree, and no input (arbitrary text, random bytes, extreme nesting) makes
//! the parser panic or overflow the stack.

use std::time::Duration;

use chrono::Weekday;
use proptest::prelude::*;
use redengine_conditions::{
    parse, parse_all, AfterOutcome, AfterTasks, Anchor, Comparison, Condition, HasCount, HasState,
    HasWindow, ParseErrorKind, Period, Scope, TaskState, Window,
};

const DAY_US: u64 = 86_400_000_000;

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 '\\\\&|~()_.,é\"-]{1,12}"
}

fn duration() -> impl Strategy<Value = Duration> {
    (1u64..=10_000_000).prop_map(Duration::from_secs)
}

fn time_of_day(end_side: bool) -> BoxedStrategy<u64> {
    if end_side {
        prop_oneof![4 => 0..DAY_US, 1 => Just(DAY_US)].boxed()
    } else {
        (0..DAY_US).boxed()
    }
}

fn weekday() -> impl Strategy<Value = Weekday> {
    (0u8..7).prop_map(|d| Weekday::try_from(d).unwrap_or(Weekday::Mon))
}

fn anchor(scope: Scope, end_side: bool) -> BoxedStrategy<Anchor> {
    match scope {
        Scope::Second | Scope::Minute => (0..60_000_000u64).prop_map(Anchor::Offset).boxed(),
        Scope::Hour => (0..3_600_000_000u64).prop_map(Anchor::Offset).boxed(),
        Scope::Day => time_of_day(end_side).prop_map(Anchor::Offset).boxed(),
        Scope::Week => (weekday(), proptest::option::of(time_of_day(end_side)))
            .prop_map(|(day, time)| Anchor::Weekday { day, time })
            .boxed(),
        Scope::Month => (1u8..=31, proptest::option::of(time_of_day(end_side)))
            .prop_map(|(day, time)| Anchor::MonthDay { day, time })
            .boxed(),
        other => panic!("no anchor strategy for the scope {other:?}: add one here"),
    }
}

fn window(scope: Scope, whole_and_starting: bool) -> BoxedStrategy<Window> {
    let start = || anchor(scope, false);
    let mut forms = vec![
        (start(), anchor(scope, true))
            .prop_map(|(a, b)| Window::Between(a, b))
            .boxed(),
        start().prop_map(Window::After).boxed(),
        anchor(scope, true).prop_map(Window::Before).boxed(),
        start().prop_map(Window::On).boxed(),
    ];
    if whole_and_starting {
        forms.push(Just(Window::Whole).boxed());
        forms.push(start().prop_map(Window::Starting).boxed());
    }
    proptest::strategy::Union::new(forms).boxed()
}

fn window_scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Minute),
        Just(Scope::Hour),
        Just(Scope::Day),
        Just(Scope::Week),
        Just(Scope::Month)
    ]
}

fn period(whole_and_starting: bool) -> impl Strategy<Value = Period> {
    window_scope().prop_flat_map(move |scope| {
        window(scope, whole_and_starting).prop_map(move |window| Period { scope, window })
    })
}

fn state() -> impl Strategy<Value = TaskState> {
    prop_oneof![
        Just(TaskState::Succeeded),
        Just(TaskState::Failed),
        Just(TaskState::Finished),
        Just(TaskState::Terminated),
        Just(TaskState::Inacted),
        Just(TaskState::Started),
        Just(TaskState::Crashed),
    ]
}

fn cron() -> impl Strategy<Value = Condition> {
    let item = |max: u32| {
        prop_oneof![
            Just("*".to_owned()),
            (0..=max).prop_map(|v| v.to_string()),
            (0..=max, 0..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            (1..=max).prop_map(|s| format!("*/{s}")),
        ]
    };
    let seconds = prop_oneof![Just(String::new()), item(59).prop_map(|s| format!("{s} "))];
    let named = prop::sample::select(vec![
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ]);
    let fields = (seconds, item(59), item(23), item(30), item(11), item(6)).prop_filter_map(
        "a cron schedule",
        |(s, m, h, dom, mon, dow)| {
            let fix = |s: String, min: u32| {
                if s.starts_with(['*']) {
                    s
                } else {
                    s.split('-')
                        .map(|v| (v.parse::<u32>().unwrap_or(0) + min).to_string())
                        .collect::<Vec<_>>()
                        .join("-")
                }
            };
            parse(&format!(
                "cron {s}{m} {h} {} {} {dow}",
                fix(dom, 1),
                fix(mon, 1)
            ))
            .ok()
        },
    );
    prop_oneof![
        4 => fields,
        1 => named.prop_map(|name| parse(&format!("cron {name}")).unwrap_or(Condition::False)),
    ]
}

fn leaf() -> impl Strategy<Value = Condition> {
    let custom = "c_[a-z0-9_]{0,8}".prop_map(Condition::Custom);
    let after = (
        proptest::collection::vec(name(), 1..4),
        any::<bool>(),
        0..3u8,
    )
        .prop_map(|(tasks, any, outcome)| {
            Condition::After(AfterTasks {
                any: any && tasks.len() > 1,
                tasks,
                outcome: [
                    AfterOutcome::Succeeded,
                    AfterOutcome::Failed,
                    AfterOutcome::Finished,
                ][usize::from(outcome)],
            })
        });
    let has_window = prop_oneof![
        Just(HasWindow::Ever),
        duration().prop_map(HasWindow::Past),
        period(true).prop_map(HasWindow::Period),
    ];
    let has = (proptest::option::of(name()), state(), has_window.clone())
        .prop_map(|(task, state, when)| Condition::Has(HasState { task, state, when }));
    let comparison = || {
        prop_oneof![
            Just(Comparison::MoreThan),
            Just(Comparison::LessThan),
            Just(Comparison::Exactly)
        ]
    };
    // Counts near 1 exercise the `1 time` / `N times` agreement.
    let threshold = prop_oneof![0..4u64, any::<u64>()];
    let has_count = (
        proptest::option::of(name()),
        state(),
        comparison(),
        threshold,
        has_window,
    )
        .prop_map(|(task, state, comparison, count, when)| {
            Condition::HasCount(HasCount {
                task,
                state,
                comparison,
                count,
                when,
            })
        });
    prop_oneof![
        Just(Condition::True),
        Just(Condition::False),
        Just(Condition::Periodic(Period {
            scope: Scope::Second,
            window: Window::Whole
        })),
        period(true).prop_map(Condition::Periodic),
        duration().prop_map(Condition::Every),
        cron(),
        after,
        has,
        has_count,
        name().prop_map(Condition::IsRunning),
        period(false).prop_map(Condition::TimeOf),
        (comparison(), any::<u64>())
            .prop_map(|(comparison, count)| Condition::SchedulerCycles { comparison, count }),
        duration().prop_map(Condition::SchedulerStartedWithin),
        duration().prop_map(Condition::SchedulerRunOver),
        name().prop_map(Condition::Env),
        name().prop_map(Condition::ParamExists),
        (name(), name()).prop_map(|(key, value)| Condition::ParamIs { key, value }),
        custom,
    ]
}

/// Applies the parser's normalisations: `~~x` is `x`, nested `&`/`|` flatten.
fn normalize(c: Condition) -> Condition {
    match c {
        Condition::Not(inner) => match normalize(*inner) {
            Condition::Not(x) => *x,
            x => Condition::Not(Box::new(x)),
        },
        Condition::All(items) => Condition::All(
            items
                .into_iter()
                .map(normalize)
                .flat_map(|i| match i {
                    Condition::All(inner) => inner,
                    i => vec![i],
                })
                .collect(),
        ),
        Condition::Any(items) => Condition::Any(
            items
                .into_iter()
                .map(normalize)
                .flat_map(|i| match i {
                    Condition::Any(inner) => inner,
                    i => vec![i],
                })
                .collect(),
        ),
        leaf => leaf,
    }
}

fn tree() -> impl Strategy<Value = Condition> {
    leaf()
        .prop_recursive(5, 48, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
                proptest::collection::vec(inner.clone(), 2..5).prop_map(Condition::All),
                proptest::collection::vec(inner, 2..5).prop_map(Condition::Any),
            ]
        })
        .prop_map(normalize)
}

/// Checks the invariants every error must hold.
fn check_errors(input: &str) {
    match parse_all(input) {
        Ok(c) => {
            let text = c.to_string();
            assert_eq!(parse(&text), Ok(c), "{input:?} printed as {text:?}");
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for pair in errors.windows(2) {
                assert!(pair[0].span().start <= pair[1].span().start);
            }
            for e in &errors {
                let span = e.span();
                assert!(span.start <= span.end && span.end <= input.len());
                assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
                assert_eq!(e.input(), input);
                assert!(!e.message().is_empty() && !e.message().ends_with('.'));
                let _ = e.to_string();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn display_round_trips(c in tree()) {
        let text = c.to_string();
        prop_assert_eq!(parse(&text), Ok(c), "printed as {:?}", text);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "[a-zA-Z0-9 '&|~()\"\\\\:.,\t\n_-]{0,60}") {
        check_errors(&s);
    }

    #[test]
    fn keyword_soup_never_panics(words in proptest::collection::vec(prop_oneof![
        Just("daily"), Just("after"), Just("between"), Just("and"), Just("08:00"), Just("task"),
        Just("'x'"), Just("has"), Just("&"), Just("("), Just(")"), Just("~"), Just("every"),
        Just("10"), Just("minutes"), Just("time"), Just("of"), Just("day"), Just("succeeded"),
        Just("Monday"), Just("1st"), Just("cron"), Just("*"), Just("|"), Just("  "),
        Just("more"), Just("less"), Just("than"), Just("exactly"), Just("times"), Just("1"),
        Just("at"), Just("least"), Just("once"), Just("failed"), Just("today"),
    ], 0..12)) {
        check_errors(&words.join(" "));
    }

    #[test]
    fn unicode_never_panics(s in "\\PC{0,40}") {
        check_errors(&s);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        check_errors(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn deep_parentheses_are_an_error_not_a_stack_overflow() {
    let open = "(".repeat(100_000);
    for input in [open.clone(), format!("{open}true{}", ")".repeat(100_000))] {
        let e = parse(&input).unwrap_err();
        assert_eq!(e.kind(), ParseErrorKind::TooDeep);
    }
    let ok = format!("{}true{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(parse(&ok), Ok(Condition::True));
    let alternating = format!("{}true{}", "~(".repeat(50_000), ")".repeat(50_000));
    assert!(parse(&alternating).is_err());
}

#[test]
fn long_negation_chains_collapse() {
    assert_eq!(
        parse(&format!("{}true", "~".repeat(100_000))),
        Ok(Condition::True)
    );
    assert_eq!(
        parse(&format!("{}true", "~".repeat(100_001))),
        Ok(Condition::Not(Box::new(Condition::True)))
    );
}

#[test]
fn long_chains_parse_flat() {
    let input = vec!["true"; 100_000].join(" & ");
    match parse(&input) {
        Ok(Condition::All(items)) => assert_eq!(items.len(), 100_000),
        other => panic!("unexpected {other:?}"),
    }
    let input = vec!["daily"; 10_000].join(" | ");
    assert!(matches!(parse(&input), Ok(Condition::Any(items)) if items.len() == 10_000));
    let bad = vec!["dialy"; 10_000].join(" | ");
    assert_eq!(parse_all(&bad).map_err(|e| e.len()), Err(10_000));
}
