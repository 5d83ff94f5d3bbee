//! The instance lock: one scheduler per CSV log.
//!
//! Two schedulers appending to one log run every daily task twice and close each other's
//! live runs with `crash`. So the writer takes an exclusive advisory lock (`flock`) on the
//! log file itself when it opens it for appending, and a second writer fails at once
//! instead of waiting. The kernel releases the lock when its process dies, however it
//! dies, so a killed scheduler never leaves a stale lock behind. Readers (`list`, `check`)
//! take no lock: an advisory lock does not stop them.
//!
//! `flock` does not say who holds a lock; on Linux, `/proc/locks` does, so the error can
//! name the process.

use std::fs::File;

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub(super) struct InstanceLock {
    #[cfg(unix)]
    _held: nix::fcntl::Flock<File>,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub(super) enum LockFailure {
    /// Another open file holds it: the process, when it could be found.
    Held(Option<u32>),
    /// The lock call itself failed.
    Io(std::io::Error),
}

/// Takes the exclusive lock on `file` without waiting.
#[cfg(unix)]
pub(super) fn lock(file: &File) -> Result<InstanceLock, LockFailure> {
    use nix::errno::Errno;
    use nix::fcntl::{Flock, FlockArg};

    // The lock belongs to the open file description, which a duplicate shares: locking
    // the duplicate locks `file`, and dropping it unlocks.
    let dup = file.try_clone().map_err(LockFailure::Io)?;
    match Flock::lock(dup, FlockArg::LockExclusiveNonblock) {
        Ok(held) => Ok(InstanceLock { _held: held }),
        Err((_, Errno::EWOULDBLOCK)) => Err(LockFailure::Held(holder(file))),
        Err((_, errno)) => Err(LockFailure::Io(std::io::Error::from(errno))),
    }
}

/// No lock where `flock` does not exist.
#[cfg(not(unix))]
pub(super) fn lock(_file: &File) -> Result<InstanceLock, LockFailure> {
    Ok(InstanceLock {})
}

/// The process holding a `flock` on `file`, from `/proc/locks` (Linux); `None` elsewhere
/// or when it cannot be told.
#[cfg(unix)]
fn holder(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;

    let meta = file.metadata().ok()?;
    let table = std::fs::read_to_string("/proc/locks").ok()?;
    holder_in(&table, meta.dev(), meta.ino())
}

/// Finds the `FLOCK` entry of the file (`dev`, `ino`) in a `/proc/locks` table. Its lines
/// read `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF` (device as hex major:minor).
/// Some file systems (overlays) show another device than `stat` does: then the entries
/// for the inode are taken if they all name one process (a lock on a deleted file whose
/// inode number came back can stay listed beside the live one, often held by the same
/// process).
#[cfg(unix)]
fn holder_in(table: &str, dev: u64, ino: u64) -> Option<u32> {
    // The glibc encoding of a dev_t: major in bits 8–19 and 32–63, minor in 0–7 and 20–31.
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xffff_f000);
    let minor = (dev & 0xff) | ((dev >> 12) & 0xffff_ff00);
    let entries: Vec<(u64, u64, u64, u32)> = table
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            // A waiting lock has a "->" word after the number; only held locks count.
            if words.get(1) != Some(&"FLOCK") || words.get(3) != Some(&"WRITE") {
                return None;
            }
            let mut id = words.get(5)?.split(':');
            Some((
                u64::from_str_radix(id.next()?, 16).ok()?,
                u64::from_str_radix(id.next()?, 16).ok()?,
                id.next()?.parse::<u64>().ok()?,
                words[4].parse().ok()?,
            ))
        })
        .collect();
    let exact = entries
        .iter()
        .find(|&&(ma, mi, i, _)| (ma, mi, i) == (major, minor, ino));
    let same_inode: Vec<&(u64, u64, u64, u32)> = entries.iter().filter(|e| e.2 == ino).collect();
    match (exact, same_inode.as_slice()) {
        (Some(entry), _) => Some(entry.3),
        (None, [first, rest @ ..]) if rest.iter().all(|e| e.3 == first.3) => Some(first.3),
        _ => None,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_holder_is_found_by_device_and_inode() {
        let table = "1: POSIX  ADVISORY  WRITE 77 08:01:42 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 1234 08:01:42 0 EOF\n\
                     3: FLOCK  ADVISORY  WRITE 99 08:01:43 0 EOF\n";
        let dev = (8 << 8) | 1;
        assert_eq!(holder_in(table, dev, 42), Some(1234));
        assert_eq!(holder_in(table, dev, 43), Some(99));
        assert_eq!(holder_in(table, dev, 44), None);
        assert_eq!(
            holder_in(table, 0, 43),
            Some(99),
            "the only entry of the inode"
        );
        // On another device only (an overlay): entries of one process name it, entries
        // of two processes name nobody.
        let table = "1: FLOCK  ADVISORY  WRITE 1234 00:2a:43 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 1234 00:2b:43 0 EOF\n";
        assert_eq!(holder_in(table, dev, 43), Some(1234));
        let table = "1: FLOCK  ADVISORY  WRITE 1234 00:2a:43 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 99 00:2b:43 0 EOF\n";
        assert_eq!(holder_in(table, dev, 43), None);
        // A large device number (major 259, minor 300) as the kernel encodes it.
        let dev = (259 << 8) | (300 & 0xff) | ((300 & !0xff) << 12);
        let table = "1: FLOCK  ADVISORY  WRITE 5 103:12c:7 0 EOF\n";
        assert_eq!(holder_in(table, dev, 7), Some(5));
    }

    #[test]
    fn a_second_open_file_cannot_take_the_lock() {
        let path = std::env::temp_dir().join(format!("redengine-lock-{}", std::process::id()));
        let first = File::create(&path).unwrap();
        let second = File::open(&path).unwrap();
        let held = lock(&first).unwrap();
        match lock(&second) {
            Err(LockFailure::Held(pid)) => {
                if std::path::Path::new("/proc/locks").exists() {
                    assert_eq!(pid, Some(std::process::id()));
                }
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(lock(&second).is_ok(), "dropping the lock releases it");
        drop(std::fs::remove_file(&path));
    }
}
