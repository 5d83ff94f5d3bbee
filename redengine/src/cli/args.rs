//! The command line of a `#[redengine::main]` binary, parsed by hand: a handful of commands
//! and options. A parser crate would add a dependency (and its own help format) to every
//! user binary for what fits in a few screens of code. What it reads into is in
//! [`super::command`].

use std::ffi::OsString;
use std::path::PathBuf;

use super::command::{Command, Invocation, LogCommand, COMMANDS, HISTORY_LIMIT, SERVE_ADDR};
use super::failure::{did_you_mean, UsageError};

/// The options, for "did you mean".
const OPTIONS: &[&str] = &[
    "--log", "--at", "--json", "--wide", "--help", "-h", "--since", "--failed", "--limit", "--addr",
];

/// Parses the arguments after the program name. `-h`/`--help` anywhere wins over
/// everything else except an unreadable argument; `--log` may come before or after the
/// command; `--` ends the options (for task names starting with `-`).
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation, UsageError> {
    let mut log: Option<PathBuf> = None;
    let mut at: Option<String> = None;
    let mut since: Option<String> = None;
    let mut limit: Option<usize> = None;
    // status: `serve --addr ADDR`.
    let mut addr: Option<String> = None;
    let mut failed = false;
    let mut help = false;
    let mut json = false;
    let mut wide = false;
    let mut words: Vec<String> = Vec::new();
    let mut options_done = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = utf8(&arg, "argument")?;
        if options_done || !text.starts_with('-') || text == "-" {
            words.push(text.to_string());
            continue;
        }
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (text, None),
        };
        match flag {
            "--" => options_done = true,
            "-h" | "--help" => help = true,
            "--json" => json = true,
            "--wide" => wide = true,
            "--failed" => failed = true,
            "--since" => {
                let value = match inline {
                    Some(value) => value,
                    None => match args.next() {
                        Some(value) => utf8(&value, "`--since` value")?.to_string(),
                        None => return Err(missing("--since", "TIME")),
                    },
                };
                if value.is_empty() {
                    return Err(missing("--since", "TIME"));
                }
                if since.replace(value).is_some() {
                    return Err(UsageError::new(
                        "`--since` is given twice",
                        Some("keep one `--since TIME`".to_string()),
                    ));
                }
            }
            // status: `serve --addr ADDR`.
            "--addr" => {
                let value = match inline {
                    Some(value) => value,
                    None => match args.next() {
                        Some(value) => utf8(&value, "`--addr` value")?.to_string(),
                        None => return Err(missing("--addr", "ADDR")),
                    },
                };
                if value.is_empty() {
                    return Err(missing("--addr", "ADDR"));
                }
                addr = Some(value);
            }
            "--limit" => {
                let value = match inline {
                    Some(value) => value,
                    None => match args.next() {
                        Some(value) => utf8(&value, "`--limit` value")?.to_string(),
                        None => return Err(missing("--limit", "N")),
                    },
                };
                let n = value.trim().parse::<usize>().map_err(|_| {
                    UsageError::new(
                        format!("`--limit {value}` is not a number of records"),
                        Some("write `--limit N` with N a whole number (0: all)".to_string()),
                    )
                })?;
                limit = Some(n);
            }
            "--log" => {
                let value = match inline {
                    Some(value) => OsString::from(value),
                    None => args.next().ok_or_else(|| missing("--log", "PATH"))?,
                };
                if value.is_empty() {
                    return Err(missing("--log", "PATH"));
                }
                if log.replace(PathBuf::from(value)).is_some() {
                    return Err(UsageError::new(
                        "`--log` is given twice",
                        Some("keep one `--log PATH`".to_string()),
                    ));
                }
            }
            "--at" => {
                let value = match inline {
                    Some(value) => value,
                    None => match args.next() {
                        Some(value) => utf8(&value, "`--at` value")?.to_string(),
                        None => return Err(missing("--at", "TIME")),
                    },
                };
                if value.is_empty() {
                    return Err(missing("--at", "TIME"));
                }
                if at.replace(value).is_some() {
                    return Err(UsageError::new(
                        "`--at` is given twice",
                        Some("keep one `--at TIME`".to_string()),
                    ));
                }
            }
            other => {
                return Err(UsageError::new(
                    format!("unknown option `{other}`"),
                    did_you_mean(other, OPTIONS.iter().copied())
                        .or_else(|| Some("see `--help` for the options".to_string())),
                ))
            }
        }
    }
    if help {
        return Ok(Invocation {
            log,
            command: Command::Help,
        });
    }
    let mut words = words.into_iter();
    let name = words.next();
    let rest: Vec<String> = words.collect();
    let history_only = [
        (since.is_some(), "--since"),
        (failed, "--failed"),
        (limit.is_some(), "--limit"),
    ];
    if name.as_deref() != Some("history") {
        if let Some((_, option)) = history_only.iter().find(|(given, _)| *given) {
            return Err(UsageError::new(
                format!("`{option}` applies only to `history`"),
                Some(format!("write `history {option}…`")),
            ));
        }
    }
    if addr.is_some() && name.as_deref() != Some("serve") {
        return Err(UsageError::new(
            "`--addr` applies only to `serve`",
            Some("write `serve --addr 127.0.0.1:8080`".to_string()),
        ));
    }
    let command = match name.as_deref() {
        Some("serve") => {
            no_operands("serve", &rest)?;
            Command::Serve {
                addr: addr.unwrap_or_else(|| SERVE_ADDR.to_string()),
            }
        }
        None | Some("run") => {
            no_operands("run", &rest)?;
            Command::Run
        }
        Some("help") => Command::Help,
        Some("list") => {
            no_operands("list", &rest)?;
            return Ok(Invocation {
                log,
                command: Command::List { at, wide, json },
            });
        }
        Some("check") => {
            if wide {
                return Err(UsageError::new(
                    "`--wide` applies only to `list`",
                    Some("write `list --wide`".to_string()),
                ));
            }
            return Ok(Invocation {
                log,
                command: Command::Check {
                    tasks: rest,
                    at,
                    json,
                },
            });
        }
        Some("history") => {
            if wide || at.is_some() {
                let option = if wide { "--wide" } else { "--at" };
                return Err(UsageError::new(
                    format!("`{option}` does not apply to `history`"),
                    Some("write `history [TASK...] [--since TIME] [--failed]`".to_string()),
                ));
            }
            return Ok(Invocation {
                log,
                command: Command::History {
                    tasks: rest,
                    since,
                    failed,
                    limit: limit.unwrap_or(HISTORY_LIMIT),
                    json,
                },
            });
        }
        Some("log") => Command::Log(log_command(&rest)?),
        // cluster
        Some("status") => Command::Status,
        Some("worker") => Command::Worker,
        Some("run-task") => {
            if rest.is_empty() {
                return Err(UsageError::new(
                    "`run-task` needs the name of the task to run",
                    Some("write `run-task NAME...`; `list` shows the names".to_string()),
                ));
            }
            Command::RunTask { tasks: rest }
        }
        Some(other) => {
            return Err(UsageError::new(
                format!("unknown command `{other}`"),
                did_you_mean(other, COMMANDS.iter().copied()).or_else(|| {
                    Some(format!(
                        "the commands are {}",
                        COMMANDS
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }),
            ))
        }
    };
    for (given, option, form) in [(at.is_some(), "--at", " TIME"), (json, "--json", "")] {
        if given {
            return Err(UsageError::new(
                if option == "--json" {
                    "`--json` applies only to `check`, `list` and `history`".to_string()
                } else {
                    format!("`{option}` applies only to `check` and `list`")
                },
                Some(format!(
                    "write `check {option}{form}` or `list {option}{form}`"
                )),
            ));
        }
    }
    if wide {
        return Err(UsageError::new(
            "`--wide` applies only to `list`",
            Some("write `list --wide`".to_string()),
        ));
    }
    Ok(Invocation { log, command })
}

fn utf8<'a>(arg: &'a OsString, what: &str) -> Result<&'a str, UsageError> {
    arg.to_str().ok_or_else(|| {
        UsageError::new(
            format!("{what} {arg:?} is not valid UTF-8"),
            Some("pass task names, commands and times as UTF-8 text".to_string()),
        )
    })
}

/// `log import FILE`, `log export FILE`, `log compact`.
fn log_command(rest: &[String]) -> Result<LogCommand, UsageError> {
    let form = "write `log import FILE.csv`, `log export FILE.csv` or `log compact`";
    match rest {
        [verb, file] if verb == "import" => Ok(LogCommand::Import(PathBuf::from(file))),
        [verb, file] if verb == "export" => Ok(LogCommand::Export(PathBuf::from(file))),
        [verb] if verb == "compact" => Ok(LogCommand::Compact),
        [verb] if verb == "import" || verb == "export" => Err(UsageError::new(
            format!("`log {verb}` needs the CSV file"),
            Some(format!("write `log {verb} FILE.csv`")),
        )),
        [] => Err(UsageError::new(
            "`log` needs what to do",
            Some(form.to_string()),
        )),
        [verb, ..] if !["import", "export", "compact"].contains(&verb.as_str()) => {
            Err(UsageError::new(
                format!("unknown `log` command `{verb}`"),
                did_you_mean(verb, ["import", "export", "compact"]).or(Some(form.to_string())),
            ))
        }
        _ => {
            let (verb, extra) = (&rest[0], rest.get(1).map_or("", String::as_str));
            let takes = if verb == "compact" {
                "no arguments"
            } else {
                "one file"
            };
            Err(UsageError::new(
                format!("`log {verb}` takes {takes}, but `{extra}` was given"),
                Some(form.to_string()),
            ))
        }
    }
}

fn missing(option: &str, value: &str) -> UsageError {
    UsageError::new(
        format!("`{option}` needs a value"),
        Some(format!("write `{option} {value}`")),
    )
}

fn no_operands(command: &str, rest: &[String]) -> Result<(), UsageError> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => Err(UsageError::new(
            format!("`{command}` takes no arguments, but `{extra}` was given"),
            Some(if command == "list" {
                format!("to explain one task, write `check {extra}`")
            } else {
                format!("to run one task now, write `run-task {extra}`")
            }),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Invocation, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    fn cmd(args: &[&str]) -> Command {
        match p(args) {
            Ok(inv) => inv.command,
            Err(e) => panic!("{args:?} rejected: {e}"),
        }
    }

    fn err(args: &[&str]) -> UsageError {
        match p(args) {
            Ok(inv) => panic!("{args:?} accepted as {inv:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn history_and_log_commands() {
        assert_eq!(
            cmd(&["history", "a", "b", "--since", "08:00", "--failed", "--json"]),
            Command::History {
                tasks: vec!["a".into(), "b".into()],
                since: Some("08:00".into()),
                failed: true,
                limit: HISTORY_LIMIT,
                json: true,
            }
        );
        assert_eq!(
            cmd(&["history", "--limit=0"]),
            Command::History {
                tasks: vec![],
                since: None,
                failed: false,
                limit: 0,
                json: false,
            }
        );
        assert_eq!(
            cmd(&["log", "import", "old.csv"]),
            Command::Log(LogCommand::Import("old.csv".into()))
        );
        assert_eq!(
            cmd(&["log", "export", "x.csv"]),
            Command::Log(LogCommand::Export("x.csv".into()))
        );
        assert_eq!(cmd(&["log", "compact"]), Command::Log(LogCommand::Compact));
        assert_eq!(
            err(&["list", "--failed"]).message,
            "`--failed` applies only to `history`"
        );
        assert_eq!(
            err(&["history", "--limit", "many"]).message,
            "`--limit many` is not a number of records"
        );
        assert_eq!(
            err(&["history", "--since"]).message,
            "`--since` needs a value"
        );
        assert_eq!(err(&["log"]).message, "`log` needs what to do");
        assert_eq!(
            err(&["log", "import"]).message,
            "`log import` needs the CSV file"
        );
        let e = err(&["log", "compat"]);
        assert_eq!(e.help.as_deref(), Some("did you mean `compact`?"));
        assert_eq!(
            err(&["log", "compact", "now"]).message,
            "`log compact` takes no arguments, but `now` was given"
        );
    }

    #[test]
    fn commands() {
        assert_eq!(cmd(&[]), Command::Run);
        assert_eq!(cmd(&["run"]), Command::Run);
        assert_eq!(
            cmd(&["list"]),
            Command::List {
                at: None,
                wide: false,
                json: false
            }
        );
        assert_eq!(
            cmd(&["list", "--wide", "--json"]),
            Command::List {
                at: None,
                wide: true,
                json: true
            }
        );
        assert_eq!(
            cmd(&["check", "--json", "a"]),
            Command::Check {
                tasks: vec!["a".into()],
                at: None,
                json: true
            }
        );
        assert_eq!(cmd(&["help"]), Command::Help);
        assert_eq!(
            cmd(&["check"]),
            Command::Check {
                tasks: vec![],
                at: None,
                json: false
            }
        );
        assert_eq!(
            cmd(&["check", "a", "--at", "08:05", "b"]),
            Command::Check {
                tasks: vec!["a".into(), "b".into()],
                at: Some("08:05".into()),
                json: false
            }
        );
        assert_eq!(
            cmd(&["list", "--at=2024-01-03T08:05"]),
            Command::List {
                at: Some("2024-01-03T08:05".into()),
                wide: false,
                json: false
            }
        );
        assert_eq!(
            cmd(&["run-task", "a", "--", "-b"]),
            Command::RunTask {
                tasks: vec!["a".into(), "-b".into()]
            }
        );
    }

    #[test]
    fn log_before_or_after_the_command() {
        for args in [
            &["--log", "x.csv", "list"][..],
            &["list", "--log", "x.csv"],
            &["list", "--log=x.csv"],
        ] {
            let inv = p(args).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(inv.log, Some(PathBuf::from("x.csv")));
            assert_eq!(
                inv.command,
                Command::List {
                    at: None,
                    wide: false,
                    json: false
                }
            );
        }
    }

    #[test]
    fn help_wins() {
        assert_eq!(cmd(&["list", "-h"]), Command::Help);
        assert_eq!(cmd(&["--help", "bogus"]), Command::Help);
    }

    #[test]
    fn errors_name_the_argument_and_the_fix() {
        let e = err(&["lsit"]);
        assert_eq!(e.message, "unknown command `lsit`");
        assert_eq!(e.help.as_deref(), Some("did you mean `list`?"));
        let e = err(&["zzzzzz"]);
        assert!(e.help.unwrap_or_default().contains("`run-task`"));
        let e = err(&["list", "--lgo", "x"]);
        assert_eq!(e.message, "unknown option `--lgo`");
        assert_eq!(e.help.as_deref(), Some("did you mean `--log`?"));
        assert_eq!(err(&["list", "--log"]).message, "`--log` needs a value");
        assert_eq!(err(&["check", "--at"]).message, "`--at` needs a value");
        assert_eq!(
            err(&["--log", "a", "--log", "b"]).message,
            "`--log` is given twice"
        );
        assert_eq!(
            err(&["run-task"]).message,
            "`run-task` needs the name of the task to run"
        );
        assert_eq!(
            err(&["run", "--at", "08:00"]).message,
            "`--at` applies only to `check` and `list`"
        );
        assert_eq!(
            err(&["run-task", "a", "--json"]).message,
            "`--json` applies only to `check`, `list` and `history`"
        );
        assert_eq!(
            err(&["check", "--wide"]).message,
            "`--wide` applies only to `list`"
        );
        assert_eq!(
            err(&["list", "wake_up"]).help.as_deref(),
            Some("to explain one task, write `check wake_up`")
        );
        assert!(err(&["run", "x"])
            .message
            .contains("`run` takes no arguments"));
        assert_eq!(
            err(&["--log"]).to_string(),
            "error: `--log` needs a value\n  help: write `--log PATH`"
        );
    }
}
