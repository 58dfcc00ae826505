//! Following one job to its end, as `run` and `tail` do: events to the renderer, Ctrl-C
//! (cancel or detach), approval questions, and the exit code from the job's final state.

use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::time::MissedTickBehavior;

use super::event::JobEvent;
use super::exit::Exit;
use super::follow::{EventFeed, FeedItem};
use super::http::{ClientError, Gateway};
use super::prompt::{Answer, Prompter};
use super::render::Render;
use super::term::Terminal;
use crate::jobs::model::END_OF_STREAM;

/// How approval requests are answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ApprovalPolicy {
    /// Ask on the terminal; without one, leave the job waiting.
    Ask,
    Approve,
    Deny,
}

/// What the user chose after Ctrl-C.
enum Choice {
    Keep,
    Cancel,
    Detach,
}

/// How often spinners move.
const TICK: Duration = Duration::from_millis(100);

/// One job being followed.
pub struct Session {
    gateway: Gateway,
    job_id: String,
    render: Box<dyn Render>,
    terminal: Terminal,
    policy: ApprovalPolicy,
    prompter: Prompter,
    interrupts: Signal,
    /// A cancel has been asked for; the next Ctrl-C stops waiting.
    cancelling: bool,
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
            cancelling: false,
        })
    }

    /// Follows the job until `end_of_stream` (or a detach) and answers the exit code.
    pub async fn follow(mut self, retries: u32) -> Result<Exit, ClientError> {
        let mut feed = EventFeed::new(self.gateway.clone(), &self.job_id, retries);
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut state = None;
        loop {
            let animated = self.render.animated();
            tokio::select! {
                item = feed.next() => match item {
                    Ok(None) => break,
                    Ok(Some(FeedItem::Notice(text))) => self.render.notice(&text),
                    Ok(Some(FeedItem::Event(event))) => {
                        self.render.event(&event);
                        if event.name == END_OF_STREAM {
                            state = Some(event.field("state").to_string());
                        } else if event.name == "approval_required"
                            && let Some(exit) = self.approval(&event).await?
                        {
                            return Ok(exit);
                        }
                    }
                    Err(e) => {
                        self.render.pause();
                        return Err(e);
                    }
                },
                _ = self.interrupts.recv() => {
                    if let Some(exit) = self.interrupted().await {
                        return Ok(exit);
                    }
                }
                _ = ticker.tick(), if animated => self.render.tick(),
            }
        }
        Ok(state.as_deref().map(Exit::from_state).unwrap_or(Exit::Failed))
    }

    /// Ctrl-C: ask (terminal) or cancel (no terminal). `Some` ends the session.
    async fn interrupted(&mut self) -> Option<Exit> {
        if self.cancelling {
            self.render
                .notice("stopped waiting; the job was already asked to cancel");
            return Some(Exit::Cancelled);
        }
        let choice = if self.terminal.interactive() {
            self.render.pause();
            let question = "\nInterrupted: [c]ancel the job, [d]etach and leave it running, \
                            or Enter to keep following (Ctrl-C again cancels) ";
            match self.prompter.ask(question, &mut self.interrupts).await {
                Answer::Line(line) if line.starts_with('c') => Choice::Cancel,
                Answer::Line(line) if line.starts_with('d') => Choice::Detach,
                Answer::Interrupted => Choice::Cancel,
                Answer::Line(_) | Answer::Closed => Choice::Keep,
            }
        } else {
            Choice::Cancel
        };
        match choice {
            Choice::Keep => None,
            Choice::Detach => {
                let id = &self.job_id;
                self.render.notice(&format!(
                    "detached; job {id} keeps running. Follow it with: conductor-gateway tail {id}"
                ));
                Some(Exit::Detached)
            }
            Choice::Cancel => self.cancel().await,
        }
    }

    /// Asks the gateway to cancel; the stream then shows how the job ended.
    async fn cancel(&mut self) -> Option<Exit> {
        self.render
            .notice(&format!("cancelling job {} …", self.job_id));
        self.cancelling = true;
        tokio::select! {
            answer = self.gateway.cancel(&self.job_id) => match answer {
                Ok(_) => {}
                Err(ClientError::Status { status: 409, detail }) => self.render.notice(&detail),
                Err(e) => {
                    self.cancelling = false;
                    self.render.notice(&format!("cancel failed: {e}"));
                }
            },
            _ = self.interrupts.recv() => return Some(Exit::Cancelled),
        }
        None
    }

    /// `approval_required`: answer it by the policy, or ask. `Some` ends the session (detach).
    async fn approval(&mut self, event: &JobEvent) -> Result<Option<Exit>, ClientError> {
        let call_id = event.field("call_id").to_string();
        let tool = event.field("tool").to_string();
        if call_id.is_empty() {
            self.render
                .notice("the approval request has no call_id, so it cannot be answered here");
            return Ok(None);
        }
        // A replayed request of a finished job is history, not a question.
        if self.job_finished().await {
            return Ok(None);
        }
        let decision = match self.policy {
            ApprovalPolicy::Approve => Some(true),
            ApprovalPolicy::Deny => Some(false),
            ApprovalPolicy::Ask if self.terminal.interactive() => loop {
                if self.cancelling {
                    break None;
                }
                self.render.pause();
                match self.prompter.ask("Approve? [y/N] ", &mut self.interrupts).await {
                    Answer::Line(line) => break Some(line == "y" || line == "yes"),
                    Answer::Closed => break None,
                    Answer::Interrupted => {
                        if let Some(exit) = self.interrupted().await {
                            return Ok(Some(exit));
                        }
                    }
                }
            },
            ApprovalPolicy::Ask => {
                let id = &self.job_id;
                self.render.notice(&format!(
                    "job {id} awaits approval of {tool} (call {call_id}); answer it from a \
                     terminal (conductor-gateway tail {id}) or with --approve / --deny"
                ));
                None
            }
        };
        if let Some(approve) = decision {
            let answer = self
                .gateway
                .answer_approval(&self.job_id, &call_id, approve)
                .await;
            match answer {
                Ok(()) if approve => self.render.notice(&format!("approved {tool}")),
                Ok(()) => self.render.notice(&format!("denied {tool}")),
                Err(e) => self
                    .render
                    .notice(&format!("could not answer the approval: {e}")),
            }
        }
        Ok(None)
    }

    /// Whether the gateway says the job has already ended (unknown counts as running).
    async fn job_finished(&self) -> bool {
        match self.gateway.job(&self.job_id).await {
            Ok(job) => matches!(
                job["state"].as_str(),
                Some("succeeded" | "failed" | "cancelled" | "timed_out")
            ),
            Err(_) => false,
        }
    }
}
