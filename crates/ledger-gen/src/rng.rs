//! SplitMix64 (Steele, Lea, Flood 2014), written out so that the output is the same on
//! every platform and with every version of every crate: the generator's bytes depend on
//! the scale and the seed only.

/// A tiny, fully specified PRNG. `Copy` on purpose: each entity owns one, so what an
/// entity generates never depends on the order entities are visited in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a strong 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for the entity named by `parts` (region, kind, index, …) under `seed`.
    /// Mixing every part in keeps neighbouring entities' streams unrelated.
    pub fn derive(seed: u64, parts: &[u64]) -> Rng {
        let mut state = mix(seed.wrapping_add(GOLDEN));
        for part in parts {
            state = mix(state ^ mix(part.wrapping_add(GOLDEN)));
        }
        Rng { state }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// An integer in `[0, n)`; 0 when `n` is 0. The modulo bias (< 2^-40 for the small
    /// ranges used here) does not matter for synthetic data.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// An integer in `[low, high]` (`low` if the range is empty).
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = high.abs_diff(low).saturating_add(1);
        low.saturating_add_unsigned(self.below(span))
    }

    /// True with probability `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// An index into `weights`, drawn in proportion to them (0 if they are all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut roll = self.below(total);
        for (index, &weight) in weights.iter().enumerate() {
            if roll < u64::from(weight) {
                return index;
            }
            roll -= u64::from(weight);
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The first outputs of SplitMix64 seeded with 0 (as in the reference C code).
        let mut rng = Rng { state: 0 };
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn ranges_are_respected() {
        let mut rng = Rng::derive(7, &[1, 2]);
        for _ in 0..1000 {
            let value = rng.between(-3, 5);
            assert!((-3..=5).contains(&value));
            assert!(rng.below(10) < 10);
        }
        assert_eq!(rng.between(4, 4), 4);
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.weighted(&[0, 0, 5]), 2);
    }
}
