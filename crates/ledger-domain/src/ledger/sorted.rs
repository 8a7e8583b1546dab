//! The ledger's hash maps serialised in key order, on request. Each map iterates in an order
//! seeded per map, so two equal ledgers serialise to different bytes unless the entries are
//! sorted first. Snapshots keep the cheaper iteration order (a decoder accepts any); a digest
//! that must be equal for equal ledgers asks for key order ([`with_sorted_maps`]).

use std::cell::Cell;
use std::collections::HashMap;

use serde::{Serialize, Serializer};

thread_local! {
    static SORTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every map of a ledger serialised in key order on this thread: bytes that are
/// equal exactly when the ledgers are, whatever order their maps happen to iterate in.
pub fn with_sorted_maps<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SORTED.set(self.0);
        }
    }
    let _restore = Restore(SORTED.replace(true));
    f()
}

/// A map as serde serialises one, its entries in key order inside [`with_sorted_maps`].
pub(crate) fn serialize<K, V, H, S>(
    map: &HashMap<K, V, H>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    K: Serialize + Ord,
    V: Serialize,
    S: Serializer,
{
    if SORTED.get() {
        let mut entries: Vec<(&K, &V)> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        serializer.collect_map(entries)
    } else {
        serializer.collect_map(map)
    }
}
