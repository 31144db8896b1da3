//! In-process ephemeral store: the zero-config default for a single
//! instance. Expired entries and indexes are invisible at once and swept
//! out on a later `put` (at most every [`SWEEP_EVERY`]), so memory stays
//! bounded by the number of live entries.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::MAX_TTL;

/// How often a `put` also removes every expired entry.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

struct Inner {
    entries: HashMap<String, (String, Instant)>,
    indexes: HashMap<String, (HashSet<String>, Instant)>,
    last_sweep: Instant,
}

/// Cheap to clone; clones share the same maps.
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

fn deadline(now: Instant, ttl: Duration) -> Instant {
    // MAX_TTL keeps this far from overflow; `now` is a never-hit fallback.
    now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now)
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::with_sweep_interval(SWEEP_EVERY)
    }

    /// A store that sweeps expired entries at most every `sweep_every`.
    pub fn with_sweep_interval(sweep_every: Duration) -> Self {
        let inner = Inner { entries: HashMap::new(), indexes: HashMap::new(), last_sweep: Instant::now() };
        MemoryStore { inner: Arc::new(Mutex::new(inner)), sweep_every }
    }

    // A panic while holding the lock cannot leave the maps half-updated
    // (every mutation is a single map call), so a poisoned lock is safe.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every `sweep_every`, a write also drops what has expired, so a store
    /// only ever written with new keys (counters per address) stays bounded.
    fn sweep_if_due(&self, inner: &mut Inner, now: Instant) {
        if now.duration_since(inner.last_sweep) >= self.sweep_every {
            inner.entries.retain(|_, (_, exp)| *exp > now);
            inner.indexes.retain(|_, (_, exp)| *exp > now);
            inner.last_sweep = now;
        }
    }

    /// Stores `value` under `key` and lists `key` in each of `indexes`,
    /// which then live at least as long.
    pub fn put(&self, key: &str, value: &str, ttl: Duration, indexes: &[String]) {
        let now = Instant::now();
        let until = deadline(now, ttl);
        let mut inner = self.lock();
        self.sweep_if_due(&mut inner, now);
        inner.entries.insert(key.to_owned(), (value.to_owned(), until));
        for index in indexes {
            add(&mut inner, index, key, until, now);
        }
    }

    /// Stores only if no live entry exists; returns whether it stored.
    pub fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.entries.get(key) {
            Some((_, exp)) if *exp > now => false,
            _ => {
                inner.entries.insert(key.to_owned(), (value.to_owned(), deadline(now, ttl)));
                true
            }
        }
    }

    /// Stores `value` only over a live entry equal to `current` (and
    /// extends its indexes); returns whether it stored.
    pub fn swap(&self, key: &str, current: &str, value: &str, ttl: Duration, indexes: &[String]) -> bool {
        let now = Instant::now();
        let until = deadline(now, ttl);
        let mut inner = self.lock();
        match inner.entries.get_mut(key) {
            Some(entry) if entry.1 > now && entry.0 == current => *entry = (value.to_owned(), until),
            _ => return false,
        }
        for index in indexes {
            add(&mut inner, index, key, until, now);
        }
        true
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let now = Instant::now();
        let inner = self.lock();
        match inner.entries.get(key) {
            Some((value, exp)) if *exp > now => Some(value.clone()),
            _ => None,
        }
    }

    /// Removal and read happen under one lock, so only one caller wins.
    pub fn take(&self, key: &str) -> Option<String> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.entries.remove(key) {
            Some((value, exp)) if exp > now => Some(value),
            _ => None,
        }
    }

    /// Removes the entry; whether a live one was there.
    pub fn delete(&self, key: &str) -> bool {
        let now = Instant::now();
        self.lock().entries.remove(key).is_some_and(|(_, exp)| exp > now)
    }

    pub fn add_to_index(&self, index: &str, member: &str, ttl: Duration) {
        let now = Instant::now();
        let mut inner = self.lock();
        add(&mut inner, index, member, deadline(now, ttl), now);
    }

    pub fn index_members(&self, index: &str) -> Vec<String> {
        let now = Instant::now();
        match self.lock().indexes.get(index) {
            Some((members, exp)) if *exp > now => members.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }

    pub fn remove_from_index(&self, index: &str, member: &str) {
        if let Some((members, _)) = self.lock().indexes.get_mut(index) {
            members.remove(member);
        }
    }

    pub fn delete_index(&self, index: &str) {
        self.lock().indexes.remove(index);
    }

    /// Adds one to the counter at `key` (a new one lives `ttl`) and reads
    /// the counter at `other`; both under one lock.
    pub fn increment(&self, key: &str, other: &str, ttl: Duration) -> (u64, u64) {
        let now = Instant::now();
        let mut inner = self.lock();
        self.sweep_if_due(&mut inner, now);
        let read = |value: &(String, Instant)| if value.1 > now { value.0.parse().unwrap_or(0) } else { 0 };
        let other = inner.entries.get(other).map_or(0, read);
        let count = inner.entries.get(key).map_or(0, read) + 1;
        let until = match inner.entries.get(key) {
            Some((_, exp)) if *exp > now => *exp,
            _ => deadline(now, ttl),
        };
        inner.entries.insert(key.to_owned(), (count.to_string(), until));
        (count, other)
    }

    /// Live entries by kind (the part of the key before the first `:`).
    pub fn counts_by_kind(&self) -> Vec<(String, usize)> {
        let now = Instant::now();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let inner = self.lock();
        for (key, (_, exp)) in &inner.entries {
            if *exp > now {
                *counts.entry(key.split(':').next().unwrap_or(key)).or_default() += 1;
            }
        }
        counts.into_iter().map(|(kind, n)| (kind.to_string(), n)).collect()
    }

    /// Entries held, expired or not (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Adds `member`, keeping the later of the two deadlines; an expired index
/// starts over.
fn add(inner: &mut Inner, index: &str, member: &str, until: Instant, now: Instant) {
    let (members, exp) = inner.indexes.entry(index.to_owned()).or_insert_with(|| (HashSet::new(), until));
    if *exp <= now {
        members.clear();
        *exp = until;
    }
    members.insert(member.to_owned());
    *exp = (*exp).max(until);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_drops_expired_entries() {
        let store = MemoryStore::with_sweep_interval(Duration::ZERO);
        store.put("code:a", "1", Duration::ZERO, &[]);
        store.put("code:b", "2", Duration::from_secs(60), &[]);
        // The second put swept "a" (already expired).
        assert_eq!(store.len(), 1);
        assert_eq!(store.get("code:a"), None);
        assert_eq!(store.get("code:b").as_deref(), Some("2"));
    }

    #[test]
    fn counters_are_swept_too() {
        let store = MemoryStore::with_sweep_interval(Duration::ZERO);
        store.increment("rate:{a}:1", "rate:{a}:0", Duration::ZERO);
        store.increment("rate:{b}:1", "rate:{b}:0", Duration::from_secs(60));
        assert_eq!(store.len(), 1, "the expired counter went with the next increment");
    }

    #[test]
    fn no_sweep_before_interval() {
        let store = MemoryStore::new();
        store.put("code:a", "1", Duration::ZERO, &[]);
        store.put("code:b", "2", Duration::from_secs(60), &[]);
        assert_eq!(store.len(), 2);
        assert_eq!(store.take("code:a"), None);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn huge_ttl_does_not_overflow() {
        let store = MemoryStore::new();
        store.put("code:a", "1", Duration::MAX, &[]);
        assert_eq!(store.get("code:a").as_deref(), Some("1"));
    }

    #[test]
    fn debug_hides_values() {
        let store = MemoryStore::new();
        store.put("code:a", "s3cret", Duration::from_secs(60), &[]);
        let shown = format!("{store:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
