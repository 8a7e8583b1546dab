//! A write session: one writer holds the database's write lock across many appends and
//! commits when it chooses, instead of one transaction (one fsync, one pass of dirty index
//! pages through the WAL) per append. For bulk loads such as an import; every other writer,
//! in this process or another, waits for the session to commit or end.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::backend::BackendSession;
use crate::error::{AppendError, StoreError};
use crate::model::{AppendRequest, Appended};
use crate::plan::validate;
use crate::writer::{now_micros, Counters};

/// The session's statements run on a task of their own, so that a caller computing between
/// its awaits (an importer deciding the next batch while this one is written) does not stall
/// them: a statement's round trip needs the task that sent it to be polled again.
pub struct WriteSession {
    /// `None` once a write failed in the database: the open transaction was rolled back.
    worker: Option<mpsc::Sender<Command>>,
    counters: Arc<Counters>,
    /// Events written since the last commit, and the last of their positions.
    uncommitted: u64,
    last_position: u64,
    lookups_beside: bool,
}

type Outcomes = Vec<Result<Appended, AppendError>>;

enum Command {
    Known(Vec<Uuid>, oneshot::Sender<Result<Vec<Uuid>, StoreError>>),
    Absent(Vec<Uuid>, oneshot::Sender<Result<(), StoreError>>),
    /// Answers with the request back, so that its many small allocations are freed on the
    /// caller's thread, which made them (a free from another thread costs several times more).
    Write(
        AppendRequest,
        oneshot::Sender<Result<(Outcomes, AppendRequest), StoreError>>,
    ),
    Commit(oneshot::Sender<Result<(), StoreError>>),
    End(oneshot::Sender<Result<(), StoreError>>),
}

/// Runs the session's commands in order until the session ends or is dropped; dropping the
/// backend session without ending it rolls back what it had not committed.
async fn serve(mut session: Box<dyn BackendSession>, mut commands: mpsc::Receiver<Command>) {
    while let Some(command) = commands.recv().await {
        match command {
            Command::Known(ids, reply) => {
                let _ = reply.send(session.known_event_ids(&ids).await);
            }
            Command::Absent(ids, reply) => {
                session.absent(&ids);
                let _ = reply.send(Ok(()));
            }
            Command::Write(request, reply) => {
                let written = session.write(&[&request], now_micros()).await;
                let _ = reply.send(written.map(|outcomes| (outcomes, request)));
            }
            Command::Commit(reply) => {
                let _ = reply.send(session.commit().await);
            }
            Command::End(reply) => {
                let _ = reply.send(session.end().await);
                return;
            }
        }
    }
}

impl WriteSession {
    pub(crate) fn new(inner: Box<dyn BackendSession>, counters: Arc<Counters>) -> Self {
        let lookups_beside = inner.lookups_beside();
        let (sender, receiver) = mpsc::channel(1);
        tokio::spawn(serve(inner, receiver));
        WriteSession {
            worker: Some(sender),
            counters,
            uncommitted: 0,
            last_position: 0,
            lookups_beside,
        }
    }

    /// Sends one command and waits for its answer.
    async fn ask<T>(
        &mut self,
        command: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Command,
    ) -> Result<T, StoreError> {
        let worker = self.worker.as_ref().ok_or(StoreError::SessionRolledBack)?;
        let (reply, answer) = oneshot::channel();
        let answered = match worker.send(command(reply)).await {
            Ok(()) => answer.await.unwrap_or(Err(StoreError::SessionRolledBack)),
            Err(_) => Err(StoreError::SessionRolledBack),
        };
        if answered.is_err() {
            // Part of a batch may be in the transaction: drop it, rolling back.
            self.worker = None;
            self.uncommitted = 0;
        }
        answered
    }

    /// Which of `ids` are stored, this session's uncommitted appends included.
    pub async fn known_event_ids(&mut self, ids: &[Uuid]) -> Result<HashSet<Uuid>, StoreError> {
        let ids = ids.to_vec();
        let known = self.ask(|reply| Command::Known(ids, reply)).await?;
        Ok(known.into_iter().collect())
    }

    /// Whether an importer should look up ids on another connection while this session
    /// writes ([`EventStore::known_event_ids`](crate::EventStore::known_event_ids), then
    /// [`WriteSession::note_absent`]) rather than ask [`WriteSession::known_event_ids`]
    /// before each write: true on PostgreSQL, false on SQLite.
    pub fn lookups_beside(&self) -> bool {
        self.lookups_beside
    }

    /// Tells the session that `ids` are not stored, as found by
    /// [`EventStore::known_event_ids`](crate::EventStore::known_event_ids) on another connection
    /// while this session wrote: its next write then does not ask the database about them. That
    /// connection sees only committed events, so the caller must have left out every id this
    /// session wrote and has not committed, and every id of an append running meanwhile. An id
    /// wrongly noted fails the write that inserts it again on the log's unique index, which
    /// rolls the session back; it cannot store an event twice.
    pub async fn note_absent(&mut self, ids: Vec<Uuid>) -> Result<(), StoreError> {
        self.ask(|reply| Command::Absent(ids, reply)).await
    }

    /// Appends as [`EventStore::append`](crate::EventStore::append) does, with the same
    /// checks and answers, but the events are durable only after the next
    /// [`WriteSession::commit`] or [`WriteSession::end`]. A database failure rolls back every
    /// append since the last commit and ends the session.
    pub async fn append(&mut self, request: AppendRequest) -> Result<Appended, AppendError> {
        validate(&request)?;
        let (mut outcomes, request) = self
            .ask(|reply| Command::Write(request, reply))
            .await
            .map_err(|error| AppendError::Storage(Arc::new(error)))?;
        drop(request);
        let outcome = outcomes.pop().ok_or(AppendError::Closed)?;
        if let Ok(appended) = &outcome {
            if !appended.idempotent_replay {
                self.uncommitted += appended.events.len() as u64;
                self.last_position = self.last_position.max(appended.last_position());
            }
        }
        outcome
    }

    /// Events appended since the last commit.
    pub fn uncommitted_events(&self) -> u64 {
        self.uncommitted
    }

    /// Makes every append so far durable; the session keeps the write lock.
    pub async fn commit(&mut self) -> Result<(), StoreError> {
        self.ask(Command::Commit).await?;
        self.published();
        Ok(())
    }

    /// Makes every append so far durable and gives the write lock back.
    pub async fn end(mut self) -> Result<(), StoreError> {
        self.ask(Command::End).await?;
        self.published();
        Ok(())
    }

    fn published(&mut self) {
        if self.uncommitted > 0 {
            self.counters
                .committed_transaction(self.uncommitted, self.last_position);
        }
        self.uncommitted = 0;
    }
}
