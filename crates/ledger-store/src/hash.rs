//! The hash chain: SHA-256 over the previous hash and a length-prefixed encoding of every
//! envelope field, so no two different envelopes share an encoding.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::date_text::IsoDate;

/// The "previous hash" of the first event.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];

/// Tag hashed first, so a hash of this chain can never be mistaken for another format's.
const DOMAIN_TAG: &[u8] = b"welfare-ledger/event/v1";

/// Fields of one event in hashing order. Borrowed so the writer and `verify` share it without
/// copying.
pub struct HashInput<'a> {
    pub position: u64,
    pub stream: &'a str,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub kind: &'a str,
    pub schema_version: u32,
    pub occurred_on: NaiveDate,
    pub recorded_at_micros: i64,
    pub recorded_by: &'a str,
    pub source_ref: Option<&'a str>,
    pub payload: &'a str,
}

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// The hash of one event given the hash of the event before it.
pub fn chain_hash(previous: &[u8; 32], e: &HashInput<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    field(&mut h, DOMAIN_TAG);
    field(&mut h, previous);
    field(&mut h, &e.position.to_be_bytes());
    field(&mut h, e.stream.as_bytes());
    field(&mut h, &e.stream_version.to_be_bytes());
    field(&mut h, e.event_id.as_bytes());
    field(&mut h, e.kind.as_bytes());
    field(&mut h, &e.schema_version.to_be_bytes());
    field(&mut h, IsoDate::new(e.occurred_on).as_str().as_bytes());
    field(&mut h, &e.recorded_at_micros.to_be_bytes());
    field(&mut h, e.recorded_by.as_bytes());
    match e.source_ref {
        None => field(&mut h, &[0]),
        Some(s) => {
            field(&mut h, &[1]);
            field(&mut h, s.as_bytes());
        }
    }
    field(&mut h, e.payload.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(source_ref: Option<&'a str>, payload: &'a str) -> HashInput<'a> {
        HashInput {
            position: 1,
            stream: "s",
            stream_version: 1,
            event_id: Uuid::nil(),
            kind: "K",
            schema_version: 1,
            occurred_on: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default(),
            recorded_at_micros: 0,
            recorded_by: "a",
            source_ref,
            payload,
        }
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_hash() {
        let a = chain_hash(&GENESIS_HASH, &input(Some("ab"), "{}"));
        let b = chain_hash(&GENESIS_HASH, &input(Some("a"), "b{}"));
        assert_ne!(a, b);
    }

    #[test]
    fn an_absent_source_ref_differs_from_an_empty_one() {
        let a = chain_hash(&GENESIS_HASH, &input(None, "{}"));
        let b = chain_hash(&GENESIS_HASH, &input(Some(""), "{}"));
        assert_ne!(a, b);
    }

    #[test]
    fn the_previous_hash_is_part_of_the_hash() {
        let a = chain_hash(&GENESIS_HASH, &input(None, "{}"));
        let b = chain_hash(&[1u8; 32], &input(None, "{}"));
        assert_ne!(a, b);
    }
}
