//! A token bucket per authenticated API token, so one runaway client (a dashboard stuck in a
//! refresh loop, a batch job without back-off) cannot take the server from everyone else.
//! Buckets are keyed by the token's public id and created only after the token has been
//! authenticated, so unknown or forged ids never cost memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sustained requests per second per token when nothing else is configured. A dashboard
/// refreshing its twenty panels every few seconds needs well under 10/s; a batch client
/// recording one command per request is limited by the writer long before 200/s on one
/// token matters; bulk loads belong to `welfare-ledger import`. 200/s still keeps one token
/// to a fraction of what the server answers in total (see scripts/load.sh).
pub const DEFAULT_PER_SECOND: u32 = 200;

/// Requests a token may make at once above the sustained rate: two seconds' worth, enough
/// for a dashboard opening every panel together or a client retrying a batch.
pub const DEFAULT_BURST: u32 = 400;

/// Most buckets kept. Tokens are few (an admin makes them by hand), so this is only reached
/// if something is badly wrong; a full bucket is the same as none, so those go first.
const BUCKETS_MAX: usize = 10_000;

/// How fast a token may call, or no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second; 0 turns limiting off.
    pub per_second: u32,
    /// Requests allowed at once on top of an idle period; at least 1 when limiting.
    pub burst: u32,
}

impl RateLimit {
    pub const OFF: RateLimit = RateLimit {
        per_second: 0,
        burst: 0,
    };

    pub fn is_off(&self) -> bool {
        self.per_second == 0 || self.burst == 0
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: DEFAULT_PER_SECOND,
            burst: DEFAULT_BURST,
        }
    }
}

/// A token that must wait before its next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("more than {per_second} requests per second (burst {burst}) on this token; retry after {retry_after_secs} s")]
pub struct Limited {
    pub per_second: u32,
    pub burst: u32,
    /// Whole seconds until one request is allowed again (what `Retry-After` says).
    pub retry_after_secs: u64,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant, limit: RateLimit) -> f64 {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        (self.tokens + elapsed * f64::from(limit.per_second)).min(f64::from(limit.burst))
    }
}

/// The buckets of every token seen recently, behind one short-held lock: a check is a map
/// lookup and some arithmetic, never awaited across.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes one request from `token_id`'s bucket, or says how long to wait.
    pub fn check(&self, token_id: &str) -> Result<(), Limited> {
        self.check_at(token_id, Instant::now())
    }

    fn check_at(&self, token_id: &str, now: Instant) -> Result<(), Limited> {
        let limit = self.limit;
        if limit.is_off() {
            return Ok(());
        }
        // A panic elsewhere while holding the lock leaves the map consistent (every write is
        // a single insert), so keep using it rather than failing every request.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(token_id) && buckets.len() >= BUCKETS_MAX {
            buckets.retain(|_, b| b.refilled(now, limit) < f64::from(limit.burst));
            if buckets.len() >= BUCKETS_MAX {
                // Ten thousand tokens all busy at once: limiting is for fairness, not
                // authentication, so let the request through rather than grow further.
                tracing::warn!(buckets = buckets.len(), "rate-limit table full");
                return Ok(());
            }
        }
        let bucket = buckets.entry(token_id.to_owned()).or_insert(Bucket {
            tokens: f64::from(limit.burst),
            updated: now,
        });
        let available = bucket.refilled(now, limit);
        bucket.updated = now;
        if available >= 1.0 {
            bucket.tokens = available - 1.0;
            Ok(())
        } else {
            bucket.tokens = available;
            let wait = Duration::from_secs_f64((1.0 - available) / f64::from(limit.per_second));
            Err(Limited {
                per_second: limit.per_second,
                burst: limit.burst,
                retry_after_secs: whole_seconds_at_least_one(wait),
            })
        }
    }

    /// Buckets held now (for tests of the memory bound).
    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// `Retry-After` is whole seconds; rounding down would invite a retry that fails again.
fn whole_seconds_at_least_one(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimit { per_second, burst })
    }

    #[test]
    fn a_burst_passes_then_the_next_request_waits_and_other_tokens_do_not() {
        let l = limiter(2, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check_at("a", t0), Ok(()));
        }
        let limited = l.check_at("a", t0).unwrap_err();
        assert_eq!(limited.retry_after_secs, 1);
        assert_eq!(l.check_at("b", t0), Ok(()));
        assert_eq!(l.check_at("a", t0 + Duration::from_millis(500)), Ok(()));
        assert!(l.check_at("a", t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn a_request_is_allowed_again_once_one_whole_request_has_refilled() {
        let l = limiter(1, 1);
        let t0 = Instant::now();
        assert_eq!(l.check_at("x", t0), Ok(()));
        assert_eq!(l.check_at("x", t0).unwrap_err().retry_after_secs, 1);
        assert!(l.check_at("x", t0 + Duration::from_millis(999)).is_err());
        assert_eq!(l.check_at("x", t0 + Duration::from_millis(1001)), Ok(()));
    }

    #[test]
    fn zero_turns_limiting_off_and_keeps_no_buckets() {
        let l = limiter(0, 400);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert_eq!(l.check_at("a", t0), Ok(()));
        }
        assert_eq!(l.tracked(), 0);
    }

    #[test]
    fn idle_buckets_make_room_so_the_table_stays_bounded() {
        let l = limiter(10, 10);
        let t0 = Instant::now();
        for i in 0..BUCKETS_MAX {
            assert_eq!(l.check_at(&format!("t{i}"), t0), Ok(()));
        }
        assert_eq!(l.tracked(), BUCKETS_MAX);
        // Two seconds later every bucket has refilled and can be forgotten.
        assert_eq!(l.check_at("new", t0 + Duration::from_secs(2)), Ok(()));
        assert_eq!(l.tracked(), 1);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(1001)), 2);
        assert_eq!(whole_seconds_at_least_one(Duration::from_secs(3)), 3);
        assert_eq!(whole_seconds_at_least_one(Duration::ZERO), 1);
    }
}
