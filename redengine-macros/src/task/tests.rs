//! Tests of the attribute's key groups through the whole attribute: what `#[task(…)]`
//! accepts, refuses and means for the retry keys and for the shared vocabulary.

mod retry {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::super::attr::parse;
    use super::super::check::retry_settings as check;
    use crate::ctxt::Ctxt;

    /// Whether `#[task(…)]` accepts `args`.
    fn compiles(args: TokenStream) -> bool {
        let mut cx = Ctxt::new();
        let parsed = parse(args, &mut cx);
        check(&parsed, &mut cx);
        cx.check().is_ok()
    }

    /// Whether ignite accepts the task `edit` builds.
    fn ignites(edit: impl FnOnce(redengine::TaskBuilder) -> redengine::TaskBuilder) -> bool {
        let task = edit(redengine::Task::builder("t").execution(redengine::Execution::Thread));
        redengine::Session::builder()
            .log_memory()
            .task(task.run(|_| ()))
            .build()
            .and_then(|s| s.ignite())
            .is_ok()
    }

    /// The macro and the runtime draw every line at the same place.
    #[test]
    fn limits_agree_with_the_runtime() {
        for n in [0_u32, 1, 1_000, 1_001] {
            assert_eq!(
                compiles(quote!(retries = #n)),
                ignites(|t| t.retries(n)),
                "retries {n}"
            );
        }
        for n in [0_u32, 1, 2, 10_000, 10_001] {
            assert_eq!(
                compiles(quote!(max_instances = #n)),
                ignites(|t| t.max_instances(n)),
                "max_instances {n}"
            );
        }
        for f in [0.5_f64, 0.999, 1.0, 2.0, 1_000.0, 1_000.5] {
            let lit = proc_macro2::Literal::f64_unsuffixed(f);
            assert_eq!(
                compiles(quote!(retry_backoff = #lit)),
                ignites(|t| t.retry_backoff(f)),
                "backoff {f}"
            );
        }
        for f in [0.0_f64, 0.25, 1.0, 1.5] {
            let lit = proc_macro2::Literal::f64_unsuffixed(f);
            assert_eq!(
                compiles(quote!(retry_jitter = #lit)),
                ignites(|t| t.retry_jitter(f)),
                "jitter {f}"
            );
        }
        for text in [
            "30 seconds",
            "1h 30min",
            "0.5",
            "90",
            "0",
            "1 minut",
            "soon",
        ] {
            assert_eq!(
                compiles(quote!(retry_delay = #text)),
                ignites(|t| t.retry_delay(text)),
                "delay {text:?}"
            );
        }
        for (delay, cap) in [
            ("2 minutes", "1 minute"),
            ("1 minute", "1 minute"),
            ("90", "2 minutes"),
        ] {
            assert_eq!(
                compiles(quote!(retry_delay = #delay, retry_max_delay = #cap)),
                ignites(|t| t.retry_delay(delay).retry_max_delay(cap)),
                "{delay:?} capped at {cap:?}"
            );
        }
        // Without `retry_delay`, the cap is compared with the default delay (1 minute).
        assert_eq!(
            compiles(quote!(retry_max_delay = "30 seconds")),
            ignites(|t| t.retry_max_delay("30 seconds"))
        );
        assert!(!compiles(quote!(execution = "main", max_instances = 2)));
        assert!(!compiles(quote!(on_startup, retries = 1)));
        assert!(!ignites(|t| t.on_startup(true).retries(1)));
        assert!(compiles(quote!(on_shutdown, retries = 0)));
        assert!(ignites(|t| t.on_shutdown(true).retries(0)));
        assert!(!ignites(|t| t
            .execution(redengine::Execution::Main)
            .max_instances(2)));
    }
}

mod vocab {
    use proc_macro2::{Span, TokenStream};
    use quote::quote;

    use redengine_conditions::settings::ExecutionName;
    use syn::LitStr;

    use super::super::attr::{parse, TaskArgs};
    use crate::ctxt::Ctxt;

    /// What `#[task(…)]` makes of `args`: the parsed arguments, or the error messages.
    fn attr(args: TokenStream) -> Result<TaskArgs, String> {
        let mut cx = Ctxt::new();
        let parsed = parse(args, &mut cx);
        match cx.check() {
            Ok(()) => Ok(parsed),
            Err(error) => Err(error.to_string()),
        }
    }

    /// The macro (compile time) and the runtime (`Timeout::parse` at start-up, config
    /// and task files) accept exactly the same timeouts, and agree on their meaning.
    #[test]
    fn timeouts_agree_with_the_runtime() {
        for text in [
            "0",
            "0.0",
            "0 seconds",
            "60",
            "0.5",
            "2 hours",
            "1h 30min",
            "never",
            " never ",
            "2 hourz",
            "soon",
            "-1",
            "10",
            "1.5 hours",
            "2 secs",
            "",
        ] {
            let lit = LitStr::new(text, Span::call_site());
            let macro_side = attr(quote!(timeout = #lit)).map(|a| a.timeout.map(|t| t.text));
            let runtime = redengine::Timeout::parse(text);
            assert_eq!(
                macro_side.is_ok(),
                runtime.is_ok(),
                "{text:?}: {macro_side:?} vs {runtime:?}"
            );
            if let (Ok(Some(stored)), Ok(meant)) = (macro_side, runtime) {
                // What the macro stores is what the runtime reads.
                assert_eq!(redengine::Timeout::parse(&stored), Ok(meant), "{text:?}");
            }
        }
        for (tokens, accepted) in [
            (quote!(timeout = 0), false),
            (quote!(timeout = 60), true),
            (quote!(timeout = 0.5), true),
            (quote!(timeout = 0.0), false),
        ] {
            let parsed = attr(tokens.clone());
            assert_eq!(parsed.is_ok(), accepted, "{tokens}");
            if let Ok(parsed) = parsed {
                let text = parsed.timeout.map(|t| t.text).unwrap_or_default();
                assert!(redengine::Timeout::parse(&text).is_ok(), "{tokens}");
            }
        }
    }

    /// Execution names: the same accepted set and the same near-miss hint on both sides.
    #[test]
    fn execution_names_agree_with_the_runtime() {
        for text in [
            "main", "inline", "thread", "process", "threads", "Thread", "async", "Async", "",
        ] {
            let lit = LitStr::new(text, Span::call_site());
            let macro_side = attr(quote!(execution = #lit));
            let runtime = text.parse::<redengine::Execution>();
            assert_eq!(macro_side.is_ok(), runtime.is_ok(), "{text:?}");
            match (macro_side, runtime) {
                (Ok(parsed), Ok(execution)) => {
                    let name = parsed.execution.map(|(name, _)| name);
                    let expected = match execution {
                        redengine::Execution::Main => ExecutionName::Main,
                        redengine::Execution::Thread => ExecutionName::Thread,
                        redengine::Execution::Process => ExecutionName::Process,
                        redengine::Execution::Async => ExecutionName::Async,
                        redengine::Execution::Worker => ExecutionName::Worker,
                    };
                    assert_eq!(name, Some(expected), "{text:?}");
                }
                (Err(compile), Err(start_up)) => {
                    let start_up = start_up.to_string();
                    for hint in ["did you mean `thread`?", "did you mean `process`?"] {
                        assert_eq!(compile.contains(hint), start_up.contains(hint), "{text:?}");
                    }
                }
                _ => unreachable!(),
            }
        }
        let compile = attr(quote!(execution = "threads"))
            .err()
            .unwrap_or_default();
        assert!(compile.contains("did you mean `thread`?"), "{compile}");
    }
}
