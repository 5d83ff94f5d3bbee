//! The files and directories a CSV log creates: no access for others where modes exist,
//! and a new file's directory entry made durable.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;

/// The mode of a log file this store creates: the owner's only. `exc_text` holds error
/// texts, which may quote connection strings or tokens; a group is often shared widely,
/// so it gets nothing either. An existing file keeps the mode it has.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
/// The mode of the directories this store creates, for the same reason.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

/// `options` creating a new file, with no access for others where modes exist.
pub(super) fn create_new(options: &OpenOptions) -> OpenOptions {
    let mut options = options.clone();
    options.create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Creates `dir` and its missing parents, with no access for others where modes exist.
pub(super) fn create_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Makes a new file's directory entry durable (Unix; elsewhere the file sync suffices).
#[cfg(unix)]
pub(super) fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub(super) fn sync_dir(_path: &Path) -> io::Result<()> {
    Ok(())
}
