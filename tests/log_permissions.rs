#![cfg(unix)]
//! The CSV log holds error texts: it is created without access for others, whatever the
//! umask allows. A test binary of its own, because it sets the process's umask.

use std::os::unix::fs::PermissionsExt;

use nix::sys::stat::{umask, Mode};
use redengine::log::{CsvLog, LogStore};

#[test]
fn the_log_and_its_directories_are_created_for_the_owner_only() {
    // The most permissive umask: without an explicit mode the file would be 0666.
    umask(Mode::empty());
    let root = std::env::temp_dir().join(format!("redengine-perms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let path = root.join("log").join("nested").join("tasks.csv");

    CsvLog::new(&path).load().unwrap();

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the log file");
    assert_eq!(mode(&root.join("log")), 0o700, "a directory it created");
    assert_eq!(mode(&root.join("log").join("nested")), 0o700);

    // An existing file keeps the mode its owner gave it.
    let shared = root.join("shared.csv");
    std::fs::write(&shared, "").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    CsvLog::new(&shared).load().unwrap();
    assert_eq!(mode(&shared), 0o640);
    std::fs::remove_dir_all(&root).unwrap();
}
