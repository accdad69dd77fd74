//! Sign-in throttling: a sliding window of attempts per (name, address) and,
//! more loosely, per address.
//!
//! - Atomic: an attempt is counted when it *starts*, under one lock with the
//!   check, and forgiven only if it succeeds; so concurrent wrong passwords
//!   can never get past the limit (the check and the count used to be
//!   separated by the password hash, which let dozens through).
//! - Not a lock-out weapon: nothing is counted per name alone, so nobody can
//!   lock an agent out by typing the agent's name wrong from elsewhere; the
//!   per-address key (a few times the per-name limit) stops spraying many names.
//! - Growing delays: every failure in a row from one (name, address) waits
//!   twice as long before it is answered.
//! - One audit row per throttled burst: [`Throttled::first`] says whether this
//!   refusal is the first since the key filled up.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api_error::{ApiError, Code};

/// The per-address limit is this many times the per-(name, address) one.
const ADDRESS_FACTOR: usize = 4;
/// Keys remembered before idle ones are forgotten (bounds memory under a spray).
const MAX_KEYS: usize = 10_000;
/// Characters of a name used in a key (names are at most 32 characters; longer input is junk).
const NAME_CHARS: usize = 64;
/// The first failure's delay; each further failure in a row doubles it...
const BASE_DELAY: Duration = Duration::from_millis(100);
/// ...up to this.
const MAX_DELAY: Duration = Duration::from_secs(5);

/// Attempts remembered per key.
#[derive(Debug)]
pub struct Throttle {
    max_failures: usize,
    window: Duration,
    // A std mutex: held for a few map operations, never across `.await`.
    keys: Mutex<HashMap<String, Key>>,
}

#[derive(Debug, Default)]
struct Key {
    attempts: VecDeque<Instant>,
    /// A refusal of the current burst was reported (audited) already.
    refused: bool,
}

/// The keys of one sign-in attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pair: String,
    address: String,
}

/// A refused attempt.
#[derive(Debug)]
pub struct Throttled {
    /// The 429 to answer.
    pub error: ApiError,
    /// Whether this is the first refusal of the burst (audit only that one).
    pub first: bool,
}

impl Throttle {
    /// At most `max_failures` attempts per (name, address) within `window`.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Throttle { max_failures: max_failures.max(1) as usize, window, keys: Mutex::default() }
    }

    /// Checks and counts an attempt of `name` from `ip` in one step.
    pub fn begin(&self, name: &str, ip: IpAddr, now: Instant) -> Result<Attempt, Throttled> {
        let name: String = name.chars().take(NAME_CHARS).collect();
        let attempt = Attempt { pair: format!("{name}@{ip}"), address: format!("ip:{ip}") };
        let limits = [(&attempt.pair, self.max_failures), (&attempt.address, self.max_failures * ADDRESS_FACTOR)];
        let mut all = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if all.len() > MAX_KEYS {
            all.retain(|_, k| k.attempts.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let mut wait = Duration::ZERO;
        let mut first = false;
        for (key, max) in limits {
            let k = all.entry(key.clone()).or_default();
            prune(&mut k.attempts, now, self.window);
            if k.attempts.len() < max {
                k.refused = false;
            } else if let Some(oldest) = k.attempts.front() {
                wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                first |= !k.refused;
                k.refused = true;
            }
        }
        if !wait.is_zero() {
            let minutes = wait.as_secs().div_ceil(60).max(1);
            let error = ApiError::new(Code::TooManyAttempts, format!("登录失败次数过多，请 {minutes} 分钟后再试"));
            return Err(Throttled { error, first });
        }
        for key in [&attempt.pair, &attempt.address] {
            all.entry(key.clone()).or_default().attempts.push_back(now);
        }
        Ok(attempt)
    }

    /// Forgives a successful attempt: the pair starts afresh and the address
    /// does not count it.
    pub fn succeeded(&self, attempt: &Attempt) {
        let mut all = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        all.remove(&attempt.pair);
        if let Some(k) = all.get_mut(&attempt.address) {
            k.attempts.pop_back();
        }
    }

    /// How long to wait before answering a failed attempt: doubling with each
    /// failure of the pair within the window.
    pub fn delay(&self, attempt: &Attempt) -> Duration {
        let all = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let failures = all.get(&attempt.pair).map_or(1, |k| k.attempts.len().max(1));
        let factor = 1u32 << (failures - 1).min(16) as u32;
        BASE_DELAY.saturating_mul(factor).min(MAX_DELAY)
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn a_pair_is_blocked_after_the_limit_until_the_window_slides() {
        let t = Throttle::new(3, Duration::from_secs(900));
        let start = Instant::now();
        for i in 0..3 {
            assert!(t.begin("a", ip("10.0.0.1"), start + Duration::from_secs(i)).is_ok(), "attempt {i}");
        }
        let refused = t.begin("a", ip("10.0.0.1"), start + Duration::from_secs(10)).expect_err("blocked");
        assert_eq!(refused.error.code(), Code::TooManyAttempts);
        assert!(refused.first);
        assert!(!t.begin("a", ip("10.0.0.1"), start + Duration::from_secs(11)).expect_err("blocked").first);
        assert!(t.begin("a", ip("10.0.0.2"), start).is_ok(), "the name is not locked for other addresses");
        assert!(t.begin("b", ip("10.0.0.1"), start).is_ok(), "another name from the address is not locked yet");
        assert!(t.begin("a", ip("10.0.0.1"), start + Duration::from_secs(901)).is_ok(), "the window slid");
    }

    #[test]
    fn an_address_spraying_names_is_blocked_at_a_multiple_of_the_limit() {
        let t = Throttle::new(2, Duration::from_secs(900));
        let now = Instant::now();
        for i in 0..8 {
            assert!(t.begin(&format!("user{i}"), ip("10.0.0.9"), now).is_ok(), "name {i}");
        }
        assert!(t.begin("user99", ip("10.0.0.9"), now).is_err());
    }

    #[test]
    fn success_is_forgiven_and_failures_grow_the_delay() {
        let t = Throttle::new(5, Duration::from_secs(900));
        let now = Instant::now();
        let a = t.begin("a", ip("10.0.0.1"), now).expect("first");
        assert_eq!(t.delay(&a), BASE_DELAY);
        let a = t.begin("a", ip("10.0.0.1"), now).expect("second");
        assert_eq!(t.delay(&a), BASE_DELAY * 2);
        t.succeeded(&a);
        let a = t.begin("a", ip("10.0.0.1"), now).expect("after success");
        assert_eq!(t.delay(&a), BASE_DELAY);
    }
}
