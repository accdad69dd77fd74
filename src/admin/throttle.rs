//! Sign-in throttling: a sliding window of failed logins per account name and
//! per client address; too many failures in the window get 429 until the
//! oldest failure leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api_error::{ApiError, Code};

/// Failed logins remembered per key (`name:…` or `ip:…`).
#[derive(Debug)]
pub struct Throttle {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    /// At most `max_failures` failures per key within `window`.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Throttle { max_failures: max_failures.max(1) as usize, window, failures: Mutex::default() }
    }

    /// 429 `too_many_attempts` when any key is over the limit, saying when to retry.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), ApiError> {
        let mut all = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for k in keys {
            if let Some(q) = all.get_mut(k) {
                prune(q, now, self.window);
                if q.len() >= self.max_failures
                    && let Some(oldest) = q.front()
                {
                    wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if wait.is_zero() {
            return Ok(());
        }
        let minutes = wait.as_secs().div_ceil(60).max(1);
        Err(ApiError::new(Code::TooManyAttempts, format!("登录失败次数过多，请 {minutes} 分钟后再试")))
    }

    /// Counts a failure against every key.
    pub fn fail(&self, keys: &[String], now: Instant) {
        let mut all = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            let q = all.entry(k.clone()).or_default();
            prune(q, now, self.window);
            q.push_back(now);
        }
        // Bound memory under a spray of names: forget keys with no recent failure.
        if all.len() > 10_000 {
            all.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
    }

    /// Forgets the failures of `key` (after a successful login by that name).
    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
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

    #[test]
    fn blocks_after_the_limit_until_the_window_slides() {
        let t = Throttle::new(3, Duration::from_secs(900));
        let keys = ["name:a".to_owned(), "ip:1".to_owned()];
        let start = Instant::now();
        for i in 0..3 {
            assert!(t.check(&keys, start).is_ok(), "attempt {i}");
            t.fail(&keys, start + Duration::from_secs(i));
        }
        let err = t.check(&keys, start + Duration::from_secs(10)).expect_err("blocked");
        assert_eq!(err.code(), Code::TooManyAttempts);
        // Another name from the same address is blocked too; another address for a fresh name is not.
        assert!(t.check(&["name:b".to_owned(), "ip:1".to_owned()], start).is_err());
        assert!(t.check(&["name:b".to_owned(), "ip:2".to_owned()], start).is_ok());
        assert!(t.check(&keys, start + Duration::from_secs(901)).is_ok(), "the first failure left the window");
        t.clear("name:a");
        assert!(t.check(&["name:a".to_owned()], start + Duration::from_secs(10)).is_ok());
    }
}
