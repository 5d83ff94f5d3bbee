//! Reading the fields of a `[[task]]` entry with their spans: byte offsets become
//! `file:line:column`, wrong types and bad values become problems (all collected).

use redengine_conditions::{parse_all, Zone};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::config::Timeout;
use crate::error::Problem;
use crate::location::Location;
use crate::misfire::Misfire;
use crate::retry::{self, RetrySpec};

/// Byte offsets → 1-based line and column.
pub(super) struct Lines<'a> {
    pub(super) file: &'static str,
    pub(super) text: &'a str,
}

impl<'a> Lines<'a> {
    pub(super) fn new(file: &'static str, text: &'a str) -> Self {
        Lines { file, text }
    }

    pub(super) fn line_col(&self, at: usize) -> (u32, u32) {
        let before = self.text.get(..at).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    pub(super) fn problem(&self, at: usize, message: String) -> Problem {
        let (line, column) = self.line_col(at);
        Problem {
            location: Some(Location::new(self.file, line, column)),
            message,
        }
    }
}

/// The fields of one entry, read with their spans; problems collected.
pub(super) struct Entry<'a, 'i> {
    pub(super) lines: &'a Lines<'a>,
    pub(super) table: &'a DeTable<'i>,
    pub(super) problems: Vec<Problem>,
}

impl<'i> Entry<'_, 'i> {
    pub(super) fn error(&mut self, at: usize, message: String) {
        let p = self.lines.problem(at, message);
        self.problems.push(p);
    }

    pub(super) fn get(&self, key: &str) -> Option<&Spanned<DeValue<'i>>> {
        self.table.get(key)
    }

    fn wrong_type(&mut self, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        let found = value.get_ref().type_str();
        self.error(
            value.span().start,
            format!("`{key}` must be {expected}, found {found}"),
        );
    }

    pub(super) fn string(&mut self, key: &str) -> Option<(String, usize)> {
        let value = self.get(key)?.clone();
        match value.get_ref().as_str() {
            Some(s) => Some((s.to_string(), value.span().start)),
            None => {
                self.wrong_type(key, &value, "a string");
                None
            }
        }
    }

    pub(super) fn strings(&mut self, key: &str) -> Option<(Vec<String>, usize)> {
        let value = self.get(key)?.clone();
        let words: Option<Vec<String>> = value.get_ref().as_array().and_then(|a| {
            a.iter()
                .map(|v| v.get_ref().as_str().map(str::to_string))
                .collect()
        });
        if words.is_none() {
            self.wrong_type(key, &value, "an array of strings");
        }
        words.map(|w| (w, value.span().start))
    }

    pub(super) fn integer(&mut self, key: &str, label: &str) -> Option<i32> {
        let value = self.get(key)?.clone();
        let parsed = value
            .get_ref()
            .as_integer()
            .and_then(|i| i32::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok());
        if parsed.is_none() {
            self.error(
                value.span().start,
                format!(
                    "{label}: `{key}` must be an integer between {} and {}",
                    i32::MIN,
                    i32::MAX
                ),
            );
        }
        parsed
    }

    pub(super) fn boolean(&mut self, key: &str, label: &str) -> Option<bool> {
        let value = self.get(key)?.clone();
        let parsed = value.get_ref().as_bool();
        if parsed.is_none() {
            self.wrong_type(key, &value, &format!("`true` or `false` ({label})"));
        }
        parsed
    }

    /// A condition, checked with the same parser as every other condition; each parse
    /// error is reported on the line the string starts.
    pub(super) fn condition(&mut self, key: &str, label: &str) -> Option<String> {
        let (text, at) = self.string(key)?;
        match parse_all(&text) {
            Ok(_) => Some(text),
            Err(errors) => {
                for e in errors {
                    self.error(at, format!("{label}: invalid {key}: {e}"));
                }
                None
            }
        }
    }

    /// `timeout`: a duration string, a number of seconds, or `"never"`.
    pub(super) fn timeout(&mut self, label: &str) -> Option<String> {
        let value = self.get("timeout")?.clone();
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(i) => i.as_str().replace('_', ""),
            DeValue::Float(f) => f.as_str().to_string(),
            _ => {
                self.wrong_type(
                    "timeout",
                    &value,
                    "a duration string or a number of seconds",
                );
                return None;
            }
        };
        match Timeout::parse(&text) {
            Ok(_) => Some(text),
            Err(e) => {
                self.error(
                    value.span().start,
                    format!(
                        "{label}: invalid timeout `{text}` ({e}); expected {}",
                        Timeout::ACCEPTED
                    ),
                );
                None
            }
        }
    }

    // retries: `retries`, `retry_delay`, `retry_backoff`, `retry_max_delay`,
    // `retry_jitter`, `max_instances`; each value checked by the runtime's own rules.

    /// The retry and instance keys, each bad value a problem on its line.
    pub(super) fn retry(&mut self, label: &str) -> RetrySpec {
        let mut spec = RetrySpec::default();
        if let Some(value) = self.get("retries").cloned() {
            let n = value
                .get_ref()
                .as_integer()
                .map(|i| i.as_str().replace('_', ""));
            match n.as_deref().map(str::parse::<u64>) {
                Some(Ok(n)) => match retry::check_retries(n) {
                    Ok(n) => spec.retries = Some(n),
                    Err(e) => self.error(value.span().start, format!("{label}: {e}")),
                },
                _ => self.wrong_type("retries", &value, "a whole number such as 3"),
            }
        }
        for key in ["retry_delay", "retry_max_delay"] {
            let Some(value) = self.get(key).cloned() else {
                continue;
            };
            let text = match value.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i.as_str().replace('_', ""),
                DeValue::Float(f) => f.as_str().to_string(),
                _ => {
                    self.wrong_type(key, &value, "a duration string or a number of seconds");
                    continue;
                }
            };
            match retry::parse_delay(key, &text) {
                Ok(_) if key == "retry_delay" => spec.delay = Some(text),
                Ok(_) => spec.max_delay = Some(text),
                Err(e) => self.error(value.span().start, format!("{label}: {e}")),
            }
        }
        if let Some(value) = self.get("retry_backoff").cloned() {
            match number(value.get_ref()) {
                Some(f) => match retry::check_backoff(f) {
                    Ok(f) => spec.backoff = Some(f),
                    Err(e) => self.error(value.span().start, format!("{label}: {e}")),
                },
                None => self.wrong_type("retry_backoff", &value, "a number such as 2.0"),
            }
        }
        if let Some(value) = self.get("retry_jitter").cloned() {
            let fraction = match value.get_ref() {
                DeValue::Boolean(true) => Some(retry::DEFAULT_JITTER),
                DeValue::Boolean(false) => Some(0.0),
                other => number(other),
            };
            match fraction {
                Some(f) => match retry::check_jitter(f) {
                    Ok(f) => spec.jitter = Some(f),
                    Err(e) => self.error(value.span().start, format!("{label}: {e}")),
                },
                None => self.wrong_type("retry_jitter", &value, "`true`, `false` or a fraction"),
            }
        }
        if let Some(value) = self.get("max_instances").cloned() {
            let n = value
                .get_ref()
                .as_integer()
                .map(|i| i.as_str().replace('_', ""));
            match n.as_deref().map(str::parse::<u64>) {
                Some(Ok(n)) => match retry::check_max_instances(n) {
                    Ok(n) => spec.max_instances = Some(n),
                    Err(e) => self.error(value.span().start, format!("{label}: {e}")),
                },
                _ => self.wrong_type("max_instances", &value, "a whole number such as 2"),
            }
        }
        spec
    }

    // zones: the task's time zone and misfire policy.
    /// `zone`: a zone name, read now so a misspelled one is reported on its line.
    pub(super) fn zone(&mut self, label: &str) -> Option<Zone> {
        let (text, at) = self.string("zone")?;
        match Zone::from_name(&text) {
            Ok(zone) => Some(zone),
            Err(e) => {
                self.error(at, format!("{label}: zone: {e}"));
                None
            }
        }
    }

    /// `misfire`: `run_if_open`, `skip` or `run_once`.
    pub(super) fn misfire(&mut self, label: &str) -> Option<Misfire> {
        let (text, at) = self.string("misfire")?;
        match text.parse::<Misfire>() {
            Ok(policy) => Some(policy),
            Err(e) => {
                self.error(at, format!("{label}: {e}"));
                None
            }
        }
    }

    /// A table of text values (`parameters`, `env`): numbers and booleans become text.
    pub(super) fn text_table(&mut self, key: &str, label: &str) -> Vec<(String, String)> {
        let Some(value) = self.get(key).cloned() else {
            return Vec::new();
        };
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(key, &value, "a table (`{ name = \"value\" }`)");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in table.iter() {
            let text = match v.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i.as_str().to_string(),
                DeValue::Float(f) => f.as_str().to_string(),
                DeValue::Boolean(b) => b.to_string(),
                other => {
                    self.error(
                        v.span().start,
                        format!(
                            "{label}: `{key}.{}` must be a string, number or boolean, found {}",
                            k.get_ref(),
                            other.type_str()
                        ),
                    );
                    continue;
                }
            };
            out.push((k.get_ref().to_string(), text));
        }
        out
    }
}

/// A TOML number as `f64` (a decimal integer too: `retry_backoff = 2`).
fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}
