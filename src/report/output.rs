//! The one way to stdout. A reader that goes away (`reltag log | head -1`, a closed pipe)
//! stops the writing, not the command: the first broken pipe is remembered, every later
//! write is dropped, and the command still ends with the exit code of its verdict — a
//! blocked gate never turns into an allowed one, and nothing panics.
//!
//! Rust ignores SIGPIPE, so a closed pipe is an `EPIPE` error on write; `println!` turns
//! that into a panic (exit 101). Nothing in reltag writes to stdout any other way.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone: stdout is a process-wide resource, so is this.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether a write found stdout's reader gone.
pub fn stdout_closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// The process's stdout, where a broken pipe means "stop writing".
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if stdout_closed() {
            return Ok(buf.len());
        }
        match io::stdout().lock().write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                CLOSED.store(true, Ordering::Relaxed);
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if stdout_closed() {
            return Ok(());
        }
        match io::stdout().lock().flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                CLOSED.store(true, Ordering::Relaxed);
                Ok(())
            }
            other => other,
        }
    }
}

/// A status line for people on stderr (`fetching from origin…`). A closed stderr is
/// ignored: it must never change a verdict either.
pub fn status(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", crate::text::escape_block(line));
}
