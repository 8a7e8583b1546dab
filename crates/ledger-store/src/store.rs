//! The façade callers use: opens a backend from a URL, validates appends and sends them through
//! the writer, and reads the log back.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinHandle;

use crate::backend::StorageBackend;
use crate::error::{AppendError, RestoreError, StoreError};
use crate::limits::TOKEN_RECHECK;
use crate::limits::{EVENTS_PER_APPEND_MAX, READ_PAGE_ROWS};
use crate::model::{AppendRequest, Appended, Head, RecordedEvent, StreamName};
use crate::page::EventPage;
use crate::plan::validate;
use crate::postgres::PostgresBackend;
use crate::session::WriteSession;
use crate::sqlite::SqliteBackend;
use crate::token_cache::TokenCache;
use crate::tokens::{self, CreatedToken, TokenRecord};
use crate::verify::{verify_log, VerifyReport};
use crate::writer::{self, Counters, Job, WriterStats};

pub struct EventStore {
    pub(crate) backend: Arc<dyn StorageBackend>,
    kind: &'static str,
    /// `None` once closed. Each append clones the sender, so appends already under way finish
    /// even while the store is closing.
    sender: std::sync::RwLock<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
    tokens: TokenCache,
}

impl EventStore {
    /// Opens (creating if needed) and migrates the ledger at `url`: `sqlite://PATH` or
    /// `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let (backend, kind): (Arc<dyn StorageBackend>, _) = if url.starts_with("sqlite:") {
            (Arc::new(SqliteBackend::open(url).await?), "sqlite")
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Arc::new(PostgresBackend::open(url).await?), "postgres")
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let counters = Arc::new(Counters::new(backend.head().await?.position));
        let (sender, task) = writer::spawn(backend.clone(), counters.clone());
        Ok(EventStore {
            backend,
            kind,
            sender: std::sync::RwLock::new(Some(sender)),
            writer: Mutex::new(Some(task)),
            counters,
            tokens: TokenCache::new(TOKEN_RECHECK),
        })
    }

    /// How long a token read from the database is trusted before it is read again: how late
    /// a revocation made by another process may reach this one. [`TOKEN_RECHECK`] by default;
    /// zero reads the database on every authentication.
    pub fn with_token_recheck(mut self, recheck: std::time::Duration) -> Self {
        self.tokens = TokenCache::new(recheck);
        self
    }

    /// "sqlite" or "postgres".
    pub fn backend_kind(&self) -> &'static str {
        self.kind
    }

    /// How many transactions, requests and events the writer has committed.
    pub fn writer_stats(&self) -> WriterStats {
        self.counters.snapshot()
    }

    /// Changes whenever this process commits events: the value is the last committed position.
    /// Appends by other processes are not seen here; readers that must see them also poll.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.counters.committed.subscribe()
    }

    /// Appends atomically: every event of every stream, or nothing.
    pub async fn append(&self, request: AppendRequest) -> Result<Appended, AppendError> {
        validate(&request)?;
        let sender = match self.sender.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
        .ok_or(AppendError::Closed)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job { request, reply })
            .await
            .map_err(|_| AppendError::Closed)?;
        answer.await.map_err(|_| AppendError::Closed)?
    }

    /// Takes the database's write lock for a bulk load: appends through the session share
    /// transactions until it commits (see [`WriteSession`]). Every other append waits until
    /// the session commits or ends, so hold it only for work that runs at full speed.
    pub async fn write_session(&self) -> Result<WriteSession, StoreError> {
        let inner = self.backend.begin_session().await?;
        Ok(WriteSession::new(inner, self.counters.clone()))
    }

    /// Appends events recorded elsewhere (an export) exactly as they were: same positions,
    /// versions, times and hashes. Each must continue the stored chain, its hash recomputed
    /// and compared; the call is atomic, so a refused batch writes nothing. Callers restoring
    /// a whole log into an empty ledger send it in order, in batches of at most
    /// [`EVENTS_PER_APPEND_MAX`](crate::limits::EVENTS_PER_APPEND_MAX).
    pub async fn restore(&self, events: &[RecordedEvent]) -> Result<Head, RestoreError> {
        if events.is_empty() {
            return Err(RestoreError::Empty);
        }
        if events.len() > EVENTS_PER_APPEND_MAX {
            return Err(RestoreError::TooManyEvents {
                count: events.len(),
                max: EVENTS_PER_APPEND_MAX,
            });
        }
        let head = self.backend.restore_batch(events).await?;
        self.counters.committed.send_if_modified(|p| {
            let newer = head.position > *p;
            *p = (*p).max(head.position);
            newer
        });
        Ok(head)
    }

    /// Every event from `from_position` (inclusive) on, in order, read a page at a time so
    /// memory stays bounded however long the log is (on PostgreSQL in one query, whose rows
    /// arrive while the caller works through the ones before).
    pub fn read_all(
        &self,
        from_position: u64,
    ) -> impl Stream<Item = Result<RecordedEvent, StoreError>> + Send + 'static {
        self.read_all_pages(from_position)
            .map_ok(|page| futures::stream::iter(page.into_events()).map(Ok))
            .try_flatten()
    }

    /// [`read_all`](Self::read_all) a page at a time, each page's texts in one buffer: for
    /// readers that turn every event into something of their own (a replay) and need not own
    /// the stored one first. No page is empty.
    pub fn read_all_pages(
        &self,
        from_position: u64,
    ) -> impl Stream<Item = Result<EventPage, StoreError>> + Send + 'static {
        let after = from_position.saturating_sub(1);
        if let Some(pages) = self.backend.read_after(after) {
            return pages
                .try_filter(|page| std::future::ready(!page.is_empty()))
                .boxed();
        }
        let backend = self.backend.clone();
        futures::stream::try_unfold(after, move |after| {
            let backend = backend.clone();
            async move {
                let page = backend.read_page(after, READ_PAGE_ROWS).await?;
                let Some(next) = page.last_position() else {
                    return Ok::<_, StoreError>(None);
                };
                Ok(Some((page, next)))
            }
        })
        .boxed()
    }

    /// Up to `limit` events after `after_position`: one page, for cursors.
    pub async fn read_page(
        &self,
        after_position: u64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        Ok(self
            .backend
            .read_page(after_position, limit)
            .await?
            .into_events())
    }

    /// [`read_page`](Self::read_page) with the page's texts in one buffer (see
    /// [`read_all_pages`](Self::read_all_pages)).
    pub async fn read_event_page(
        &self,
        after_position: u64,
        limit: u32,
    ) -> Result<EventPage, StoreError> {
        self.backend.read_page(after_position, limit).await
    }

    /// The events of one stream from `from_version` (inclusive; versions start at 1).
    pub async fn read_stream(
        &self,
        stream: &StreamName,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.backend
            .read_stream(stream.as_str(), from_version)
            .await
    }

    /// Which of `ids` are already stored (for importers that skip what they imported before).
    pub async fn known_event_ids(
        &self,
        ids: &[uuid::Uuid],
    ) -> Result<std::collections::HashSet<uuid::Uuid>, StoreError> {
        Ok(self
            .backend
            .known_event_ids(ids)
            .await?
            .into_iter()
            .collect())
    }

    /// The last position and its hash.
    pub async fn head(&self) -> Result<Head, StoreError> {
        self.backend.head().await
    }

    /// The last position at or before `upto` whose event was recorded at or before `at` (0 if
    /// none was). Recording times never decrease along the log, so this is a binary search of
    /// single-row reads by position (about 20 at 1M events) rather than a scan of a column that
    /// has no index.
    pub async fn last_position_recorded_by(
        &self,
        at: DateTime<Utc>,
        upto: u64,
    ) -> Result<u64, StoreError> {
        // Invariant: `known` was recorded by `at` (0 stands for "before the log"), and every
        // position past `unknown` (when below `upto + 1`) was recorded after it.
        let (mut known, mut unknown) = (0, upto.saturating_add(1));
        while unknown - known > 1 {
            let middle = known + (unknown - known) / 2;
            let page = self.backend.read_page(middle - 1, 1).await?;
            match page.iter().find(|e| e.position == middle) {
                Some(event) if event.recorded_at <= at => known = middle,
                Some(_) => unknown = middle,
                // Past the stored log.
                None => unknown = middle,
            }
        }
        Ok(known)
    }

    /// The original request hash and result stored under an idempotency key, if any.
    pub async fn idempotent_result(
        &self,
        key: &str,
    ) -> Result<Option<crate::plan::StoredKey>, StoreError> {
        self.backend.idempotency_key(key).await
    }

    /// A new API token for `role`; its text is returned once and only its hash is kept.
    pub async fn create_token(&self, name: &str, role: &str) -> Result<CreatedToken, StoreError> {
        let (id, secret, token) = tokens::generate()?;
        let record = TokenRecord {
            id,
            name: name.to_owned(),
            role: role.to_owned(),
            created_at: tokens::time(chrono::Utc::now().timestamp_micros()),
            revoked_at: None,
        };
        self.backend
            .insert_token(&record, &tokens::secret_hash(&secret))
            .await?;
        Ok(CreatedToken { record, token })
    }

    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.backend.list_tokens().await
    }

    /// Revokes at once for this store; another process sharing the database (another
    /// server) refuses the token at most [`TOKEN_RECHECK`] later.
    pub async fn revoke_token(&self, id: &str) -> Result<(), StoreError> {
        self.tokens.forget(id);
        let now = chrono::Utc::now().timestamp_micros();
        match self.backend.revoke_token(id, now).await? {
            true => Ok(()),
            false => Err(StoreError::UnknownToken(id.to_owned())),
        }
    }

    /// The live token a presented bearer token stands for, or `None` when it is malformed,
    /// unknown, revoked or wrong. The secret's hash is compared in constant time.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<TokenRecord>, StoreError> {
        let Some((id, secret)) = tokens::split(presented) else {
            return Ok(None);
        };
        let (record, stored_hash) = match self.tokens.fresh(id) {
            Some(read) => read,
            None => {
                let Some((record, stored_hash)) = self.backend.token(id).await? else {
                    return Ok(None);
                };
                self.tokens.keep(&record, &stored_hash);
                (record, stored_hash)
            }
        };
        let matches = tokens::digests_equal(&tokens::secret_hash(secret), &stored_hash);
        Ok((matches && record.revoked_at.is_none()).then_some(record))
    }

    /// The ledger's 32-byte signing seed (an Ed25519 secret key for checkpoints), generated
    /// from the operating system's randomness on first use and kept in the database.
    pub async fn signing_seed(&self) -> Result<[u8; 32], StoreError> {
        let mut candidate = [0u8; 32];
        getrandom::fill(&mut candidate).map_err(|e| StoreError::Randomness(e.to_string()))?;
        let stored = self
            .backend
            .signing_seed(&candidate, chrono::Utc::now().timestamp_micros())
            .await?;
        stored
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Corrupt {
                position: 0,
                reason: "the stored signing seed is not 32 bytes".to_owned(),
            })
    }

    /// Recomputes the whole chain from the stored bytes.
    pub async fn verify(&self) -> Result<VerifyReport, StoreError> {
        verify_log(self.backend.as_ref(), |_| {}).await
    }

    /// [`EventStore::verify`], calling `progress(events_checked)` as it goes.
    pub async fn verify_with_progress(
        &self,
        progress: impl FnMut(u64),
    ) -> Result<VerifyReport, StoreError> {
        verify_log(self.backend.as_ref(), progress).await
    }

    /// Stops taking appends, lets the writer commit and answer what it has queued, then closes
    /// the connections.
    pub async fn close(&self) {
        match self.sender.write() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(task) = self.writer.lock().await.take() {
            if let Err(error) = task.await {
                tracing::error!(%error, "the ledger writer ended abnormally");
            }
        }
        self.backend.close().await;
    }
}
