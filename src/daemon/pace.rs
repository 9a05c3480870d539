//! How fast one conversation is answered: a burst within the debounce is
//! one turn, and beyond that each conversation spends turns from a token
//! bucket (`daemon.turns_burst` at once, `daemon.turns_per_minute` after),
//! so a customer writing just slower than the debounce, or a flood, never
//! costs more model calls than the bucket allows. Messages that wait for a
//! token stay queued (stored) and are answered together by the next turn.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The pacing settings.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Quiet time that ends a burst.
    pub debounce: Duration,
    /// Turns a conversation may take at once.
    pub turns_burst: u32,
    /// Turns per minute after the burst; 0: unlimited.
    pub turns_per_minute: u32,
}

/// Every conversation's bucket.
#[derive(Debug, Default)]
pub struct Buckets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets idle this long are full again and are dropped.
const FORGET_AFTER: Duration = Duration::from_secs(600);

impl Buckets {
    /// Take a turn for `conversation` at `now`: how long to wait first
    /// (zero when a token is there). The token is taken either way.
    pub fn take(&self, pacing: &Pacing, conversation: &str, now: Instant) -> Duration {
        if pacing.turns_per_minute == 0 {
            return Duration::ZERO;
        }
        let capacity = f64::from(pacing.turns_burst.max(1));
        let per_sec = f64::from(pacing.turns_per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 4096 {
            buckets.retain(|_, b| now.duration_since(b.at) < FORGET_AFTER);
        }
        let bucket = buckets.entry(conversation.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_sec).min(capacity) - 1.0;
        bucket.at = now;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / per_sec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_turn_per_refill() {
        let pacing = Pacing {
            debounce: Duration::ZERO,
            turns_burst: 3,
            turns_per_minute: 6,
        };
        let buckets = Buckets::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(buckets.take(&pacing, "a", t0), Duration::ZERO);
        }
        // The fourth waits one refill (10 s), the fifth two.
        assert_eq!(buckets.take(&pacing, "a", t0), Duration::from_secs(10));
        assert_eq!(buckets.take(&pacing, "a", t0), Duration::from_secs(20));
        // Another conversation has its own bucket.
        assert_eq!(buckets.take(&pacing, "b", t0), Duration::ZERO);
        // After a long quiet the bucket is full again, never fuller.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(buckets.take(&pacing, "a", later), Duration::ZERO);
        }
        assert!(buckets.take(&pacing, "a", later) > Duration::ZERO);
        let unlimited = Pacing {
            turns_per_minute: 0,
            ..pacing
        };
        for _ in 0..100 {
            assert_eq!(buckets.take(&unlimited, "c", t0), Duration::ZERO);
        }
    }
}
