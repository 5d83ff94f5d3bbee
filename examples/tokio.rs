//! redengine inside a tokio program: an `async` task talks to a TCP service the program
//! runs itself, a plain task runs on a thread beside it, and the program — not a signal —
//! stops the scheduler after a few seconds.
//!
//! `cargo run -p examples --example tokio -- 3` (seconds to run; default 3). Needs
//! redengine's `tokio` feature (docs/async.md).

use std::process::ExitCode;
use std::time::Duration;

use redengine::{Execution, Session, Task};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The program's own service: answers each `ping` line with `pong`.
async fn serve(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let reply = if line == "ping" { "pong\n" } else { "what?\n" };
                if write.write_all(reply.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// One round trip to the service: async I/O, no thread of its own.
async fn ping(addr: String) -> std::io::Result<String> {
    let stream = TcpStream::connect(&addr).await?;
    let (read, mut write) = stream.into_split();
    write.write_all(b"ping\n").await?;
    let reply = BufReader::new(read).lines().next_line().await?;
    Ok(reply.unwrap_or_default())
}

#[tokio::main]
async fn main() -> ExitCode {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tokio::spawn(serve(listener));

    let session = Session::builder()
        .log_memory()
        // The program owns Ctrl-C; the scheduler stops when the program says so.
        .handle_signals(false)
        .param("addr", addr)
        .task(
            Task::builder("ping")
                .start_cond("every 1 second")
                .timeout("5 seconds")
                .arg::<String>("addr")
                .run_async(|ctx| {
                    let addr: Result<String, _> = ctx.param("addr");
                    async move {
                        let reply = ping(addr.map_err(|e| e.to_string())?).await;
                        let reply = reply.map_err(|e| e.to_string())?;
                        println!("ping -> {reply}");
                        Ok::<_, String>(reply)
                    }
                }),
        )
        .task(
            Task::builder("tidy")
                .start_cond("every 2 seconds")
                .execution(Execution::Thread)
                .run(|_| println!("tidy: a plain task on a thread")),
        )
        .build();
    let session = match session {
        Ok(session) => session,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The program's shutdown: here a timer; in a service, its own shutdown signal.
    let stop = tokio::time::sleep(Duration::from_secs(seconds));
    match session.run_until(stop).await {
        Ok(()) => {
            println!("stopped by the program after {seconds} s");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
