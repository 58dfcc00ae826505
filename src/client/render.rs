//! Showing a job's events: `Human` for people (model tokens as they come, tool steps, the result
//! or the error), `JsonLines` for scripts (each event's data object on a line of its own).

use std::io::Write;

use serde_json::Value;

use super::event::JobEvent;
use super::steps::{StepEnd, Steps};
use super::term::{Screen, Styles, Terminal, clean};

/// Where events and notices go.
pub trait Render {
    /// Shows one event.
    fn event(&mut self, event: &JobEvent);
    /// One line for the user on stderr (a reconnection, an answer sent).
    fn notice(&mut self, text: &str);
    /// Advances spinners; called on a timer while `animated`.
    fn tick(&mut self) {}
    /// Whether there is anything to animate (spinners need a timer).
    fn animated(&self) -> bool {
        false
    }
    /// Clears the spinners before a question is asked on the terminal.
    fn pause(&mut self) {}
}

/// `--json`: the data objects exactly as received, one per line; notices on stderr.
pub struct JsonLines;

impl Render for JsonLines {
    fn event(&mut self, event: &JobEvent) {
        let _ = writeln!(std::io::stdout().lock(), "{}", event.json_line());
    }

    fn notice(&mut self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// The readable form.
pub struct Human {
    screen: Screen,
    styles: Styles,
    steps: Steps,
    /// stdout ends in the middle of a line of model text.
    line_open: bool,
    /// Model text held back while a spinner is drawn, printed a line at a time.
    pending: String,
    /// The model's text since its turn began, so a result repeating it is not printed twice.
    turn: String,
}

impl Human {
    pub fn new(terminal: &Terminal, max_output_lines: usize) -> Human {
        Human {
            screen: Screen::new(terminal),
            styles: Styles::default(),
            steps: Steps::new(max_output_lines, terminal.width()),
            line_open: false,
            pending: String::new(),
            turn: String::new(),
        }
    }

    fn token(&mut self, chunk: &str) {
        let chunk = clean(chunk);
        self.turn.push_str(&chunk);
        if self.steps.any_open() && self.screen.bars().is_some() {
            // A partial line would be drawn over by the spinner: print whole lines only.
            self.pending.push_str(&chunk);
            while let Some(end) = self.pending.find('\n') {
                let line: String = self.pending.drain(..=end).collect();
                self.screen.out_line(line.trim_end_matches('\n'));
            }
            return;
        }
        self.flush_pending();
        if !chunk.is_empty() {
            self.screen.out_text(&chunk);
            self.line_open = !chunk.ends_with('\n');
        }
    }

    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.screen.out_text(&text);
            self.line_open = !text.ends_with('\n');
        }
    }

    /// Ends the model's line before anything else is printed.
    fn end_text(&mut self) {
        self.flush_pending();
        if self.line_open {
            self.screen.out_text("\n");
            self.line_open = false;
        }
    }

    fn approval(&mut self, event: &JobEvent) {
        let s = &self.styles;
        let tool = clean(event.field("tool"));
        self.screen.out_line(&format!(
            "{} {} {}",
            s.warn.apply_to("?"),
            s.bold.apply_to(&tool),
            s.warn.apply_to("asks for approval")
        ));
        let arguments = &event.data()["arguments"];
        if !arguments.is_null() {
            let text = serde_json::to_string_pretty(arguments).unwrap_or_default();
            for line in clean(&text).lines() {
                self.screen.out_line(&format!("    {line}"));
            }
        }
        if let Some(secs) = event.data()["timeout_secs"].as_u64() {
            let line = format!("    (denied automatically after {secs}s without an answer)");
            self.screen.out_line(&s.dim.apply_to(line).to_string());
        }
    }

    fn approval_resolved(&mut self, event: &JobEvent) {
        let s = &self.styles;
        let by = clean(event.field("by"));
        let line = match event.data()["approved"].as_bool() {
            Some(true) => format!("{} approved by {by}", s.ok.apply_to("✓")),
            _ => format!("{} denied by {by}", s.bad.apply_to("✗")),
        };
        self.screen.out_line(&line);
    }

    fn result(&mut self, event: &JobEvent) {
        let text = match &event.data()["result"] {
            Value::String(text) => text.clone(),
            Value::Null => return,
            other => serde_json::to_string_pretty(other).unwrap_or_default(),
        };
        let streamed = !self.turn.trim().is_empty() && self.turn.trim() == text.trim();
        if !streamed {
            self.screen.out_line(clean(&text).trim_end_matches('\n'));
        }
    }

    fn error(&mut self, event: &JobEvent) {
        let state = match event.field("state") {
            "" => "failed",
            state => state,
        };
        let error = match &event.data()["error"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        self.screen.err_line(&format!(
            "{} {}",
            self.styles.err_bad.apply_to(format!("✗ {state}:")),
            clean(&error).trim_end_matches('\n')
        ));
    }
}

impl Render for Human {
    fn event(&mut self, event: &JobEvent) {
        let s = &self.styles;
        match event.name.as_str() {
            "job_started" => {
                let job = event.body["job_id"].as_str().unwrap_or_default();
                let line = format!("{job}  {}", clean(event.field("message")));
                self.screen.err_line(&s.err_dim.apply_to(line).to_string());
            }
            "status_update" if event.field("state") == "queued" => {
                let line = clean(event.field("message"));
                self.screen.err_line(&s.err_dim.apply_to(line).to_string());
            }
            "on_llm_start" => {
                self.end_text();
                self.turn.clear();
            }
            "on_llm_new_token" => self.token(event.field("chunk")),
            "on_llm_end" | "on_chain_end" => self.end_text(),
            "on_tool_start" => {
                self.end_text();
                let tool = event.field("tool");
                self.steps
                    .start(&self.screen, &self.styles, tool, event.timestamp());
            }
            "on_tool_output" => {
                let stderr = event.field("stream") == "stderr";
                let (tool, line) = (event.field("tool"), event.field("line"));
                self.steps.output(&self.screen, s, tool, line, stderr);
            }
            "on_tool_end" => {
                let end = StepEnd {
                    tool: event.field("tool"),
                    timestamp: event.timestamp(),
                    success: event.field("status") == "success",
                    error: event.data()["error"].as_str(),
                };
                self.steps.end(&self.screen, s, end);
            }
            "approval_required" => {
                self.end_text();
                self.approval(event);
            }
            "approval_resolved" => {
                self.end_text();
                self.approval_resolved(event);
            }
            "result" => {
                self.end_text();
                self.result(event);
            }
            "error" => {
                self.end_text();
                self.error(event);
            }
            "gap" => {
                let line = format!(
                    "… events {} to {} are no longer kept by the gateway",
                    event.data()["first_missing"],
                    event.data()["last_missing"]
                );
                self.screen.err_line(&s.err_warn.apply_to(line).to_string());
            }
            crate::jobs::event::END_OF_STREAM => {
                self.end_text();
                self.steps.stop_all(&self.screen, &self.styles);
            }
            _ => {}
        }
    }

    fn notice(&mut self, text: &str) {
        self.end_text();
        let line = self.styles.err_warn.apply_to(text).to_string();
        self.screen.err_line(&line);
    }

    fn tick(&mut self) {
        self.steps.tick();
    }

    fn animated(&self) -> bool {
        self.screen.bars().is_some()
    }

    fn pause(&mut self) {
        self.end_text();
        self.screen.clear();
    }
}
