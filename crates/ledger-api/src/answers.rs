//! Query answers already rendered, kept for reuse. A query's answer is a function of the
//! request (path, parameters, query date) and of the log up to the position it read, and the
//! log below a position never changes; so an answer can be given again, byte for byte, to
//! the same request at the same position. Dashboards poll the same aggregates, and some of
//! them walk every sponsorship (milliseconds at a province's scale); with this, a poll
//! costs one such walk per change of the ledger, not one per request.
//!
//! Two pools, both bounded in entries and bytes:
//! - **live** answers, valid while the live view stays at their position: the pool is
//!   emptied when the view moves on;
//! - **historical** answers (`as_of`, `known_at`, `at_position`), keyed by the last position
//!   the replay read, valid forever; the oldest go first when the pool is full.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::body::Bytes;

/// Largest answer kept; bigger ones (full detail lists) are rendered every time.
pub const LARGEST_ANSWER_BYTES: usize = 4 << 20;
/// Bytes of answers kept per pool.
const POOL_BYTES: usize = 32 << 20;
/// Answers kept per pool.
const POOL_ENTRIES: usize = 512;

#[derive(Default)]
pub struct AnswerCache {
    live: Mutex<LivePool>,
    historical: Mutex<HistoricalPool>,
}

#[derive(Default)]
struct LivePool {
    position: u64,
    answers: HashMap<String, Bytes>,
    bytes: usize,
}

#[derive(Default)]
struct HistoricalPool {
    answers: HashMap<(String, u64), Bytes>,
    order: VecDeque<(String, u64)>,
    bytes: usize,
}

impl AnswerCache {
    /// The answer to `request` rendered when the live view was at `position`.
    pub fn live(&self, request: &str, position: u64) -> Option<Bytes> {
        let pool = self.live.lock().ok()?;
        (pool.position == position)
            .then(|| pool.answers.get(request).cloned())
            .flatten()
    }

    /// Keeps the answer to `request` rendered at `position`. An answer at a newer position
    /// empties the pool; one at an older position (a slow request overtaken) is dropped.
    pub fn keep_live(&self, request: String, position: u64, answer: Bytes) {
        let Ok(mut pool) = self.live.lock() else {
            return;
        };
        if position > pool.position {
            *pool = LivePool {
                position,
                ..LivePool::default()
            };
        }
        let fits = answer.len() <= LARGEST_ANSWER_BYTES
            && pool.bytes + answer.len() <= POOL_BYTES
            && pool.answers.len() < POOL_ENTRIES;
        if position == pool.position && fits {
            pool.bytes += answer.len();
            if let Some(replaced) = pool.answers.insert(request, answer) {
                pool.bytes -= replaced.len();
            }
        }
    }

    /// The answer to `request` replayed up to position `upto`.
    pub fn historical(&self, request: &str, upto: u64) -> Option<Bytes> {
        let pool = self.historical.lock().ok()?;
        pool.answers.get(&(request.to_owned(), upto)).cloned()
    }

    /// Keeps the answer to `request` replayed up to `upto`, dropping the oldest answers to
    /// make room.
    pub fn keep_historical(&self, request: String, upto: u64, answer: Bytes) {
        if answer.len() > LARGEST_ANSWER_BYTES {
            return;
        }
        let Ok(mut pool) = self.historical.lock() else {
            return;
        };
        while pool.bytes + answer.len() > POOL_BYTES || pool.answers.len() >= POOL_ENTRIES {
            let Some(oldest) = pool.order.pop_front() else {
                break;
            };
            if let Some(dropped) = pool.answers.remove(&oldest) {
                pool.bytes -= dropped.len();
            }
        }
        let key = (request, upto);
        pool.bytes += answer.len();
        if let Some(replaced) = pool.answers.insert(key.clone(), answer) {
            pool.bytes -= replaced.len();
        } else {
            pool.order.push_back(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_answer_is_given_only_at_its_position() {
        let cache = AnswerCache::default();
        cache.keep_live("q".into(), 7, Bytes::from_static(b"seven"));
        assert_eq!(cache.live("q", 7).as_deref(), Some(&b"seven"[..]));
        assert_eq!(cache.live("q", 8), None);
        assert_eq!(cache.live("other", 7), None);
        cache.keep_live("q".into(), 8, Bytes::from_static(b"eight"));
        assert_eq!(cache.live("q", 7), None, "moving on empties the pool");
        cache.keep_live("q".into(), 7, Bytes::from_static(b"late"));
        assert_eq!(cache.live("q", 8).as_deref(), Some(&b"eight"[..]));
    }

    #[test]
    fn pools_stay_within_their_bounds() {
        let cache = AnswerCache::default();
        let big = Bytes::from(vec![b'x'; LARGEST_ANSWER_BYTES + 1]);
        cache.keep_live("big".into(), 1, big.clone());
        assert_eq!(cache.live("big", 1), None);
        cache.keep_historical("big".into(), 1, big);
        assert_eq!(cache.historical("big", 1), None);
        let answer = Bytes::from(vec![b'y'; LARGEST_ANSWER_BYTES]);
        for upto in 0..20 {
            cache.keep_historical("h".into(), upto, answer.clone());
        }
        let pool = cache.historical.lock().unwrap();
        assert!(pool.bytes <= POOL_BYTES);
        assert_eq!(pool.answers.len(), POOL_BYTES / LARGEST_ANSWER_BYTES);
        assert!(
            pool.answers.contains_key(&("h".to_owned(), 19)),
            "newest kept"
        );
        assert!(
            !pool.answers.contains_key(&("h".to_owned(), 0)),
            "oldest dropped"
        );
    }
}
