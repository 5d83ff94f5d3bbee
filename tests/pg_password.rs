//! A node whose PostgreSQL URL carries no password finds it where PostgreSQL's own tools
//! look: the `PGPASSWORD` environment variable, or a private password file
//! (`PGPASSFILE`). The throw-away server asks this test's roles for a password
//! (scram-sha-256 on 127.0.0.1), and each node is a real process (`pg_node`) that must
//! connect, take the leadership and launch.

#[path = "common/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::Mutex;
use std::time::Duration;

/// The tests of this binary share its server's `pg_hba.conf`: one edits it at a time.
static HBA: Mutex<()> = Mutex::new(());

/// A database owned by a new role `role` that must give `password` on 127.0.0.1: the URL
/// of that database as the role, without the password.
fn password_database(role: &str, password: &str) -> String {
    let server = pg::server();
    let admin_url = pg::database(role);
    let db = admin_url.rsplit('/').next().unwrap_or_default().to_owned();
    server.admin(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'"));
    server.admin(&format!("ALTER DATABASE \"{db}\" OWNER TO {role}"));
    // The server trusts every role; this role's line goes first, so it is asked.
    let _one = HBA
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let hba = server.dir.join("data").join("pg_hba.conf");
    let rules = std::fs::read_to_string(&hba).expect("read pg_hba.conf");
    std::fs::write(
        &hba,
        format!("host all {role} 127.0.0.1/32 scram-sha-256\n{rules}"),
    )
    .expect("write pg_hba.conf");
    server.admin("SELECT pg_reload_conf()");
    let url = format!("postgres://{role}@127.0.0.1:{}/{db}", server.port);
    // The server does ask: without a password the role cannot connect.
    let refused = postgres::Client::connect(&url, postgres::NoTls)
        .err()
        .map(|e| format!("{e:?}"))
        .expect("the role connected without a password: the server did not ask for one");
    assert!(refused.contains("password"), "{refused}");
    url
}

/// Starts a node on `url` with `env`; panics unless it leads and launches within a
/// minute, with what it printed on stderr.
fn leads(url: &str, env: &[(&str, &str)]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg_node"));
    cmd.args([url, "1000"])
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env("REDENGINE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start pg_node");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let line = BufReader::new(out).lines().map_while(Result::ok).next();
        let _ = tx.send(line);
    });
    let first = rx.recv_timeout(Duration::from_secs(60)).ok().flatten();
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    match first {
        Some(line) if line.starts_with("daily ") || line.starts_with("slow ") => {}
        other => panic!("the node did not lead and launch: it printed {other:?}\nstderr:\n{err}"),
    }
}

#[test]
fn a_password_in_pgpassword_is_used_when_the_url_has_none() {
    let url = password_database("pw_env", "env-s3cret");
    leads(&url, &[("PGPASSWORD", "env-s3cret")]);
}

#[test]
fn a_password_in_a_private_password_file_is_used_when_the_url_has_none() {
    let url = password_database("pw_file", "file:s3cret");
    let port = pg::server().port;
    let db = url.rsplit('/').next().unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("redengine-pgpass-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the password file's directory");
    let file = dir.join("pgpass");
    // A line for another database first; the password's colon is escaped.
    std::fs::write(
        &file,
        format!(
            "# the scheduler's password\n\
             127.0.0.1:{port}:other:pw_file:wrong\n\
             127.0.0.1:{port}:{db}:pw_file:file\\:s3cret\n"
        ),
    )
    .expect("write the password file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
        .expect("make the password file private");
    leads(&url, &[("PGPASSFILE", &file.display().to_string())]);
    let _ = std::fs::remove_dir_all(&dir);
}
