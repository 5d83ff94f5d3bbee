//! Which records the console prints: `RUST_LOG`-style directives (`warn`,
//! `info,redengine::task=warn`, `off`), read from `REDENGINE_LOG`.

use log::{Level, LevelFilter};

/// A default level and per-target levels (the longest matching target prefix wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    default: LevelFilter,
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    /// Everything at `level` and above.
    pub(crate) fn level(level: LevelFilter) -> Filter {
        Filter {
            default: level,
            targets: Vec::new(),
        }
    }

    /// Parses comma-separated directives: `LEVEL` (the default) or `TARGET=LEVEL`, the
    /// levels `off`, `error`, `warn`, `info`, `debug`, `trace` in any case. Directives
    /// add to `self` (a bare level replaces its default). The error names the bad
    /// directive and the accepted forms.
    pub(crate) fn parse(mut self, text: &str) -> Result<Filter, String> {
        for directive in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let (target, level) = match directive.split_once('=') {
                Some((target, level)) => (Some(target.trim()), level.trim()),
                None => (None, directive),
            };
            let Ok(level) = level.parse::<LevelFilter>() else {
                return Err(format!(
                    "`{directive}` is not a log level: write one of off, error, warn, info, \
                     debug, trace, or TARGET=LEVEL (e.g. `warn,redengine::task=info`)"
                ));
            };
            match target {
                None => self.default = level,
                Some("") => return Err(format!("`{directive}` names no target before `=`")),
                Some(target) => self.targets.push((target.to_string(), level)),
            }
        }
        Ok(self)
    }

    /// Whether a record of `level` on `target` is printed.
    pub(crate) fn enabled(&self, target: &str, level: Level) -> bool {
        let limit = self
            .targets
            .iter()
            .filter(|(prefix, _)| target.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(self.default, |(_, level)| *level);
        level <= limit
    }

    /// The most verbose level any directive lets through (for `log::set_max_level`).
    pub(crate) fn max(&self) -> LevelFilter {
        self.targets
            .iter()
            .map(|(_, level)| *level)
            .fold(self.default, std::cmp::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Filter {
        Filter::level(LevelFilter::Info)
            .parse(text)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn levels_and_targets() {
        let f = parse("");
        assert!(f.enabled("redengine::task", Level::Info));
        assert!(!f.enabled("redengine::task", Level::Debug));
        let f = parse("WARN");
        assert!(!f.enabled("redengine::task", Level::Info));
        assert!(f.enabled("redengine::task", Level::Error));
        let f = parse("off");
        assert!(!f.enabled("redengine::scheduler", Level::Error));
        assert_eq!(f.max(), LevelFilter::Off);
        let f = parse("warn, redengine::task=debug ,redengine=error");
        assert!(f.enabled("redengine::task", Level::Debug));
        assert!(!f.enabled("redengine::scheduler", Level::Warn));
        assert!(f.enabled("myapp", Level::Warn));
        assert_eq!(f.max(), LevelFilter::Debug);
    }

    #[test]
    fn errors_name_the_directive() {
        let e = Filter::level(LevelFilter::Info).parse("info,loud").err();
        assert!(e.is_some_and(|e| e.starts_with("`loud` is not a log level")));
        let e = Filter::level(LevelFilter::Info).parse("=warn").err();
        assert!(e.is_some_and(|e| e.contains("names no target")));
    }
}
