//! A per-connection token bucket: `rate` messages per second on average,
//! bursts of up to `burst`; optionally also the bucket of the connection's
//! address, shared by all its connections.

use std::sync::Arc;
use std::time::Instant;

use crate::client::ClientLimits;

/// Token bucket state of one connection.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    shared: Option<(Arc<ClientLimits>, String)>,
}

impl RateLimiter {
    /// A full bucket.
    pub fn new(rate: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RateLimiter { rate: f64::from(rate.max(1)), burst, tokens: burst, last: Instant::now(), shared: None }
    }

    /// Also takes a token from the bucket of `ip` (`limits.asks_per_sec`), so
    /// that many connections from one address do not multiply its rate.
    pub fn per_address(mut self, limits: Arc<ClientLimits>, ip: std::net::IpAddr) -> Self {
        self.shared = Some((limits, format!("ip:{ip}")));
        self
    }

    /// Takes one token if there is one (from the address's bucket too).
    pub fn allow(&mut self) -> bool {
        self.allow_at(Instant::now()) && self.shared.as_ref().is_none_or(|(limits, key)| limits.allow(key))
    }

    fn allow_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_refills_at_the_rate() {
        let start = Instant::now();
        let mut l = RateLimiter::new(2, 3);
        l.last = start;
        assert!((0..3).all(|_| l.allow_at(start)));
        assert!(!l.allow_at(start));
        assert!(l.allow_at(start + Duration::from_millis(500)));
        assert!(!l.allow_at(start + Duration::from_millis(500)));
    }
}
