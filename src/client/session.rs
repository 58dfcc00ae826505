//! Following one job to its end, as `run` and `tail` do: events to the renderer, Ctrl-C
//! (cancel or detach), approval questions, and the exit code from the job's final state.
//!
//! A question never stops the stream from being read. While one is up, new events are held
//! back (so they do not scribble over it) and shown once it is answered, except the ones that
//! make it void: the `approval_resolved` of the call asked about (answered elsewhere, or timed
//! out) and `end_of_stream`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::time::MissedTickBehavior;

use super::event::JobEvent;
use super::exit::Exit;
use super::follow::{EventFeed, FeedItem};
use super::http::{ClientError, Gateway};
use super::prompt::Prompter;
use super::render::Render;
use super::term::Terminal;
use crate::jobs::event::END_OF_STREAM;

/// How approval requests are answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ApprovalPolicy {
    /// Ask on the terminal; without one, leave the job waiting.
    Ask,
    Approve,
    Deny,
}

/// An approval request not answered yet.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    call_id: String,
    tool: String,
}

/// The question on the screen.
enum Question {
    Approval(Pending),
    /// After Ctrl-C: cancel, detach or keep following.
    Interrupt,
}

/// Whether following goes on.
enum Flow {
    Go,
    End(Exit),
}

/// How often spinners move.
const TICK: Duration = Duration::from_millis(100);

const INTERRUPT_MENU: &str = "Interrupted: [c]ancel the job, [d]etach and leave it running, \
                              or Enter to keep following (Ctrl-C again cancels) ";

/// One job being followed.
pub struct Session {
    gateway: Gateway,
    job_id: String,
    render: Box<dyn Render>,
    terminal: Terminal,
    policy: ApprovalPolicy,
    prompter: Prompter,
    interrupts: Signal,
    question: Option<Question>,
    /// Approval requests to ask about, oldest first.
    pending: VecDeque<Pending>,
    /// What arrived while a question was up.
    held: Vec<FeedItem>,
    /// A cancel has been asked for; the next Ctrl-C stops waiting.
    cancelling: bool,
    /// `end_of_stream`'s `data.state`.
    state: Option<String>,
}

impl Session {
    /// Takes over Ctrl-C (SIGINT) for the rest of the process.
    pub fn new(
        gateway: Gateway,
        job_id: &str,
        render: Box<dyn Render>,
        terminal: Terminal,
        policy: ApprovalPolicy,
    ) -> Result<Session, ClientError> {
        Ok(Session {
            gateway,
            job_id: job_id.to_string(),
            render,
            terminal,
            policy,
            prompter: Prompter::default(),
            interrupts: signal(SignalKind::interrupt())?,
            question: None,
            pending: VecDeque::new(),
            held: Vec::new(),
            cancelling: false,
            state: None,
        })
    }

    /// Follows the job until `end_of_stream` (or a detach) and answers the exit code.
    pub async fn follow(mut self, retries: u32) -> Result<Exit, ClientError> {
        let mut feed = EventFeed::new(self.gateway.clone(), &self.job_id, retries);
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            self.ask_next();
            let asking = self.question.is_some();
            let animated = !asking && self.render.animated();
            let flow = tokio::select! {
                item = feed.next() => match item {
                    Ok(Some(item)) => self.received(item).await,
                    Ok(None) => Flow::End(self.exit()),
                    Err(e) => {
                        self.prompter.dismiss();
                        self.render.pause();
                        return Err(e);
                    }
                },
                line = self.prompter.line(), if asking => self.answered(line).await,
                _ = self.interrupts.recv() => self.interrupted().await,
                _ = ticker.tick(), if animated => {
                    self.render.tick();
                    Flow::Go
                }
            };
            if let Flow::End(exit) = flow {
                return Ok(exit);
            }
        }
    }

    fn exit(&self) -> Exit {
        self.state
            .as_deref()
            .map(Exit::from_state)
            .unwrap_or(Exit::Failed)
    }

    /// A new event or notice: shown, or held while a question is up.
    async fn received(&mut self, item: FeedItem) -> Flow {
        let Some(question) = &self.question else {
            self.handle(item).await;
            return Flow::Go;
        };
        let FeedItem::Event(event) = &item else {
            self.held.push(item);
            return Flow::Go;
        };
        if event.name == "approval_resolved" {
            let call_id = event.field("call_id");
            self.pending.retain(|p| p.call_id != call_id);
            if matches!(question, Question::Approval(p) if p.call_id == call_id) {
                self.question = None;
                self.prompter.dismiss();
                let by = event.field("by");
                self.render
                    .notice(&format!("the request was answered elsewhere (by {by})"));
            }
        } else if event.name == END_OF_STREAM {
            self.question = None;
            self.prompter.dismiss();
        }
        self.held.push(item);
        if self.question.is_none() {
            self.release().await;
        }
        Flow::Go
    }

    /// Shows what was held back while a question was up.
    async fn release(&mut self) {
        for item in std::mem::take(&mut self.held) {
            self.handle(item).await;
        }
    }

    async fn handle(&mut self, item: FeedItem) {
        let event = match item {
            FeedItem::Notice(text) => return self.render.notice(&text),
            FeedItem::Event(event) => event,
        };
        self.render.event(&event);
        match event.name.as_str() {
            END_OF_STREAM => self.state = Some(event.field("state").to_string()),
            "approval_required" => self.approval_required(&event).await,
            "approval_resolved" => {
                let call_id = event.field("call_id");
                self.pending.retain(|p| p.call_id != call_id);
            }
            _ => {}
        }
    }

    /// `approval_required`: answered by the policy, queued to be asked, or left waiting.
    async fn approval_required(&mut self, event: &JobEvent) {
        let pending = Pending {
            call_id: event.field("call_id").to_string(),
            tool: event.field("tool").to_string(),
        };
        if pending.call_id.is_empty() {
            self.render
                .notice("the approval request has no call_id, so it cannot be answered here");
            return;
        }
        // A replayed request that has been answered since is history, not a question.
        if !self.job_awaits_approval().await {
            return;
        }
        match self.policy {
            ApprovalPolicy::Approve => self.answer(&pending, true).await,
            ApprovalPolicy::Deny => self.answer(&pending, false).await,
            ApprovalPolicy::Ask if self.terminal.interactive() && !self.prompter.closed() => {
                self.pending.push_back(pending);
            }
            ApprovalPolicy::Ask => {
                let id = &self.job_id;
                self.render.notice(&format!(
                    "job {id} awaits approval of {} (call {}); answer it from a terminal \
                     (conductor-gateway tail {id}) or with --approve / --deny",
                    pending.tool, pending.call_id
                ));
            }
        }
    }

    /// Puts the oldest pending approval to the user, when nothing else is asked.
    fn ask_next(&mut self) {
        if self.question.is_some() || self.cancelling || self.prompter.closed() {
            return;
        }
        let Some(pending) = self.pending.front().cloned() else {
            return;
        };
        self.render.pause();
        self.prompter.show("Approve? [y/N] ");
        self.question = Some(Question::Approval(pending));
    }

    /// A line typed in answer to the question on the screen.
    async fn answered(&mut self, line: Option<String>) -> Flow {
        let flow = match (self.question.take(), line) {
            (Some(Question::Approval(pending)), Some(line)) => {
                self.pending.retain(|p| *p != pending);
                self.answer(&pending, line == "y" || line == "yes").await;
                Flow::Go
            }
            (Some(Question::Interrupt), Some(line)) if line.starts_with('c') => self.cancel().await,
            (Some(Question::Interrupt), Some(line)) if line.starts_with('d') => {
                let id = &self.job_id;
                self.render.notice(&format!(
                    "detached; job {id} keeps running. Follow it with: conductor-gateway tail {id}"
                ));
                return Flow::End(Exit::Detached);
            }
            (Some(Question::Approval(p)), None) => {
                self.render.notice(&format!(
                    "stdin closed: job {} still awaits approval of {} (call {})",
                    self.job_id, p.tool, p.call_id
                ));
                Flow::Go
            }
            (Some(Question::Interrupt), _) => {
                self.render.notice("following the job again");
                Flow::Go
            }
            _ => Flow::Go,
        };
        self.release().await;
        flow
    }

    /// Ctrl-C: a menu in a terminal, else cancel; again while cancelling, stop waiting.
    async fn interrupted(&mut self) -> Flow {
        if self.cancelling {
            self.prompter.dismiss();
            self.render
                .notice("stopped waiting; the job was already asked to cancel");
            return Flow::End(Exit::Cancelled);
        }
        if matches!(self.question, Some(Question::Interrupt)) || !self.terminal.interactive() {
            self.question = None;
            self.prompter.dismiss();
            let flow = self.cancel().await;
            self.release().await;
            return flow;
        }
        // An approval question on the screen gives way; it is asked again afterwards.
        self.render.pause();
        self.prompter.show(INTERRUPT_MENU);
        self.question = Some(Question::Interrupt);
        Flow::Go
    }

    /// Asks the gateway to cancel; the stream then shows how the job ended.
    async fn cancel(&mut self) -> Flow {
        self.render
            .notice(&format!("cancelling job {} …", self.job_id));
        self.cancelling = true;
        tokio::select! {
            answer = self.gateway.cancel(&self.job_id) => match answer {
                Ok(_) => {}
                Err(ClientError::Status { status: 409, detail, .. }) => self.render.notice(&detail),
                Err(e) => {
                    self.cancelling = false;
                    self.render.notice(&format!("cancel failed: {e}"));
                }
            },
            _ = self.interrupts.recv() => {
                self.render.notice("stopped waiting for the cancel");
                return Flow::End(Exit::Cancelled);
            }
        }
        Flow::Go
    }

    /// Sends an approval answer and says what became of it.
    async fn answer(&mut self, pending: &Pending, approve: bool) {
        let answer = self
            .gateway
            .answer_approval(&self.job_id, &pending.call_id, approve)
            .await;
        let tool = &pending.tool;
        match answer {
            Ok(()) if approve => self.render.notice(&format!("answer sent: approve {tool}")),
            Ok(()) => self.render.notice(&format!("answer sent: deny {tool}")),
            Err(e) => self
                .render
                .notice(&format!("could not answer the approval of {tool}: {e}")),
        }
    }

    /// Whether the job may still be waiting for an answer: the gateway says
    /// `awaiting_approval`, or cannot say.
    async fn job_awaits_approval(&self) -> bool {
        match self.gateway.job(&self.job_id).await {
            Ok(job) => match job["state"].as_str() {
                Some(state) => state == "awaiting_approval",
                None => true,
            },
            Err(_) => true,
        }
    }
}
