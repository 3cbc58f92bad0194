//! The load's memory of what it derived from content it verified (parsed manifests here; the
//! registry keeps compiled guests and tool schemas the same way), keyed by the content's SHA-256.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The SHA-256 of some content: a manifest's or a module's bytes.
pub(crate) type ContentHash = [u8; 32];

/// A bounded map from a content hash to what was derived from that content. Entries are
/// evicted oldest first; what is derived depends only on the content (and the runtime's fixed
/// configuration), so an entry can never be stale.
pub(crate) struct Bounded<V> {
    capacity: usize,
    entries: Mutex<(HashMap<ContentHash, V>, VecDeque<ContentHash>)>,
}

impl<V: Clone> Bounded<V> {
    pub(crate) fn new(capacity: usize) -> Bounded<V> {
        Bounded {
            capacity: capacity.max(1),
            entries: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub(crate) fn get(&self, key: &ContentHash) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.0.get(key).cloned()
    }

    pub(crate) fn insert(&self, key: ContentHash, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *entries;
        if map.insert(key, value).is_none() {
            order.push_back(key);
        }
        while map.len() > self.capacity {
            match order.pop_front() {
                Some(old) => {
                    map.remove(&old);
                }
                None => break,
            }
        }
    }
}
