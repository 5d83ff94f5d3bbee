//! A hash map keyed by task names and condition texts, for ignite's lookups and the
//! scheduler's start-up maps.
//!
//! Ignite hashes every task's name and condition text at each launch; the standard
//! library's SipHash (built to resist chosen keys from the network) costs about 100
//! instructions for a short name. These keys come from the program itself, so FNV-1a, a
//! few instructions a byte, is enough.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use redengine_conditions::NameHasher;

/// A `HashMap` hashed with FNV-1a (the history's hasher for task names).
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_and_told_apart() {
        let mut map: FastMap<&str, usize> = FastMap::default();
        for (i, k) in ["t1", "t2", "t10", "daily", ""].into_iter().enumerate() {
            map.insert(k, i);
        }
        assert_eq!(map.get("t10"), Some(&2));
        assert_eq!(map.get(""), Some(&4));
        assert_eq!(map.get("t3"), None);
        assert_eq!(map.len(), 5);
    }
}
