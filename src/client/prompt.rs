//! Questions on the terminal: a line read from stdin, raced against Ctrl-C.
//!
//! stdin is read by a plain thread of its own, started at the first question: a blocking read
//! cannot be cancelled, and a thread outside the async runtime never holds up the exit.

use std::io::{BufRead, Write};

use tokio::signal::unix::Signal;
use tokio::sync::mpsc;

/// What the user did when asked.
#[derive(Debug, PartialEq)]
pub enum Answer {
    /// A line (trimmed, lower-cased).
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// stdin closed (Ctrl-D).
    Closed,
}

/// Asks questions on stderr and reads the answers from stdin.
#[derive(Default)]
pub struct Prompter {
    lines: Option<mpsc::UnboundedReceiver<String>>,
}

impl Prompter {
    pub async fn ask(&mut self, question: &str, interrupts: &mut Signal) -> Answer {
        let lines = self.lines.get_or_insert_with(read_stdin);
        // Whatever was typed before the question is not an answer to it.
        while lines.try_recv().is_ok() {}
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        drop(err);
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) => Answer::Line(line.trim().to_lowercase()),
                None => Answer::Closed,
            },
            _ = interrupts.recv() => {
                let _ = writeln!(std::io::stderr());
                Answer::Interrupted
            }
        }
    }
}

fn read_stdin() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    // If the thread cannot start, the sender is dropped and every question reads `Closed`.
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
