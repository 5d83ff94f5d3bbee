//! A throw-away PostgreSQL server for the tests that need one: `initdb` in a temporary
//! directory as the `postgres` system user (PostgreSQL refuses to run as root), listening
//! on 127.0.0.1 on a free port with trust authentication, one per test binary, one
//! database per test. A watcher process stops the server (`pg_ctl stop -m immediate`) and
//! deletes its directory when the test binary exits, however it exits.
//!
//! Where the PostgreSQL binaries are missing, the tests fail with the command that
//! installs them; nothing is skipped.

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

static SERVER: OnceLock<PgServer> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// The directory of `initdb`, `pg_ctl` and `postgres`: `REDENGINE_PG_BIN`, else the
/// newest `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("REDENGINE_PG_BIN") {
        return PathBuf::from(dir);
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
        Some((_, bin)) => bin,
        None => panic!(
            "these tests need a PostgreSQL server, and its binaries (initdb, pg_ctl, \
             postgres) are not in /usr/lib/postgresql/*/bin: install them with \
             `apt-get install -y postgresql` (or point REDENGINE_PG_BIN at their directory)"
        ),
    }
}

/// The uid and gid of the `postgres` user, when running as root.
fn postgres_ids() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt as _;
    // /proc/self belongs to the process's effective user.
    if std::fs::metadata("/proc/self").map_or(1, |m| m.uid()) != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("running as root, the tests run PostgreSQL as the `postgres` user, which does not exist: `apt-get install -y postgresql` creates it");
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
}

/// A command run as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = postgres_ids() {
        cmd.uid(uid).gid(gid);
    }
    cmd.env_remove("PGDATA").env("LC_ALL", "C");
    cmd
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

impl PgServer {
    fn start() -> PgServer {
        let bin = bin_dir();
        let dir = std::env::temp_dir().join(format!("redengine-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if let Some((uid, gid)) = postgres_ids() {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
        }
        let data = dir.join("data");
        let out = as_postgres(&bin.join("initdb"))
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
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            dir.display()
        );
        let out = as_postgres(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
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
        let _watcher = as_postgres(Path::new("/bin/sh"))
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the server's watcher");
        PgServer { port, dir, bin }
    }

    /// `psql`-free SQL on the server's `postgres` database.
    pub fn admin(&self, sql: &str) {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test server");
        client.batch_execute(sql).expect("admin SQL");
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// The shared server, started on first use.
pub fn server() -> &'static PgServer {
    SERVER.get_or_init(PgServer::start)
}

/// A new, empty database for one test: its URL.
pub fn database(name: &str) -> String {
    let server = server();
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
    server.admin(&format!("CREATE DATABASE \"{db}\""));
    server.url(&db)
}
