//! One job in memory: its record, its bounded ring of encoded events, and a
//! subscriber's position in that ring (replay, a gap when events were dropped,
//! then live events woken through the `watch` channel).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::super::lock;
use super::super::model::JobRecord;
use super::super::store::{Delivery, StoredEvent};

pub struct Entry {
    pub record: Mutex<JobRecord>,
    pub log: Mutex<Log>,
    /// Carries the last sequence number; subscribers wait on it.
    pub notify: watch::Sender<u64>,
    pub finished: Mutex<Option<Instant>>,
}

pub struct Log {
    pub events: VecDeque<Arc<StoredEvent>>,
    pub bytes: usize,
    pub last_seq: u64,
    pub closed: bool,
}

impl Entry {
    pub fn expired(&self, retention: Duration) -> bool {
        lock(&self.finished).is_some_and(|at| at.elapsed() >= retention)
    }
}

/// One subscriber's position in a log.
pub struct Follow {
    pub entry: Arc<Entry>,
    pub rx: watch::Receiver<u64>,
    pub next: u64,
    pub pending: VecDeque<Delivery>,
    pub done: bool,
}

impl Follow {
    pub async fn next_delivery(mut self) -> Option<(Delivery, Self)> {
        loop {
            if let Some(d) = self.pending.pop_front() {
                if let Delivery::Event(e) = &d
                    && e.terminal
                {
                    self.done = true;
                }
                return Some((d, self));
            }
            if self.done {
                return None;
            }
            // Mark the current version seen before reading the log, so an append
            // that lands after the read still wakes us.
            self.rx.borrow_and_update();
            self.fill();
            if !self.pending.is_empty() {
                continue;
            }
            if self.rx.changed().await.is_err() {
                return None;
            }
        }
    }

    /// Copies references to every retained event at or after `next`.
    pub fn fill(&mut self) {
        let log = lock(&self.entry.log);
        let Some(first) = log.events.front().map(|e| e.seq) else {
            return;
        };
        if self.next > log.last_seq {
            // Past the end of a finished job: its end again, so the client stops.
            if log.closed
                && let Some(end) = log.events.back()
            {
                self.pending.push_back(Delivery::Event(end.clone()));
            }
            return;
        }
        if self.next < first {
            self.pending.push_back(Delivery::Gap {
                first: self.next,
                last: first - 1,
            });
            self.next = first;
        }
        let start = (self.next - first) as usize;
        self.pending.extend(
            log.events
                .iter()
                .skip(start)
                .map(|e| Delivery::Event(e.clone())),
        );
        self.next = log.last_seq + 1;
    }
}
