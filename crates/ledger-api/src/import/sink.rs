//! Where an import's decided batches go, and what it asks the store about lines it may have
//! recorded before.

use std::collections::HashSet;
use std::sync::Arc;

use ledger_store::{AppendError, AppendRequest, Appended, EventStore, StoreError, WriteSession};
use uuid::Uuid;

use super::{landed_as_planned, Counts, SESSION_COMMIT_EVENTS};

/// Through the store's shared writer, one transaction each, or through a write session that
/// commits every [`SESSION_COMMIT_EVENTS`] events.
pub(super) struct Sink<'a> {
    pub(super) store: &'a EventStore,
    pub(super) session: Option<WriteSession>,
    /// Every event id the session wrote since its last commit, which connections outside the
    /// session do not see yet: at most one commit's worth of events and a batch. Kept only
    /// when lookups go beside the session.
    uncommitted: HashSet<Uuid>,
}

impl<'a> Sink<'a> {
    pub(super) fn new(store: &'a EventStore, session: Option<WriteSession>) -> Self {
        Sink {
            store,
            session,
            uncommitted: HashSet::new(),
        }
    }

    /// Which of `ids` are recorded, uncommitted appends of the session included.
    pub(super) async fn known(&mut self, ids: &[Uuid]) -> Result<HashSet<Uuid>, StoreError> {
        match &mut self.session {
            Some(session) => session.known_event_ids(ids).await,
            None => self.store.known_event_ids(ids).await,
        }
    }

    /// Whether ids are looked up on a pooled connection while a batch is written (always
    /// without a session) rather than asked of the session before it.
    pub(super) fn lookups_beside(&self) -> bool {
        self.session
            .as_ref()
            .is_none_or(WriteSession::lookups_beside)
    }

    /// Which of `ids` the session wrote and has not committed: a lookup on another
    /// connection, such as [`EventStore::known_event_ids`], misses them.
    pub(super) fn uncommitted_among(&self, ids: &[Uuid]) -> Vec<Uuid> {
        ids.iter()
            .filter(|id| self.uncommitted.contains(id))
            .copied()
            .collect()
    }

    /// The ids of `request`'s events when it goes through a session that is looked up beside:
    /// the ids a lookup running beside its append must not take as absent.
    pub(super) fn ids_written_by(&self, request: &AppendRequest) -> HashSet<Uuid> {
        match &self.session {
            Some(session) if session.lookups_beside() => event_ids(request).collect(),
            _ => HashSet::new(),
        }
    }

    /// Tells the session that `ids` are not stored (see [`WriteSession::note_absent`]).
    pub(super) async fn note_absent(&mut self, ids: Vec<Uuid>) -> Result<(), StoreError> {
        match &mut self.session {
            Some(session) if !ids.is_empty() => session.note_absent(ids).await,
            _ => Ok(()),
        }
    }

    /// Appends a decided batch; nothing for a batch whose lines were all recorded before.
    pub(super) async fn write(
        &mut self,
        request: AppendRequest,
        counts: Counts,
    ) -> Result<Option<Appended>, AppendError> {
        if counts.events == 0 {
            return Ok(None);
        }
        let Some(session) = &mut self.session else {
            return self.store.append(request).await.map(Some);
        };
        let ids: Vec<Uuid> = match session.lookups_beside() {
            true => event_ids(&request).collect(),
            false => Vec::new(),
        };
        let written = session.append(request).await;
        let as_planned = match &written {
            Err(AppendError::Storage(_)) => return written.map(Some),
            Ok(appended) => {
                self.uncommitted.extend(ids);
                landed_as_planned(appended, counts.first, counts.events)
            }
            Err(_) => false,
        };
        // After a surprise the working copy is folded again from the log, and the log it
        // reads holds only what is committed.
        if !as_planned || session.uncommitted_events() >= SESSION_COMMIT_EVENTS {
            session
                .commit()
                .await
                .map_err(|error| AppendError::Storage(Arc::new(error)))?;
            self.uncommitted = HashSet::new();
        }
        written.map(Some)
    }

    /// Commits the session's last appends and gives the write lock back.
    pub(super) async fn end(self) -> Result<(), StoreError> {
        match self.session {
            Some(session) => session.end().await,
            None => Ok(()),
        }
    }
}

fn event_ids(request: &AppendRequest) -> impl Iterator<Item = Uuid> + '_ {
    request
        .streams
        .iter()
        .flat_map(|stream| stream.events.iter().map(|event| event.event_id))
}
