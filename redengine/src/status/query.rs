//! URL query strings: percent-decoding and the filters the history and timeline take.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::log::{Action, HistoryQuery};

/// The most records one history page shows.
pub(crate) const PAGE: usize = 50;
/// The most runs one timeline draws.
pub(crate) const MAX_RUNS: usize = 5000;

/// `%xx` and `+` decoded; bad escapes are kept as written.
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `%xx`-encodes everything but unreserved characters (for links).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A parsed query string.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(text: &str) -> Query {
        Query(
            text.split('&')
                .filter(|p| !p.is_empty())
                .take(32)
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The first non-empty value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// `since`/`until`: RFC 3339, `YYYY-MM-DDTHH:MM[:SS]` (UTC) or a date.
    pub(crate) fn time(&self, key: &str) -> Result<Option<DateTime<Utc>>, String> {
        let Some(text) = self.get(key) else {
            return Ok(None);
        };
        parse_time(text).map(Some).ok_or_else(|| {
            format!("`{key}={text}` is not a time: use 2024-01-03T08:00:00Z or 2024-01-03")
        })
    }

    /// The range of the timeline: `since`/`until`, by default the 24 hours before `now`.
    pub(crate) fn range(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
        let until = self.time("until")?.unwrap_or(now);
        let since = self.time("since")?.unwrap_or(until - TimeDelta::hours(24));
        if since >= until {
            return Err("`since` must be before `until`".to_string());
        }
        Ok((since, until))
    }

    /// The history filter: `task`, `outcome` (an action, or `failed`), `since`, `until`,
    /// `page` (from 1), [`PAGE`] records a page; plus the page number.
    pub(crate) fn history(&self) -> Result<(HistoryQuery, usize), String> {
        let mut q = HistoryQuery::new();
        if let Some(task) = self.get("task") {
            q = q.task(task);
        }
        match self.get("outcome") {
            None => {}
            Some("failed") => q = q.failed(),
            Some("finished") => q = q.finished(),
            Some(text) => {
                let action: Action = text.parse().map_err(|_| {
                    format!("`outcome={text}` is not an outcome: use run, success, fail, inaction, terminate, crash, failed or finished")
                })?;
                q = q.action(action);
            }
        }
        if let Some(at) = self.time("since")? {
            q = q.since(at);
        }
        if let Some(at) = self.time("until")? {
            q = q.until(at);
        }
        let page = match self.get("page") {
            None => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| format!("`page={p}` is not a page number from 1"))?,
        };
        Ok((q.offset((page - 1) * PAGE).limit(PAGE + 1), page))
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_encodes() {
        assert_eq!(decode("a%20b+c%3Cd%"), "a b c<d%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(
            decode(&encode("<script>alert(1)</script>")),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn history_filters() {
        let q = Query::parse("task=x&outcome=failed&page=2");
        let (h, page) = q.history().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page, 2);
        assert!(h.actions().contains(&Action::Crash));
        assert!(Query::parse("outcome=bogus").history().is_err());
        assert!(Query::parse("since=yesterday").history().is_err());
        assert!(Query::parse("page=0").history().is_err());
    }
}
