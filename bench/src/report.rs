//! Rows of the performance-target table (the README's Performance section) and their two
//! renderings: a human table and JSON.

use serde::Serialize;

/// The unit a row's numbers are in (also how they are printed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unit {
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Task runs per second.
    RunsPerSec,
    /// Percent of one core.
    PercentCore,
    /// Mebibytes.
    Mib,
}

impl Unit {
    fn suffix(self) -> &'static str {
        match self {
            Unit::Ns => "ns",
            Unit::Us => "µs",
            Unit::Ms => "ms",
            Unit::RunsPerSec => "/s",
            Unit::PercentCore => "%",
            Unit::Mib => "MiB",
        }
    }
}

/// Which side of the target passes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub(crate) enum Target {
    /// Lower is better: pass when `ours <= value`.
    AtMost(f64),
    /// Higher is better: pass when `ours >= value`.
    AtLeast(f64),
    /// Pass when `ours < value`.
    Below(f64),
    /// No target: the row is shown for what it tells (what an fsync per record costs,
    /// what memory the kept records take), and neither passes nor fails.
    Measured,
}

impl Target {
    fn value(self) -> Option<f64> {
        match self {
            Target::AtMost(v) | Target::AtLeast(v) | Target::Below(v) => Some(v),
            Target::Measured => None,
        }
    }

    fn passes(self, ours: f64) -> Option<bool> {
        match self {
            Target::AtMost(v) => Some(ours <= v),
            Target::AtLeast(v) => Some(ours >= v),
            Target::Below(v) => Some(ours < v),
            Target::Measured => None,
        }
    }

    fn op(self) -> &'static str {
        match self {
            Target::AtMost(_) => "≤",
            Target::AtLeast(_) => "≥",
            Target::Below(_) => "<",
            Target::Measured => "",
        }
    }
}

/// One measured row.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    /// Stable machine name (`cond_check_1k`, …).
    pub(crate) key: &'static str,
    /// The metric's name, as the README's Performance table shows it.
    pub(crate) metric: String,
    pub(crate) unit: Unit,
    /// `None`: not measurable in this build (see `note`).
    pub(crate) ours: Option<f64>,
    pub(crate) target: Target,
    /// What raw Rust/OS primitives cost here, measured in the same run.
    pub(crate) floor: Option<f64>,
    /// `ours / target`.
    pub(crate) ratio_target: Option<f64>,
    /// `ours / floor`.
    pub(crate) ratio_floor: Option<f64>,
    /// `None` when not measured.
    pub(crate) pass: Option<bool>,
    pub(crate) note: Option<String>,
}

impl Row {
    /// A row; ratios and pass are derived.
    pub(crate) fn new(
        key: &'static str,
        metric: impl Into<String>,
        unit: Unit,
        ours: Option<f64>,
        target: Target,
        floor: Option<f64>,
    ) -> Row {
        let ours = ours.filter(|v| v.is_finite());
        let floor = floor.filter(|v| v.is_finite() && *v > 0.0);
        Row {
            key,
            metric: metric.into(),
            unit,
            ours,
            target,
            floor,
            ratio_target: ours.zip(target.value()).map(|(o, t)| o / t),
            ratio_floor: ours.zip(floor).map(|(o, f)| o / f),
            pass: ours.and_then(|o| target.passes(o)),
            note: None,
        }
    }
}

/// Formats a number with a precision that suits its size.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 10_000.0 {
        let int = v.round() as i64;
        // thousands separators keep runs/s readable
        let digits = int.abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if int < 0 {
            out.insert(0, '-');
        }
        out
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 || a == 0.0 {
        format!("{v:.2}")
    } else {
        // three significant digits for small values (a 4 µs pipeline in ms: 0.00412)
        let decimals = (2.0 - a.log10().floor()).clamp(2.0, 8.0) as usize;
        format!("{v:.decimals$}")
    }
}

fn with_unit(v: f64, unit: Unit) -> String {
    format!("{} {}", num(v), unit.suffix())
}

/// The human table: one line per row, then the notes.
pub(crate) fn table(rows: &[Row], header: &str) -> String {
    let mut lines = vec![header.to_string(), String::new()];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let ours = match r.ours {
                Some(v) => with_unit(v, r.unit),
                None => "n/a".to_string(),
            };
            let target = r.target.value().map_or_else(
                || "—".to_string(),
                |v| format!("{} {}", r.target.op(), with_unit(v, r.unit)),
            );
            let floor = r.floor.map_or_else(String::new, |f| with_unit(f, r.unit));
            let rt = r
                .ratio_target
                .map_or_else(String::new, |x| format!("{x:.3}"));
            let rf = r
                .ratio_floor
                .map_or_else(String::new, |x| format!("{x:.2}"));
            let pass = match (r.pass, r.target) {
                (Some(true), _) => "pass",
                (Some(false), _) => "FAIL",
                (None, Target::Measured) if r.ours.is_some() => "measured",
                (None, _) => "n/a",
            };
            [
                r.metric.clone(),
                ours,
                target,
                floor,
                rt,
                rf,
                pass.to_string(),
            ]
        })
        .collect();
    let head = [
        "metric",
        "ours",
        "target",
        "floor",
        "ours/target",
        "ours/floor",
        "",
    ];
    let mut widths = head.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: [&str; 7]| {
        let mut out = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(c.chars().count());
            if i == 0 {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            }
        }
        out.trim_end().to_string()
    };
    lines.push(line(head));
    for row in &cells {
        lines.push(line(row.each_ref().map(String::as_str)));
    }
    let notes: Vec<String> = rows
        .iter()
        .filter_map(|r| r.note.as_ref().map(|n| format!("- {}: {n}", r.metric)))
        .collect();
    if !notes.is_empty() {
        lines.push(String::new());
        lines.extend(notes);
    }
    lines.join("\n")
}

/// The JSON document: the header facts, then every row.
pub(crate) fn json(rows: &[Row], machine: &Machine, runs: usize) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        machine: &'a Machine,
        runs: usize,
        all_pass: bool,
        rows: &'a [Row],
    }
    let all_pass = rows.iter().all(|r| r.pass != Some(false));
    let doc = Doc {
        machine,
        runs,
        all_pass,
        rows,
    };
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the report: {e}\"}}"))
}

/// The machine the numbers were taken on.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Machine {
    pub(crate) cpu: String,
    pub(crate) cores: usize,
    pub(crate) kernel: String,
}

impl Machine {
    /// Reads `/proc/cpuinfo` and `/proc/sys/kernel/osrelease` (unknown if unreadable).
    pub(crate) fn detect() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_else(|| "unknown".to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Machine { cpu, cores, kernel }
    }

    /// One line for the table header.
    pub(crate) fn describe(&self) -> String {
        format!("{} ({} cores), Linux {}", self.cpu, self.cores, self.kernel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_pass() {
        let r = Row::new(
            "k",
            "m",
            Unit::Ns,
            Some(100.0),
            Target::AtMost(200.0),
            Some(50.0),
        );
        assert_eq!(r.ratio_target, Some(0.5));
        assert_eq!(r.ratio_floor, Some(2.0));
        assert_eq!(r.pass, Some(true));
        let r = Row::new(
            "k",
            "m",
            Unit::RunsPerSec,
            Some(10.0),
            Target::AtLeast(20.0),
            None,
        );
        assert_eq!(r.pass, Some(false));
        let r = Row::new("k", "m", Unit::Ms, None, Target::AtMost(1.0), None);
        assert_eq!(r.pass, None);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(123_456.7), "123,457");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(1.234), "1.23");
        assert_eq!(num(0.004123), "0.00412");
        assert_eq!(num(0.5), "0.500");
    }

    #[test]
    fn table_has_a_line_per_row() {
        let rows = vec![
            Row::new("a", "first", Unit::Us, Some(1.0), Target::AtMost(2.0), None),
            Row::new("b", "second", Unit::Us, None, Target::AtMost(2.0), None),
        ];
        let mut rows = rows;
        rows[1].note = Some("why".to_string());
        let text = table(&rows, "head");
        assert!(text.contains("first"));
        assert!(text.contains("- second: why"));
        let parsed: serde_json::Value =
            serde_json::from_str(&json(&rows, &Machine::detect(), 1)).unwrap_or_default();
        assert_eq!(parsed["rows"].as_array().map(Vec::len), Some(2));
    }
}
