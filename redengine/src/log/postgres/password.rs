//! The connection settings of a PostgreSQL URL, with the password found where PostgreSQL's
//! own tools look when the URL has none: the `PGPASSWORD` environment variable, then the
//! password file (`PGPASSFILE`, else `~/.pgpass`).
//!
//! The client library reads neither, and keeping passwords out of URLs (which end up in
//! unit files, shell histories and `ps`) is what PostgreSQL advises, so without this an
//! operator who follows that advice gets "password missing". The file's format and rules
//! are libpq's: `hostname:port:database:username:password` a line, `*` matching anything
//! in the first four fields, `\:` and `\\` for a colon or a backslash, `#` comments, the
//! first matching line wins, and a file that the group or others may read is ignored (with
//! a warning saying so), as a password file must be private.

use std::path::{Path, PathBuf};

use postgres::config::Host;

/// Where a password may come from: the process's environment, or a test's.
type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The settings of `url`, its password filled in from the environment or the password
/// file when the URL has none.
pub(crate) fn config(url: &str) -> Result<postgres::Config, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    fill(&mut config, &|name| std::env::var(name).ok());
    Ok(config)
}

/// Fills in the password of `config`, if it has none and one is found.
fn fill(config: &mut postgres::Config, vars: Vars<'_>) {
    if config.get_password().is_some() {
        return;
    }
    let found = vars("PGPASSWORD")
        .filter(|p| !p.is_empty())
        .or_else(|| from_file(config, vars));
    if let Some(password) = found {
        config.password(password);
    }
}

/// The password file's line for `config`'s first host that has one.
fn from_file(config: &postgres::Config, vars: Vars<'_>) -> Option<String> {
    let path = vars("PGPASSFILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| vars("HOME").map(|home| Path::new(&home).join(".pgpass")))?;
    let text = read_private(&path)?;
    let user = config
        .get_user()
        .map(str::to_owned)
        .or_else(|| vars("USER"))
        .or_else(|| vars("LOGNAME"))?;
    let database = config.get_dbname().unwrap_or(&user).to_owned();
    let ports = config.get_ports();
    hosts(config).into_iter().enumerate().find_map(|(i, host)| {
        // One port for every host, or one each; 5432 by default.
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        lookup(&text, &host, &port.to_string(), &database, &user)
    })
}

/// The host names a password file line is matched against: a socket directory is
/// `localhost`, as libpq matches it.
fn hosts(config: &postgres::Config) -> Vec<String> {
    let mut names: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(_) => "localhost".to_owned(),
        })
        .collect();
    if names.is_empty() {
        names.extend(config.get_hostaddrs().iter().map(ToString::to_string));
    }
    names
}

/// The file's text if it exists and only its owner may read it; a readable file that the
/// group or others may read too is ignored with a warning, as libpq does.
fn read_private(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: the PostgreSQL password file {} is ignored: the group or others \
                 may read it (make it private with `chmod 600 {}`)",
                path.display(),
                path.display()
            );
            return None;
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read_to_string(path).ok()
}

/// The password of the first line of `text` whose host, port, database and user match.
fn lookup(text: &str, host: &str, port: &str, database: &str, user: &str) -> Option<String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| {
            let (fields, password) = split(line)?;
            let wanted = [host, port, database, user];
            fields
                .iter()
                .zip(wanted)
                .all(|(field, value)| field == "*" || field == value)
                .then_some(password)
        })
}

/// A line's first four fields (unescaped) and the rest, its password (unescaped; it may
/// hold colons). `None` for a line with fewer than five fields.
fn split(line: &str) -> Option<([String; 4], String)> {
    let mut fields: [String; 4] = Default::default();
    let mut chars = line.chars();
    for field in &mut fields {
        loop {
            match chars.next()? {
                ':' => break,
                '\\' => field.push(chars.next()?),
                c => field.push(c),
            }
        }
    }
    let mut password = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => password.extend(chars.next()),
            c => password.push(c),
        }
    }
    Some((fields, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, String)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn password(url: &str, pairs: &[(&str, String)]) -> Option<String> {
        let mut config: postgres::Config = url.parse().ok()?;
        fill(&mut config, &vars(pairs));
        config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// A password file with `text` and `mode`, in a directory of its own.
    fn passfile(name: &str, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let dir =
            std::env::temp_dir().join(format!("redengine-pgpass-{}-{name}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("pgpass");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write pgpass: {e}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("cannot chmod pgpass: {e}"));
        path
    }

    #[test]
    fn lines_split_on_unescaped_colons_and_the_password_keeps_the_rest() {
        let (fields, password) = split(r"db\:1:5432:jobs:sch\\ed:pa:ss\:w\\d").unwrap();
        assert_eq!(
            fields,
            ["db:1", "5432", "jobs", r"sch\ed"].map(String::from)
        );
        assert_eq!(password, r"pa:ss:w\d");
        assert!(split("host:5432:db:user").is_none());
    }

    #[test]
    fn the_first_matching_line_wins_and_a_star_matches_anything() {
        let text = "# comment\n\
                    other:5432:jobs:scheduler:wrong\n\
                    db:*:jobs:scheduler:right\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            lookup(text, "db", "6000", "jobs", "scheduler").as_deref(),
            Some("right")
        );
        assert_eq!(
            lookup(text, "x", "1", "y", "z").as_deref(),
            Some("fallback")
        );
        assert_eq!(
            lookup(
                "db:5432:jobs:scheduler:pw",
                "db",
                "5433",
                "jobs",
                "scheduler"
            ),
            None
        );
    }

    #[test]
    fn a_url_password_wins_then_pgpassword_then_the_file() {
        let file = passfile("order", "127.0.0.1:5432:jobs:scheduler:from-file\n", 0o600);
        let file = file.display().to_string();
        let env = [
            ("PGPASSWORD", "from-env".to_owned()),
            ("PGPASSFILE", file.clone()),
        ];
        let url = "postgres://scheduler@127.0.0.1/jobs";
        assert_eq!(
            password("postgres://scheduler:in-url@127.0.0.1/jobs", &env).as_deref(),
            Some("in-url")
        );
        assert_eq!(password(url, &env).as_deref(), Some("from-env"));
        assert_eq!(
            password(url, &[("PGPASSFILE", file)]).as_deref(),
            Some("from-file")
        );
        assert_eq!(password(url, &[]), None);
    }

    #[test]
    fn the_file_is_matched_on_port_database_and_user_with_their_defaults() {
        let text = "127.0.0.1:5432:scheduler:scheduler:same-as-user\n\
                    127.0.0.1:6000:jobs:scheduler:port-6000\n\
                    localhost:5432:jobs:os-user:socket\n";
        let file = passfile("defaults", text, 0o600).display().to_string();
        let env = [("PGPASSFILE", file), ("USER", "os-user".to_owned())];
        // The database defaults to the user, the port to 5432.
        assert_eq!(
            password("postgres://scheduler@127.0.0.1", &env).as_deref(),
            Some("same-as-user")
        );
        assert_eq!(
            password("postgres://scheduler@127.0.0.1:6000/jobs", &env).as_deref(),
            Some("port-6000")
        );
        // No user in the URL: the operating system's user; a socket directory is localhost.
        assert_eq!(
            password("postgresql:///jobs?host=/run/postgresql", &env).as_deref(),
            Some("socket")
        );
    }

    #[test]
    fn a_file_others_may_read_is_ignored_and_home_is_the_default_place() {
        let open = passfile("open", "*:*:*:*:secret\n", 0o644);
        let url = "postgres://scheduler@127.0.0.1/jobs";
        let env = [("PGPASSFILE", open.display().to_string())];
        assert_eq!(password(url, &env), None);
        let private = passfile("home", "*:*:*:*:secret\n", 0o600);
        let home = private
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        std::fs::rename(&private, Path::new(&home).join(".pgpass"))
            .unwrap_or_else(|e| panic!("cannot rename: {e}"));
        assert_eq!(password(url, &[("HOME", home)]).as_deref(), Some("secret"));
    }
}
