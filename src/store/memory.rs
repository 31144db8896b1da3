//! In-process ephemeral store: the zero-config default for a single
//! instance. Expired entries are invisible at once and swept out on a later
//! `put` (at most every [`SWEEP_EVERY`]), so memory stays bounded by the
//! number of live entries.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::MAX_TTL;

/// How often a `put` also removes every expired entry.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

struct Inner {
    entries: HashMap<String, (String, Instant)>,
    last_sweep: Instant,
}

/// Cheap to clone; clones share the same map.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    sweep_every: Duration,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    // Values are secrets (codes, sessions): show only the size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("entries", &self.lock().entries.len()).finish()
    }
}

fn key(kind: &str, id: &str) -> String {
    format!("{kind}:{id}")
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::with_sweep_interval(SWEEP_EVERY)
    }

    /// A store that sweeps expired entries at most every `sweep_every`.
    pub fn with_sweep_interval(sweep_every: Duration) -> Self {
        MemoryStore {
            inner: Arc::new(Mutex::new(Inner { entries: HashMap::new(), last_sweep: Instant::now() })),
            sweep_every,
        }
    }

    // A panic while holding the lock cannot leave the map half-updated (every
    // mutation is a single HashMap call), so a poisoned lock is safe to reuse.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn put(&self, kind: &str, id: &str, value: &str, ttl: Duration) {
        let now = Instant::now();
        // MAX_TTL keeps this far from overflow; `now` is a never-hit fallback.
        let deadline = now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now);
        let mut inner = self.lock();
        if now.duration_since(inner.last_sweep) >= self.sweep_every {
            inner.entries.retain(|_, (_, exp)| *exp > now);
            inner.last_sweep = now;
        }
        inner.entries.insert(key(kind, id), (value.to_owned(), deadline));
    }

    /// Stores only if no live entry exists; returns whether it stored.
    pub fn put_if_absent(&self, kind: &str, id: &str, value: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let deadline = now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now);
        let mut inner = self.lock();
        match inner.entries.get(&key(kind, id)) {
            Some((_, exp)) if *exp > now => false,
            _ => {
                inner.entries.insert(key(kind, id), (value.to_owned(), deadline));
                true
            }
        }
    }

    pub fn get(&self, kind: &str, id: &str) -> Option<String> {
        let now = Instant::now();
        let inner = self.lock();
        match inner.entries.get(&key(kind, id)) {
            Some((value, exp)) if *exp > now => Some(value.clone()),
            _ => None,
        }
    }

    /// Removal and read happen under one lock, so only one caller wins.
    pub fn take(&self, kind: &str, id: &str) -> Option<String> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.entries.remove(&key(kind, id)) {
            Some((value, exp)) if exp > now => Some(value),
            _ => None,
        }
    }

    pub fn delete(&self, kind: &str, id: &str) {
        self.lock().entries.remove(&key(kind, id));
    }

    /// Entries held, expired or not (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_drops_expired_entries() {
        let store = MemoryStore::with_sweep_interval(Duration::ZERO);
        store.put("code", "a", "1", Duration::ZERO);
        store.put("code", "b", "2", Duration::from_secs(60));
        // The second put swept "a" (already expired).
        assert_eq!(store.len(), 1);
        assert_eq!(store.get("code", "a"), None);
        assert_eq!(store.get("code", "b").as_deref(), Some("2"));
    }

    #[test]
    fn no_sweep_before_interval() {
        let store = MemoryStore::new();
        store.put("code", "a", "1", Duration::ZERO);
        store.put("code", "b", "2", Duration::from_secs(60));
        assert_eq!(store.len(), 2);
        assert_eq!(store.take("code", "a"), None);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn huge_ttl_does_not_overflow() {
        let store = MemoryStore::new();
        store.put("code", "a", "1", Duration::MAX);
        assert_eq!(store.get("code", "a").as_deref(), Some("1"));
    }

    #[test]
    fn debug_hides_values() {
        let store = MemoryStore::new();
        store.put("code", "a", "s3cret", Duration::from_secs(60));
        let shown = format!("{store:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
