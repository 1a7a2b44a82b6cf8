//! bindings/rust/src/ids.rs — new row ids (UUID version 4) made on the device,
//! for writes that must name a row before it exists: an order's items in the
//! same write group carry the order's id.
use std::fs::File;
use std::io::Read;

/// A random UUID (version 4), lower case, e.g. "0f8b…-…-4…-[89ab]…-…".
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    if File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_err() {
        fallback_random(&mut bytes);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Without /dev/urandom: std's randomly keyed hasher over time and a counter.
fn fallback_random(bytes: &mut [u8; 16]) {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    for half in 0..2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        bytes[half * 8..half * 8 + 8].copy_from_slice(&hasher.finish().to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn is_uuid_v4(id: &str) -> bool {
        let parts: Vec<&str> = id.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && id.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
            && parts[2].starts_with('4')
            && parts[3].starts_with(['8', '9', 'a', 'b'])
    }

    #[test]
    fn ids_are_version_4_uuids_and_distinct() {
        let ids: HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| is_uuid_v4(id)), "{ids:?}");
    }

    #[test]
    fn the_fallback_makes_distinct_valid_ids_too() {
        let mut seen = HashSet::new();
        for _ in 0..100 {
            let mut bytes = [0u8; 16];
            fallback_random(&mut bytes);
            assert!(seen.insert(bytes));
        }
        assert!(!is_uuid_v4("not-a-uuid"));
    }
}
