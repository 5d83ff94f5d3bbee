//! A throw-away PostgreSQL server for the tests that need one: `initdb` in a temporary
//! directory as the `postgres` system user (PostgreSQL refuses to run as root), listening
//! on 127.0.0.1 on a free port with trust authentication, one per test binary, one
//! database per test. A watcher process stops the server (`pg_ctl stop -m immediate`) and
//! deletes its directory when the test binary exits, however it exits.
//!
//! Where the PostgreSQL binaries are missing, the tests fail with the command that
//! installs them; nothing is skipped.
//!
//! The bench's cluster rows use this same file (`bench/src/cluster.rs` includes it by
//! path): they call [`try_server`]/[`try_database`] and report the reason in their rows
//! instead of failing the whole bench.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The running server of this test binary.
pub struct PgServer {
    pub port: u16,
    pub dir: PathBuf,
    bin: PathBuf,
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// The directory of `initdb`, `pg_ctl` and `postgres`: `REDENGINE_PG_BIN`, else the
/// newest `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("REDENGINE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => Ok(bin),
        None => Err(
            "these tests need a PostgreSQL server, and its binaries (initdb, pg_ctl, \
             postgres) are not in /usr/lib/postgresql/*/bin: install them with \
             `apt-get install -y postgresql` (or point REDENGINE_PG_BIN at their directory)"
                .to_owned(),
        ),
    }
}

/// The uid and gid of the `postgres` user, when running as root.
fn postgres_ids() -> Result<Option<(u32, u32)>, String> {
    use std::os::unix::fs::MetadataExt as _;
    // /proc/self belongs to the process's effective user.
    if std::fs::metadata("/proc/self").map_or(1, |m| m.uid()) != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .ok_or("running as root, the tests run PostgreSQL as the `postgres` user, which does not exist: `apt-get install -y postgresql` creates it")?;
    let fields: Vec<&str> = line.split(':').collect();
    let id = |i: usize| fields.get(i).and_then(|f| f.parse().ok());
    match (id(2), id(3)) {
        (Some(uid), Some(gid)) => Ok(Some((uid, gid))),
        _ => Err(format!(
            "/etc/passwd has an unreadable `postgres` line: {line}"
        )),
    }
}

/// A command run as the `postgres` user when we are root (`ids`: [`postgres_ids`]).
fn as_postgres(program: &Path, ids: Option<(u32, u32)>) -> Command {
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = ids {
        cmd.uid(uid).gid(gid);
    }
    cmd.env_remove("PGDATA").env("LC_ALL", "C");
    cmd
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

impl PgServer {
    fn start() -> Result<PgServer, String> {
        let bin = bin_dir()?;
        let ids = postgres_ids()?;
        let dir = std::env::temp_dir().join(format!("redengine-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        if let Some((uid, gid)) = ids {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("cannot give {} to `postgres`: {e}", dir.display()))?;
        }
        let data = dir.join("data");
        let out = as_postgres(&bin.join("initdb"), ids)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            dir.display()
        );
        let out = as_postgres(&bin.join("pg_ctl"), ids)
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "pg_ctl start failed: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            ));
        }
        // The watcher: once this test binary is gone, stop the server and delete it.
        let script = format!(
            "while [ -e /proc/{pid} ]; do sleep 0.5; done; \
             '{ctl}' -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            ctl = bin.join("pg_ctl").display(),
            data = data.display(),
            dir = dir.display(),
        );
        // Never waited for: it outlives this process on purpose.
        #[allow(clippy::zombie_processes)]
        let _watcher = as_postgres(Path::new("/bin/sh"), ids)
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start the server's watcher: {e}"))?;
        Ok(PgServer { port, dir, bin })
    }

    /// `psql`-free SQL on the server's `postgres` database.
    pub fn admin(&self, sql: &str) {
        self.try_admin(sql).unwrap_or_else(|e| panic!("{e}"));
    }

    /// [`admin`](Self::admin), reporting a failure.
    pub fn try_admin(&self, sql: &str) -> Result<(), String> {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .map_err(|e| format!("cannot connect to the test server: {e}"))?;
        client
            .batch_execute(sql)
            .map_err(|e| format!("admin SQL `{sql}` failed: {e}"))
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// The shared server, started on first use.
pub fn server() -> &'static PgServer {
    try_server().unwrap_or_else(|e| panic!("{e}"))
}

/// The shared server, or why there is none (the binaries are missing, `initdb` failed).
pub fn try_server() -> Result<&'static PgServer, String> {
    SERVER
        .get_or_init(PgServer::start)
        .as_ref()
        .map_err(Clone::clone)
}

/// A new, empty database for one test: its URL.
pub fn database(name: &str) -> String {
    try_database(name).unwrap_or_else(|e| panic!("{e}"))
}

/// [`database`], or why there is none.
pub fn try_database(name: &str) -> Result<String, String> {
    let server = try_server()?;
    let n = NEXT_DB.fetch_add(1, Ordering::Relaxed);
    let db: String = format!("{name}_{n}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    server.try_admin(&format!("CREATE DATABASE \"{db}\""))?;
    Ok(server.url(&db))
}
