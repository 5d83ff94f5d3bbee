//! The peers table: one row per scenario, one column per library, and how far ahead of
//! (or behind) the best peer redengine is.

use super::scenarios::{Lib, Scenario, SCENARIOS};
use super::PeerSamples;

/// `value` with three significant digits (more for small numbers), thousands apart.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    if value >= 1_000.0 {
        let int = format!("{value:.0}");
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        return out;
    }
    let decimals = if value == 0.0 {
        2
    } else {
        (2.0 - value.abs().log10().floor()).clamp(0.0, 6.0) as usize
    };
    format!("{value:.decimals$}")
}

/// The best peer's value of `scenario` and that peer.
fn best_peer(s: &PeerSamples, scenario: &Scenario) -> Option<(Lib, f64)> {
    Lib::ALL
        .into_iter()
        .filter(|l| *l != Lib::Ours)
        .filter_map(|l| s.get(scenario.key, l).map(|v| (l, v)))
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| {
            if scenario.higher_is_better {
                b.1.total_cmp(&a.1)
            } else {
                a.1.total_cmp(&b.1)
            }
        })
}

/// How many times better redengine is than `peer` (above 1: ahead).
fn advantage(scenario: &Scenario, ours: f64, peer: f64) -> f64 {
    if scenario.higher_is_better {
        ours / peer
    } else {
        peer / ours
    }
}

fn cell(s: &PeerSamples, key: &'static str, lib: Lib) -> String {
    match (s.get(key, lib), s.errors.get(&(key, lib))) {
        (Some(v), _) if v.is_finite() => number(v),
        (_, Some(_)) => "error".to_string(),
        _ => "–".to_string(),
    }
}

/// The human table (Markdown, so it can go into the README as printed).
pub(super) fn table(s: &PeerSamples, runs: usize) -> String {
    let mut out = format!(
        "redengine and its Rust peers — medians of {runs} interleaved run(s); latency over \
         {} firings\n\n",
        s.firings(Lib::Ours)
    );
    out.push_str(
        "| scenario | unit | redengine | tokio-cron-scheduler | clokwerk | vs best peer |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|\n");
    for scenario in SCENARIOS.iter().filter(|sc| s.wanted(sc.key)) {
        let ratio = match (s.get(scenario.key, Lib::Ours), best_peer(s, scenario)) {
            (Some(ours), Some((_, peer))) if ours.is_finite() => {
                let a = advantage(scenario, ours, peer);
                if a >= 1.0 {
                    format!("{} × ahead", number(a))
                } else {
                    format!("{} × behind", number(1.0 / a))
                }
            }
            _ => "–".to_string(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {ratio} |\n",
            scenario.title,
            scenario.unit,
            cell(s, scenario.key, Lib::Ours),
            cell(s, scenario.key, Lib::Tcs),
            cell(s, scenario.key, Lib::Clokwerk),
        ));
    }
    if let (Some(spawned), Some(ours)) =
        (s.floor(super::BURST_SPAWNED), s.get("burst_10k", Lib::Ours))
    {
        out.push_str(&format!(
            "\nOne thread per task, same runs: 10,000 threads named like tasks, each running \
             an empty body: {} runs/s (redengine's shared pool: {:.2} × that).\n",
            number(spawned),
            ours / spawned
        ));
    }
    if let (Some(p50), Some(p99)) = (s.floor("latency_p50"), s.floor("latency_p99")) {
        out.push_str(&format!(
            "\nThe machine's own wake-up, same runs: one thread waiting on a std `Condvar` for \
             each whole second (timer slack 1 µs, as the scheduler's loop sets it), {} \
             firings: median {} ms, p99 {} ms.\n",
            s.wake.len(),
            number(p50),
            number(p99)
        ));
    }
    for ((key, lib), e) in &s.errors {
        out.push_str(&format!("\n{key} ({}): {e}", lib.key()));
    }
    out
}

/// The same as JSON: per scenario, per library, the value.
pub(super) fn json(s: &PeerSamples, runs: usize) -> String {
    let rows: Vec<serde_json::Value> = SCENARIOS
        .iter()
        .filter(|sc| s.wanted(sc.key))
        .map(|scenario| {
            let mut row = serde_json::Map::new();
            row.insert("key".into(), scenario.key.into());
            row.insert("title".into(), scenario.title.into());
            row.insert("unit".into(), scenario.unit.into());
            for lib in Lib::ALL {
                let v = s.get(scenario.key, lib).filter(|v| v.is_finite());
                row.insert(
                    lib.key().into(),
                    v.map_or(serde_json::Value::Null, Into::into),
                );
            }
            let ratio = s
                .get(scenario.key, Lib::Ours)
                .zip(best_peer(s, scenario))
                .map(|(ours, (_, peer))| advantage(scenario, ours, peer))
                .filter(|v| v.is_finite());
            row.insert(
                "ahead_of_best_peer".into(),
                ratio.map_or(serde_json::Value::Null, Into::into),
            );
            let floor = s.floor(scenario.key).filter(|v| v.is_finite());
            row.insert(
                "floor".into(),
                floor.map_or(serde_json::Value::Null, Into::into),
            );
            serde_json::Value::Object(row)
        })
        .collect();
    serde_json::json!({ "runs": runs, "rows": rows }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_digits() {
        assert_eq!(number(12_345.6), "12,346");
        assert_eq!(number(1.2345), "1.23");
        assert_eq!(number(0.0123), "0.0123");
        assert_eq!(number(f64::NAN), "–");
    }

    #[test]
    fn advantage_follows_the_direction() {
        let lower = SCENARIOS[1];
        assert_eq!(advantage(&lower, 2.0, 4.0), 2.0);
        let higher = SCENARIOS[8];
        assert_eq!(advantage(&higher, 4.0, 2.0), 2.0);
    }
}
