//! Process-level entry points: restart by re-executing the binary (RUNTIME.md §4.6).

use crate::error::{Error, ErrorKind, Result};

/// Replaces this process with a fresh run of the same executable, arguments and
/// environment (`restarting = replace`). Returns only if that fails.
pub(crate) fn exec_self() -> Result<()> {
    let fail = |what: String| {
        Err(Error::new(ErrorKind::Hook(format!(
            "restart failed: {what}; set the config `restarting` to `recall` to restart in \
             the same process"
        ))))
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return fail(format!("cannot find the current executable: {e}")),
    };
    let mut cmd = std::process::Command::new(&exe);
    cmd.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        fail(format!("cannot exec {}: {e}", exe.display()))
    }
    #[cfg(not(unix))]
    {
        match cmd.status() {
            Ok(status) => std::process::exit(status.code().unwrap_or(1)),
            Err(e) => fail(format!("cannot start {}: {e}", exe.display())),
        }
    }
}
