//! What the client's surroundings allow (a terminal on stdin/stdout? colour?), and `Screen`,
//! the one writer of stdout and stderr, which keeps spinners and printed lines apart.

use std::io::{IsTerminal, Write};

use console::Style;
use indicatif::{MultiProgress, ProgressDrawTarget};

/// What the client may do with the terminal, decided once at start.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// stdin is a terminal (someone can answer a question).
    pub stdin: bool,
    /// stdout is a terminal that can draw (spinners, cursor movement).
    pub stdout: bool,
    /// stderr is a terminal (where questions are asked).
    pub stderr: bool,
    /// Colour on stdout / on stderr.
    pub colour_out: bool,
    pub colour_err: bool,
}

impl Terminal {
    /// Looks at the file descriptors, `TERM` (`dumb` draws nothing) and `NO_COLOR` (any value,
    /// even empty, turns colour off), and sets console's colour switches to match.
    pub fn detect() -> Terminal {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let no_colour = std::env::var_os("NO_COLOR").is_some();
        let stdout = std::io::stdout().is_terminal() && !dumb;
        let stderr = std::io::stderr().is_terminal() && !dumb;
        let terminal = Terminal {
            stdin: std::io::stdin().is_terminal(),
            stdout,
            stderr,
            colour_out: stdout && !no_colour,
            colour_err: stderr && !no_colour,
        };
        console::set_colors_enabled(terminal.colour_out);
        console::set_colors_enabled_stderr(terminal.colour_err);
        terminal
    }

    /// Someone is there to answer: stdin and stderr (where questions go) are terminals.
    /// stdout may be piped (`run ... | tee log`) and questions still be asked.
    pub fn interactive(&self) -> bool {
        self.stdin && self.stderr
    }

    /// Columns of the terminal on stdout, when it is one.
    pub fn width(&self) -> Option<usize> {
        if !self.stdout {
            return None;
        }
        console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| usize::from(cols))
    }
}

/// Styles for stdout and for stderr (each honours its own colour switch).
pub struct Styles {
    pub dim: Style,
    pub ok: Style,
    pub bad: Style,
    pub warn: Style,
    pub bold: Style,
    pub err_dim: Style,
    pub err_bad: Style,
    pub err_warn: Style,
}

impl Default for Styles {
    fn default() -> Self {
        Styles {
            dim: Style::new().dim(),
            ok: Style::new().green(),
            bad: Style::new().red(),
            warn: Style::new().yellow(),
            bold: Style::new().bold(),
            err_dim: Style::new().for_stderr().dim(),
            err_bad: Style::new().for_stderr().red().bold(),
            err_warn: Style::new().for_stderr().yellow(),
        }
    }
}

/// Writes lines to stdout and stderr. In a terminal it owns the spinners (a `MultiProgress` on
/// stdout) and hides them while anything else is written; elsewhere nothing but text goes out.
pub struct Screen {
    bars: Option<MultiProgress>,
}

impl Screen {
    pub fn new(terminal: &Terminal) -> Screen {
        Screen {
            bars: terminal
                .stdout
                .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout())),
        }
    }

    /// The spinners' home, in a terminal.
    pub fn bars(&self) -> Option<&MultiProgress> {
        self.bars.as_ref()
    }

    /// Runs `write` with the spinners out of the way.
    fn around<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bars {
            Some(bars) => bars.suspend(write),
            None => write(),
        }
    }

    /// One line on stdout. Write errors (a closed pipe) are ignored: there is no one to tell.
    pub fn out_line(&self, line: &str) {
        self.around(|| {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        });
    }

    /// Text on stdout without a line end (model tokens), flushed at once.
    pub fn out_text(&self, text: &str) {
        self.around(|| {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        });
    }

    /// One line on stderr.
    pub fn err_line(&self, line: &str) {
        self.around(|| {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        });
    }

    /// Takes the spinners off the screen until they next draw (before a question).
    pub fn clear(&self) {
        if let Some(bars) = &self.bars {
            let _ = bars.clear();
        }
    }
}

/// Text from the job (CLI output, results, tokens) made safe to print: the CLI's own colour
/// codes and any other control characters are dropped, so piped output never carries one.
pub fn clean(text: &str) -> String {
    console::strip_ansi_codes(text)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn control_codes_are_dropped() {
        assert_eq!(clean("\x1b[31mred\x1b[0m\tok\r\n\x07"), "red\tok\n");
        assert_eq!(clean("plain ✓"), "plain ✓");
    }
}
