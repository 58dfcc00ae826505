//! Tool steps (`on_tool_start` … `on_tool_end`): in a terminal a spinner line with the last
//! output lines under it, redrawn as they come; at the end one line with the outcome and
//! duration, and the last `--max-output-lines` lines, saying how many were folded. Piped, where
//! nothing can be redrawn, the first `--max-output-lines` lines are printed as they come, and
//! the last ones at the end, after saying how many between were folded.

use std::collections::VecDeque;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::term::{Screen, Styles, clean};

/// One output line of a step.
struct Line {
    text: String,
    stderr: bool,
}

/// A step that has started and not ended.
struct Step {
    tool: String,
    started: Option<f64>,
    lines: VecDeque<Line>,
    folded: usize,
    /// Lines already printed as they came (piped output only).
    printed: usize,
    bar: Option<ProgressBar>,
}

/// How a step ended.
pub struct StepEnd<'a> {
    pub tool: &'a str,
    pub timestamp: Option<f64>,
    pub success: bool,
    pub error: Option<&'a str>,
}

/// The open steps (the agent may run several at once).
pub struct Steps {
    open: Vec<Step>,
    /// Lines kept per step; 0 prints every line as it comes.
    max_lines: usize,
    width: Option<usize>,
}

impl Steps {
    pub fn new(max_lines: usize, width: Option<usize>) -> Steps {
        Steps {
            open: Vec::new(),
            max_lines,
            width,
        }
    }

    pub fn any_open(&self) -> bool {
        !self.open.is_empty()
    }

    pub fn start(&mut self, screen: &Screen, styles: &Styles, tool: &str, timestamp: Option<f64>) {
        let tool = clean(tool);
        let bar = match screen.bars() {
            Some(bars) => {
                let style = ProgressStyle::with_template(
                    "{spinner:.cyan} {prefix:.bold} {elapsed:.dim}{msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
                let already = timestamp
                    .map(|t| crate::jobs::model::now() - t)
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64)
                    .unwrap_or_default();
                let bar = ProgressBar::new_spinner()
                    .with_style(style)
                    .with_prefix(tool.clone())
                    .with_elapsed(already);
                let bar = bars.add(bar);
                bar.tick();
                Some(bar)
            }
            None => {
                screen.out_line(&format!("{} {}", styles.dim.apply_to("▶"), tool));
                None
            }
        };
        self.open.push(Step {
            tool,
            started: timestamp,
            lines: VecDeque::new(),
            folded: 0,
            printed: 0,
            bar,
        });
    }

    /// The latest open step of `tool`, started here if its start was missed.
    fn step(&mut self, screen: &Screen, styles: &Styles, tool: &str) -> &mut Step {
        let tool = clean(tool);
        let index = match self.open.iter().rposition(|s| s.tool == tool) {
            Some(index) => index,
            None => {
                self.start(screen, styles, &tool, None);
                self.open.len() - 1
            }
        };
        &mut self.open[index]
    }

    pub fn output(
        &mut self,
        screen: &Screen,
        styles: &Styles,
        tool: &str,
        line: &str,
        stderr: bool,
    ) {
        let max = self.max_lines;
        let width = self.width;
        let step = self.step(screen, styles, tool);
        let line = Line {
            text: clean(line),
            stderr,
        };
        if max == 0 || (step.bar.is_none() && step.printed < max) {
            screen.out_line(&format_line(styles, &line));
            step.printed += 1;
            return;
        }
        step.lines.push_back(line);
        if step.lines.len() > max {
            step.lines.pop_front();
            step.folded += 1;
        }
        if let Some(bar) = &step.bar {
            bar.set_message(live_lines(styles, step, width));
        }
    }

    pub fn end(&mut self, screen: &Screen, styles: &Styles, end: StepEnd<'_>) {
        let step = self.step(screen, styles, end.tool);
        let tool = step.tool.clone();
        let index = self.open.iter().rposition(|s| s.tool == tool).unwrap_or(0);
        let step = self.open.remove(index);
        let duration = match (step.started, end.timestamp) {
            (Some(a), Some(b)) if b >= a => format!("  {}", styles.dim.apply_to(duration(b - a))),
            _ => String::new(),
        };
        let mark = if end.success {
            styles.ok.apply_to("✓")
        } else {
            styles.bad.apply_to("✗")
        };
        let header = format!("{mark} {}{duration}", step.tool);
        let mut lines = Vec::new();
        if let Some(error) = end.error.filter(|e| !e.is_empty()) {
            lines.push(format!("  {}", styles.bad.apply_to(clean(error))));
        }
        lines.extend(body_lines(styles, &step));
        self.finish(screen, step, header, lines);
    }

    /// The job ended with steps still open (cancelled, timed out): mark them stopped.
    pub fn stop_all(&mut self, screen: &Screen, styles: &Styles) {
        while let Some(step) = self.open.pop() {
            let header = format!(
                "{} {} {}",
                styles.warn.apply_to("■"),
                step.tool,
                styles.dim.apply_to("stopped")
            );
            let lines = body_lines(styles, &step);
            self.finish(screen, step, header, lines);
        }
    }

    /// Prints a step's final block: in a terminal the outcome replaces the spinner above the
    /// lines; elsewhere the lines come first (the start line is already out) and the outcome last.
    fn finish(&self, screen: &Screen, step: Step, header: String, lines: Vec<String>) {
        match (&step.bar, screen.bars()) {
            (Some(bar), Some(bars)) => {
                bar.finish_and_clear();
                bars.remove(bar);
                screen.out_line(&header);
                for line in lines {
                    screen.out_line(&line);
                }
            }
            _ => {
                for line in lines {
                    screen.out_line(&line);
                }
                screen.out_line(&header);
            }
        }
    }

    /// Advances the spinners.
    pub fn tick(&self) {
        for step in &self.open {
            if let Some(bar) = &step.bar {
                bar.tick();
            }
        }
    }
}

fn format_line(styles: &Styles, line: &Line) -> String {
    let style = if line.stderr {
        &styles.warn
    } else {
        &styles.dim
    };
    format!(
        "  {} {}",
        styles.dim.apply_to("│"),
        style.apply_to(&line.text)
    )
}

fn fold_notice(styles: &Styles, folded: usize) -> String {
    let noun = if folded == 1 { "line" } else { "lines" };
    format!(
        "  {}",
        styles.dim.apply_to(format!("… {folded} {noun} folded"))
    )
}

fn body_lines(styles: &Styles, step: &Step) -> Vec<String> {
    let mut lines = Vec::new();
    if step.folded > 0 {
        lines.push(fold_notice(styles, step.folded));
    }
    lines.extend(step.lines.iter().map(|l| format_line(styles, l)));
    lines
}

/// The spinner's message: the kept lines under it, cut to the terminal's width so the
/// redraw never wraps.
fn live_lines(styles: &Styles, step: &Step, width: Option<usize>) -> String {
    let room = width.unwrap_or(100).saturating_sub(5).max(10);
    let mut text = String::new();
    if step.folded > 0 {
        text.push('\n');
        text.push_str(&fold_notice(styles, step.folded));
    }
    for line in &step.lines {
        let cut = Line {
            text: console::truncate_str(&line.text, room, "…").into_owned(),
            stderr: line.stderr,
        };
        text.push('\n');
        text.push_str(&format_line(styles, &cut));
    }
    text
}

/// `0.4s`, `12.0s`, `3m04s`, `1h02m`.
pub fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let whole = seconds.round() as u64;
    if whole < 3600 {
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h{:02}m", whole / 3600, (whole % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(0.42), "0.4s");
        assert_eq!(duration(59.94), "59.9s");
        assert_eq!(duration(184.0), "3m04s");
        assert_eq!(duration(3720.0), "1h02m");
    }
}
