//! The one escaping function every page goes through, the page frame, and how pages
//! write instants.

use chrono::{DateTime, SecondsFormat, Utc};

/// `text` safe inside HTML text and double- or single-quoted attribute values (and SVG):
/// `&`, `<`, `>`, `"` and `'` become entities. Every task name, condition, message and
/// `exc_text` a page shows passes through here.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `2024-01-03 08:00:00` (UTC).
pub(crate) fn show(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

const STYLE: &str = "body{font-family:sans-serif;margin:1em 2em;color:#222}\
table{border-collapse:collapse;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}nav a{margin-right:1em}.success{color:#1a7f37}.fail,.crash{color:#c62828}\
.terminate{color:#b26a00}.inaction{color:#666}.run{color:#1565c0}pre{background:#f6f6f6;padding:6px;white-space:pre-wrap}\
code{font-size:13px}.muted{color:#777}";

/// A whole page: `title` is escaped here, `body` must already be safe HTML.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{} · redengine</title>\
         <style>{STYLE}</style></head><body><nav><a href=\"/\">Tasks</a><a href=\"/timeline\">Timeline</a>\
         <a href=\"/history\">History</a><a href=\"/metrics\">Metrics</a><a href=\"/api/status\">JSON</a></nav>\
         <h1>{}</h1>{body}<script src=\"/static/status.js\"></script></body></html>",
        escape(title),
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape("<script>alert('x' & \"y\")</script>"),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
        assert!(page("<b>", "").contains("<h1>&lt;b&gt;</h1>"));
    }
}
