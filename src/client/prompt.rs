//! Questions on the terminal: shown on stderr, answered by a line on stdin.
//!
//! stdin is read by a plain thread of its own, started at the first question: a blocking read
//! cannot be cancelled, and a thread outside the async runtime never holds up the exit. The
//! answer is awaited with `line`, which is cancel-safe, so the caller can go on reading the
//! job's events (and take an answer given elsewhere) while the question is up.

use std::io::{BufRead, Write};

use tokio::sync::mpsc;

/// Asks questions on stderr and reads the answers from stdin.
#[derive(Default)]
pub struct Prompter {
    lines: Option<mpsc::UnboundedReceiver<String>>,
    /// A question is on the screen, its line not ended by an answer.
    open: bool,
    /// stdin has closed: no question can be answered any more.
    closed: bool,
}

impl Prompter {
    /// Shows a question; whatever was typed before it is not an answer to it.
    pub fn show(&mut self, question: &str) {
        let lines = self.lines.get_or_insert_with(read_stdin);
        while lines.try_recv().is_ok() {}
        let mut err = std::io::stderr().lock();
        if self.open {
            let _ = writeln!(err);
        }
        let _ = write!(err, "{question}");
        let _ = err.flush();
        self.open = true;
    }

    /// The next line typed, trimmed and lower-cased; `None` once stdin has closed.
    pub async fn line(&mut self) -> Option<String> {
        let lines = self.lines.get_or_insert_with(read_stdin);
        let line = lines.recv().await;
        self.open = false;
        if line.is_none() {
            self.closed = true;
            let _ = writeln!(std::io::stderr());
        }
        line.map(|l| l.trim().to_lowercase())
    }

    /// The question is void (answered elsewhere, the job ended): end its line.
    pub fn dismiss(&mut self) {
        if std::mem::take(&mut self.open) {
            let _ = writeln!(std::io::stderr());
        }
    }

    /// Whether stdin has closed (Ctrl-D), so asking is pointless.
    pub fn closed(&self) -> bool {
        self.closed
    }
}

fn read_stdin() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    // If the thread cannot start, the sender is dropped and every question reads as closed.
    let _ = std::thread::Builder::new()
        .name("stdin-lines".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    rx
}
