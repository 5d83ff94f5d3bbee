//! `status`: which node leads the cluster, which stand by, and the runs in flight, read
//! from the database (works from any node, while the leader runs).

use postgres::{Client, NoTls};

use crate::log::LEADER_KEY;

/// The report of `status` for the cluster on `url`, or the error to print.
pub(crate) fn status(url: &str) -> Result<String, String> {
    let fail = |what: &str, e: postgres::Error| {
        let inner = std::error::Error::source(&e).map_or(String::new(), |s| format!(": {s}"));
        format!(
            "`status`: cannot {what} the PostgreSQL log ({e}{inner}): check that the server \
             runs and accepts the URL given with `--log` or `log_postgres`"
        )
    };
    let mut config = crate::log::postgres_config(url).map_err(|e| fail("read the URL of", e))?;
    config
        .application_name("redengine status")
        .connect_timeout(std::time::Duration::from_secs(10));
    let mut client = config.connect(NoTls).map_err(|e| fail("connect to", e))?;
    let mut out = String::new();
    let nodes = nodes(&mut client).map_err(|e| fail("read the nodes of", e))?;
    match nodes.iter().find(|n| n.leads) {
        Some(leader) => out.push_str(&format!(
            "leader: {} (connected since {})\n",
            leader.name, leader.since
        )),
        None => out.push_str("leader: none (no scheduler holds the leadership)\n"),
    }
    let standbys: Vec<String> = nodes
        .iter()
        .filter(|n| !n.leads)
        .map(|n| format!("{} (since {})", n.name, n.since))
        .collect();
    if standbys.is_empty() {
        out.push_str("standbys: none\n");
    } else {
        out.push_str(&format!("standbys: {}\n", standbys.join(", ")));
    }
    let queue = queue(&mut client).map_err(|e| fail("read the queue of", e))?;
    out.push_str(&queue);
    let running = running(&mut client).map_err(|e| fail("read the runs of", e))?;
    if running.is_empty() {
        out.push_str("running: none\n");
    } else {
        out.push_str(&format!("running: {}\n", running.len()));
        for (task, node, attempt, since) in running {
            out.push_str(&format!(
                "  {task} (attempt {attempt}) on {node} since {since}\n"
            ));
        }
    }
    Ok(out)
}

/// A scheduler connected to the database.
struct Node {
    name: String,
    since: String,
    leads: bool,
}

/// The schedulers' writing connections, leader first.
fn nodes(client: &mut Client) -> Result<Vec<Node>, postgres::Error> {
    let rows = client.query(
        "SELECT a.application_name, to_char(a.backend_start AT TIME ZONE 'UTC', \
         'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), EXISTS (SELECT 1 FROM pg_locks l WHERE \
         l.pid = a.pid AND l.locktype = 'advisory' AND l.granted AND l.classid = $1 \
         AND l.objid = $2 AND l.objsubid = 1) AS leads FROM pg_stat_activity a \
         WHERE a.datname = current_database() AND a.application_name LIKE 'redengine scheduler %' \
         ORDER BY leads DESC, a.backend_start",
        &[
            &postgres::types::Oid::try_from(LEADER_KEY >> 32).unwrap_or(0),
            &postgres::types::Oid::try_from(LEADER_KEY & 0xffff_ffff).unwrap_or(0),
        ],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let app: String = r.get(0);
            Node {
                name: app.rsplit(' ').next().unwrap_or(&app).to_owned(),
                since: r.get(1),
                leads: r.get(2),
            }
        })
        .collect())
}

/// The runs with a `run` record and no finish yet: task, node, attempt, start.
fn running(client: &mut Client) -> Result<Vec<(String, String, i32, String)>, postgres::Error> {
    let exists = client
        .query_one("SELECT to_regclass('redengine_records') IS NOT NULL", &[])?
        .get::<_, bool>(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client.query(
        "SELECT r.task, r.node, r.attempt, to_char(to_timestamp(r.created / 1e6) AT TIME ZONE \
         'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM redengine_records r \
         WHERE r.action = 'run' AND r.id = (SELECT max(id) FROM redengine_records x \
         WHERE x.task = r.task) ORDER BY r.id",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// The workers with their last heartbeat, and the queue's counts (schema version 2).
fn queue(client: &mut Client) -> Result<String, postgres::Error> {
    let exists = client
        .query_one("SELECT to_regclass('redengine_workers') IS NOT NULL", &[])?
        .get::<_, bool>(0);
    if !exists {
        return Ok("workers: none\n".to_owned());
    }
    let mut out = String::new();
    let workers = client.query(
        "SELECT name, to_char(heartbeat AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
         extract(epoch FROM now() - heartbeat)::float8 FROM redengine_workers \
         ORDER BY heartbeat DESC",
        &[],
    )?;
    if workers.is_empty() {
        out.push_str("workers: none\n");
    } else {
        out.push_str(&format!("workers: {}\n", workers.len()));
        for w in &workers {
            let (name, at, ago): (String, String, f64) = (w.get(0), w.get(1), w.get(2));
            out.push_str(&format!("  {name}: last heartbeat {at} ({ago:.0} s ago)\n"));
        }
    }
    let row = client.query_one(
        "SELECT count(*) FILTER (WHERE state = 'queued'), \
         count(*) FILTER (WHERE state IN ('running', 'cancel')) FROM redengine_queue",
        &[],
    )?;
    let (queued, taken): (i64, i64) = (row.get(0), row.get(1));
    out.push_str(&format!("queue: {queued} queued, {taken} on workers\n"));
    Ok(out)
}
