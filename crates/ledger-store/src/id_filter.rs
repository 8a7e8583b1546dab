//! A Bloom filter of event ids: "certainly not added" or "perhaps added", in a fixed 2 MiB
//! whatever the count. A SQLite write session on a log that held only its own events asks the
//! database only about the ids the filter may hold: the importer of a province file waited
//! 1.5 s for lookups of ids that could not be stored (BENCHMARKS.md, eleventh pass).

use std::hash::BuildHasher;

use uuid::Uuid;

/// Bits in the filter: 2 MiB. With [`PROBES`], by the formula, 1M ids give 0.054 % false
/// positives, 2M give 1.9 %, 4M give 23 %: past that the filter passes more ids to the
/// database, never fewer than it must.
const BITS: usize = 1 << 24;

/// Bits set per id: the best count for about 1.6M ids in [`BITS`].
const PROBES: u64 = 7;

pub(crate) struct IdFilter {
    words: Vec<u64>,
    hasher: foldhash::quality::FixedState,
}

impl IdFilter {
    pub(crate) fn new() -> Self {
        IdFilter {
            words: vec![0; BITS / 64],
            hasher: foldhash::quality::FixedState::with_seed(0x05ee_d1d5),
        }
    }

    pub(crate) fn insert(&mut self, id: &Uuid) {
        for bit in self.bits(id) {
            self.words[bit / 64] |= 1 << (bit % 64);
        }
    }

    /// False only for an id never inserted.
    pub(crate) fn may_contain(&self, id: &Uuid) -> bool {
        self.bits(id)
            .all(|bit| self.words[bit / 64] & (1 << (bit % 64)) != 0)
    }

    /// Double hashing from one 64-bit hash: ids a client made in time order (UUIDv7) are not
    /// random in every byte, so the id's own bits are not used directly.
    fn bits(&self, id: &Uuid) -> impl Iterator<Item = usize> {
        let hash = self.hasher.hash_one(id.as_u128());
        let (first, step) = (hash, (hash >> 32) | 1);
        (0..PROBES).map(move |i| (first.wrapping_add(i.wrapping_mul(step)) as usize) % BITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_added_is_perhaps_held_and_few_others_are() {
        let mut filter = IdFilter::new();
        let added: Vec<Uuid> = (0..200_000).map(|_| Uuid::new_v4()).collect();
        for id in &added {
            filter.insert(id);
        }
        assert!(added.iter().all(|id| filter.may_contain(id)));
        let others = (0..200_000)
            .filter(|_| filter.may_contain(&Uuid::new_v4()))
            .count();
        // 200,000 ids in 2^24 bits: 2 in 10^8 by the formula. One probe per id (1.2 %) or a
        // hash that ignored half the id would pass far more.
        assert!(others < 20, "{others} false positives in 200,000");
    }

    #[test]
    fn ids_that_differ_in_a_few_bits_spread_as_well() {
        // Made in order, as a client's time-ordered ids are: only the high bits differ.
        let id = |i: u128| Uuid::from_u128(i << 80);
        let mut filter = IdFilter::new();
        for i in 0..100_000 {
            filter.insert(&id(i));
        }
        assert!((0..100_000).all(|i| filter.may_contain(&id(i))));
        let others = (100_000..200_000)
            .filter(|i| filter.may_contain(&id(*i)))
            .count();
        assert!(others < 20, "{others} false positives in 100,000");
    }
}
