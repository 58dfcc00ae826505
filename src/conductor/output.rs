//! Reading a child's stdout or stderr line by line, live, under a shared byte cap.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Stdout,
    Stderr,
}

/// One line of CLI output, decoded (non-UTF-8 bytes replaced), without its newline.
#[derive(Debug, Clone, Serialize)]
pub struct OutputLine {
    pub stream: StreamKind,
    pub line: String,
}

/// Where live output lines go. Unbounded because the total output of a run is
/// already capped, and a slow consumer must never stall the child's pipes.
pub type OutputSink = mpsc::UnboundedSender<OutputLine>;

/// The byte budget shared by stdout and stderr of one run.
#[derive(Debug)]
pub struct Budget {
    left: AtomicUsize,
    truncated: AtomicBool,
    exhausted: CancellationToken,
}

impl Budget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            left: AtomicUsize::new(limit),
            truncated: AtomicBool::new(false),
            exhausted: CancellationToken::new(),
        })
    }

    /// Takes up to `want` bytes; fewer means the cap was reached.
    fn take(&self, want: usize) -> usize {
        let mut left = self.left.load(Ordering::Relaxed);
        loop {
            let granted = want.min(left);
            match self.left.compare_exchange_weak(
                left,
                left - granted,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    if granted < want {
                        self.truncated.store(true, Ordering::Relaxed);
                        self.exhausted.cancel();
                    }
                    return granted;
                }
                Err(now) => left = now,
            }
        }
    }

    pub fn truncated(&self) -> bool {
        self.truncated.load(Ordering::Relaxed)
    }

    /// Fires once the cap is reached.
    pub fn exhausted(&self) -> CancellationToken {
        self.exhausted.clone()
    }
}

/// Reads `reader` to its end, returning everything kept as text.
pub async fn collect<R: AsyncRead + Unpin>(
    mut reader: R,
    stream: StreamKind,
    budget: Arc<Budget>,
    sink: Option<OutputSink>,
) -> String {
    let mut text = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let mut capped = false;
    loop {
        let n = match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let granted = budget.take(n);
        pending.extend_from_slice(&chunk[..granted]);
        if granted < n {
            capped = true;
        }
        while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
            let rest = pending.split_off(pos + 1);
            let line_bytes = std::mem::replace(&mut pending, rest);
            emit(&line_bytes[..pos], stream, &mut text, &sink);
        }
        if capped {
            break;
        }
    }
    if !pending.is_empty() {
        emit(&pending, stream, &mut text, &sink);
        // The last line had no newline; keep the text faithful to what was printed.
        if text.ends_with('\n') {
            text.pop();
        }
    }
    if capped {
        // Drain the rest without keeping it, so the writer sees no broken pipe early.
        while let Ok(n) = reader.read(&mut chunk).await {
            if n == 0 {
                break;
            }
        }
    }
    text
}

fn emit(bytes: &[u8], stream: StreamKind, text: &mut String, sink: &Option<OutputSink>) {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let line = String::from_utf8_lossy(bytes);
    text.push_str(&line);
    text.push('\n');
    if let Some(sink) = sink {
        // A consumer that went away must not stop the run.
        let _ = sink.send(OutputLine {
            stream,
            line: line.into_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn splits_lines_and_decodes_lossily() {
        let data: &[u8] = b"one\ntw\xffo\r\nthree";
        let (tx, mut rx) = mpsc::unbounded_channel();
        let text = collect(data, StreamKind::Stdout, Budget::new(1024), Some(tx)).await;
        assert_eq!(text, "one\ntw\u{fffd}o\nthree");
        let mut lines = Vec::new();
        while let Ok(l) = rx.try_recv() {
            lines.push(l.line);
        }
        assert_eq!(lines, vec!["one", "tw\u{fffd}o", "three"]);
    }

    #[tokio::test]
    async fn stops_keeping_output_at_the_cap() {
        let data = vec![b'x'; 10_000];
        let budget = Budget::new(100);
        let text = collect(&data[..], StreamKind::Stderr, budget.clone(), None).await;
        assert_eq!(text.len(), 100);
        assert!(budget.truncated());
        assert!(budget.exhausted().is_cancelled());
    }
}
