//! Audit trails read from the log: one pass in position order, bounded memory.

use futures::TryStreamExt;
use ledger_domain::projection::audit::AuditTrail;
use ledger_store::{EventStore, StoreError};

use crate::view::decode;

/// The trail of the entity whose stream is `stream`, up to the head; `None` when the stream
/// names no household, child, sponsorship, sponsor or programme.
pub async fn trail(store: &EventStore, stream: &str) -> Result<Option<AuditTrail>, StoreError> {
    let Some(mut trail) = AuditTrail::for_stream(stream) else {
        return Ok(None);
    };
    let mut events = std::pin::pin!(store.read_all(1));
    while let Some(stored) = events.try_next().await? {
        if let Some(e) = decode(stored) {
            trail.apply(&e);
        }
    }
    Ok(Some(trail))
}
