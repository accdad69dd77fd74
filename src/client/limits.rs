//! Per-client bounds kept in memory: open connections per address, a token
//! bucket of messages per key (an address, or a WeChat user), and 留言
//! tickets per key per day. Each map is bounded: idle entries are forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Settings;

/// Entries past which the maps forget their idle keys (a spray of addresses
/// must not grow memory without bound).
const MAX_KEYS: usize = 100_000;

/// A day, for the daily ticket counts.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// The per-client bounds of one server.
#[derive(Debug)]
pub struct ClientLimits {
    settings: Settings,
    // std mutexes: each is held for one map operation, never across `.await`.
    connections: Mutex<HashMap<IpAddr, u32>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    tickets: Mutex<HashMap<String, (Instant, u32)>>,
}

/// One open connection counted against its address; released on drop.
#[derive(Debug)]
pub struct ConnectionGuard {
    limits: Arc<ClientLimits>,
    ip: IpAddr,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let mut all = self.limits.connections.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = all.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                all.remove(&self.ip);
            }
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl ClientLimits {
    /// Bounds from the `[limits]` section.
    pub fn new(settings: Settings) -> Arc<Self> {
        Arc::new(ClientLimits {
            settings,
            connections: Mutex::default(),
            buckets: Mutex::default(),
            tickets: Mutex::default(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Counts a connection from `ip`, or `None` when it has `connections_per_address` open.
    pub fn open(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionGuard> {
        let mut all = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        let n = all.entry(ip).or_insert(0);
        if *n >= self.settings.connections_per_address.max(1) {
            return None;
        }
        *n += 1;
        Some(ConnectionGuard { limits: Arc::clone(self), ip })
    }

    /// Takes one message from `key`'s bucket (`asks_per_sec`, bursts of `ask_burst`).
    pub fn allow(&self, key: &str) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: &str, now: Instant) -> bool {
        let rate = f64::from(self.settings.asks_per_sec.max(1));
        let burst = f64::from(self.settings.ask_burst.max(1));
        let mut all = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if all.len() >= MAX_KEYS && !all.contains_key(key) {
            // A bucket that refilled completely holds no information.
            all.retain(|_, b| now.saturating_duration_since(b.last).as_secs_f64() * rate < burst);
        }
        let b = all.entry(key.to_owned()).or_insert(Bucket { tokens: burst, last: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Counts a 留言 ticket of `visitor` (and of address `ip`, when the channel
    /// knows it) against the daily bounds; false when one is reached.
    pub fn allow_ticket(&self, visitor: &str, ip: Option<IpAddr>) -> bool {
        let visitor_key = format!("visitor:{visitor}");
        let ip_key = ip.map(|ip| format!("ip:{ip}"));
        let mut keys = vec![(visitor_key.as_str(), self.settings.tickets_per_visitor_per_day)];
        if let Some(k) = &ip_key {
            keys.push((k.as_str(), self.settings.tickets_per_address_per_day));
        }
        self.count_ticket(&keys)
    }

    /// Counts one ticket against every key, unless one of them already reached
    /// its daily bound (`max` per key, the same order as `keys`); a day starts
    /// at a key's first ticket.
    pub fn count_ticket(&self, keys: &[(&str, u32)]) -> bool {
        self.count_ticket_at(keys, Instant::now())
    }

    fn count_ticket_at(&self, keys: &[(&str, u32)], now: Instant) -> bool {
        let mut all = self.tickets.lock().unwrap_or_else(|p| p.into_inner());
        if all.len() >= MAX_KEYS {
            all.retain(|_, (since, _)| now.saturating_duration_since(*since) < DAY);
        }
        let current = |all: &HashMap<String, (Instant, u32)>, key: &str| match all.get(key) {
            Some((since, n)) if now.saturating_duration_since(*since) < DAY => *n,
            _ => 0,
        };
        if keys.iter().any(|(key, max)| current(&all, key) >= *max) {
            return false;
        }
        for (key, _) in keys {
            let n = current(&all, key);
            let since = if n == 0 { now } else { all.get(*key).map_or(now, |(s, _)| *s) };
            all.insert((*key).to_owned(), (since, n + 1));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(f: impl FnOnce(&mut Settings)) -> Arc<ClientLimits> {
        let mut s = Settings::default();
        f(&mut s);
        ClientLimits::new(s)
    }

    #[test]
    fn connections_are_capped_per_address_and_released_on_drop() {
        let l = limits(|s| s.connections_per_address = 2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        let first = l.open(a).expect("first");
        let _second = l.open(a).expect("second");
        assert!(l.open(a).is_none());
        assert!(l.open(b).is_some(), "another address is not affected");
        drop(first);
        assert!(l.open(a).is_some());
    }

    #[test]
    fn messages_are_a_token_bucket_per_key() {
        let l = limits(|s| {
            s.asks_per_sec = 2;
            s.ask_burst = 3;
        });
        let t = Instant::now();
        assert!((0..3).all(|_| l.allow_at("ip:a", t)));
        assert!(!l.allow_at("ip:a", t));
        assert!(l.allow_at("ip:b", t), "another key has its own bucket");
        assert!(l.allow_at("ip:a", t + Duration::from_millis(500)));
    }

    #[test]
    fn tickets_are_counted_per_key_per_day() {
        let l = limits(|_| {});
        let t = Instant::now();
        assert!(l.count_ticket_at(&[("v:1", 2), ("ip:a", 3)], t));
        assert!(l.count_ticket_at(&[("v:1", 2), ("ip:a", 3)], t));
        assert!(!l.count_ticket_at(&[("v:1", 2), ("ip:a", 3)], t), "the visitor's bound");
        assert!(l.count_ticket_at(&[("v:2", 2), ("ip:a", 3)], t));
        assert!(!l.count_ticket_at(&[("v:3", 2), ("ip:a", 3)], t), "the address's bound");
        assert!(l.count_ticket_at(&[("v:1", 2), ("ip:a", 3)], t + DAY), "a new day");
    }
}
