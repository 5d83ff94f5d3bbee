// With `execution = "process"` written, every argument and the return value cross to the
// child process as JSON: types without serde are rejected on the type itself.

#[derive(Clone)]
struct Connection;

struct Handle;

#[redengine::task(start_cond = "daily", execution = "process")]
fn takes_a_connection(conn: Connection) {
    let _ = conn;
}

#[redengine::task(start_cond = "daily", execution = "process")]
fn returns_a_handle() -> Result<Handle, String> {
    Ok(Handle)
}

// The same types are fine for thread tasks, and for tasks that leave `execution` to the
// session (a value that cannot cross is then a pre-run failure at dispatch).
#[redengine::task(start_cond = "daily", execution = "thread")]
fn thread_task(conn: Connection) -> Result<Handle, String> {
    let _ = conn;
    Ok(Handle)
}

#[redengine::task(start_cond = "daily")]
fn default_task(conn: Connection) {
    let _ = conn;
}

fn main() {}
