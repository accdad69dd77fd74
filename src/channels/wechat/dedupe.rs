//! One answer per message however often WeChat retries it. WeChat resends a
//! callback it got no reply to within 5 s, up to three times, with the same
//! `MsgId` (or sender and `CreateTime` for events). The first delivery starts
//! the work; every delivery waits on the same slot, so the engine runs and
//! stores the message once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// The state of one message's answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot {
    /// The passive reply once computed (`Some(None)`: nothing to send).
    pub ready: Option<Option<String>>,
    /// A delivery gave up waiting and answered `success`: the answer must be
    /// pushed through the customer-service API instead.
    pub deferred: bool,
}

type Entry = Arc<watch::Sender<Slot>>;

/// The slots by key, and the keys in arrival order (for expiry).
type Seen = (HashMap<String, Entry>, VecDeque<(Instant, String)>);

/// Recently seen messages.
pub(crate) struct Dedupe {
    ttl: Duration,
    capacity: usize,
    /// A `std` mutex: held to look up or insert, never across `.await`.
    inner: Mutex<Seen>,
}

impl Dedupe {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Dedupe { ttl, capacity: capacity.max(1), inner: Mutex::new((HashMap::new(), VecDeque::new())) }
    }

    /// The slot of `key`, and whether this delivery is the first.
    pub fn slot(&self, key: &str) -> (Entry, bool) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *g;
        let now = Instant::now();
        while let Some((at, k)) = order.front() {
            if now.duration_since(*at) < self.ttl {
                break;
            }
            map.remove(k);
            order.pop_front();
        }
        if let Some(e) = map.get(key) {
            return (Arc::clone(e), false);
        }
        if map.len() >= self.capacity
            && let Some((_, oldest)) = order.pop_front()
        {
            map.remove(&oldest);
        }
        let (tx, _) = watch::channel(Slot::default());
        let e = Arc::new(tx);
        map.insert(key.to_owned(), Arc::clone(&e));
        order.push_back((now, key.to_owned()));
        (e, true)
    }
}

/// Waits up to `budget` for the reply. `None`: not ready in time, and the
/// slot is now marked deferred (unless it became ready at the last moment).
pub(crate) async fn wait(slot: &Entry, budget: Duration) -> Option<Option<String>> {
    if !budget.is_zero() {
        let mut rx = slot.subscribe();
        if let Ok(Ok(s)) = tokio::time::timeout(budget, rx.wait_for(|s| s.ready.is_some())).await {
            return s.ready.clone();
        }
    }
    let mut out = None;
    slot.send_modify(|s| match &s.ready {
        Some(r) => out = Some(r.clone()),
        None => s.deferred = true,
    });
    out
}

/// Records the computed reply; returns it back when a delivery already gave
/// up waiting (the caller must push it instead).
pub(crate) fn finish(slot: &Entry, reply: Option<String>) -> Option<String> {
    let mut push = None;
    slot.send_modify(|s| {
        if s.deferred {
            // Pushed instead: later retries answer `success`, not a repeat.
            push = reply.clone();
            s.ready = Some(None);
        } else {
            s.ready = Some(reply.clone());
        }
    });
    push
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retries_share_one_slot_and_late_answers_are_pushed() {
        let d = Dedupe::new(Duration::from_secs(60), 10);
        let (a, first) = d.slot("m:1");
        let (b, again) = d.slot("m:1");
        assert!(first && !again);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(wait(&a, Duration::from_millis(5)).await, None);
        assert_eq!(finish(&a, Some("answer".into())), Some("answer".into()));
        assert_eq!(wait(&b, Duration::from_millis(5)).await, Some(None));
        let (c, first) = d.slot("m:2");
        assert!(first);
        assert_eq!(finish(&c, Some("x".into())), None);
        assert_eq!(wait(&c, Duration::from_millis(5)).await, Some(Some("x".into())));
        assert_eq!(wait(&c, Duration::ZERO).await, Some(Some("x".into())), "a ready reply is given at once");
    }

    #[tokio::test]
    async fn a_zero_budget_defers_without_waiting() {
        let d = Dedupe::new(Duration::from_secs(60), 10);
        let (a, _) = d.slot("m:1");
        assert_eq!(wait(&a, Duration::ZERO).await, None);
        assert_eq!(finish(&a, Some("answer".into())), Some("answer".into()), "pushed");
    }

    #[test]
    fn forgets_the_oldest_past_capacity() {
        let d = Dedupe::new(Duration::from_secs(60), 2);
        for k in ["a", "b", "c"] {
            assert!(d.slot(k).1);
        }
        assert!(d.slot("a").1, "a was forgotten");
        assert!(!d.slot("c").1);
    }
}
