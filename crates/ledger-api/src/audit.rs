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
    let mut pages = std::pin::pin!(store.read_all_pages(1));
    while let Some(page) = pages.try_next().await? {
        for e in page.iter().filter_map(|stored| decode(&stored)) {
            trail.apply(&e);
        }
    }
    Ok(Some(trail))
}
