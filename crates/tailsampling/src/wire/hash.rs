//! The group hashes (docs/protocol.md, "Wire format"), bit-for-bit with the reference: FNV-1a 64 of
//! the group id, XXH64, `HashCombine`, `HashToken`, the proxy pick key and the engine's group map
//! key, with the hasher of the maps keyed by it.

use std::hash::{BuildHasherDefault, Hasher};

/// The `data_type` of traces, whose pick key is the bare `group_id_hash`.
pub const TRACING: &str = "tracing";

/// FNV-1a 64 of `data`: a packet's `group_id_hash` is this of its `raw_group_id`.
pub const fn fnv1a64(data: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < data.len() {
        hash ^= data[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// XXH64 of `data` with seed 0 (Go's `xxhash.Sum64`).
pub fn xxh64(data: &[u8]) -> u64 {
    xxhash_rust::xxh64::xxh64(data, 0)
}

/// The reference's `HashCombine(seed, h)`: `((seed + 0x9e3779b9) ^ h) * 0x517cc1b727220a95`,
/// wrapping.
pub const fn hash_combine(seed: u64, h: u64) -> u64 {
    (seed.wrapping_add(0x9e37_79b9) ^ h).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// The reference's `HashToken(token, h)`: `hash_combine(h, xxh64(token))`.
pub fn hash_token(token: &str, h: u64) -> u64 {
    hash_combine(h, xxh64(token.as_bytes()))
}

/// The key of a group in the engine's map, for every data type:
/// `hash_combine(hash_combine(hash_token(token, group_id_hash), xxh64(data_type)), xxh64(group_key))`.
///
/// This is the reference's `tailSamplingGroupMapKey` (`aggregate/timewheel.go`), which keys
/// traces the same way (with `group_key = ""`), so token, data type and group key separate
/// groups whose ids collide. (Older reference versions keyed by `HashToken` alone.)
pub fn group_key_hash(data_type: &str, token: &str, group_key: &str, group_id_hash: u64) -> u64 {
    let h = hash_token(token, group_id_hash);
    let h = hash_combine(h, xxh64(data_type.as_bytes()));
    hash_combine(h, xxh64(group_key.as_bytes()))
}

/// The `Guance-Pick-Key` a proxy routes on (`backends[pick_key % len]`): `group_id_hash` for
/// [`TRACING`], [`group_key_hash`] for every other data type (logging, rum), as Datakit sends it.
pub fn pick_key(data_type: &str, token: &str, group_key: &str, group_id_hash: u64) -> u64 {
    if data_type == TRACING {
        group_id_hash
    } else {
        group_key_hash(data_type, token, group_key, group_id_hash)
    }
}

/// A hasher for maps keyed by [`group_key_hash`] values (the engine's group map, timing
/// wheel and decision cache): the keys are already well-mixed 64-bit hashes, so each hashes
/// to itself.
#[derive(Default, Clone, Copy, Debug)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The hasher of every map keyed by group key hash.
pub type KeyHasher = BuildHasherDefault<IdentityHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "tkn_0123456789abcdef";

    #[test]
    fn fnv1a64_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        // A W3C trace id, as Datakit hashes it.
        assert_eq!(
            fnv1a64(b"4bf92f3577b34da6a3ce929d0e0e4736"),
            0xb878_f5fd_59bc_5892
        );
    }

    #[test]
    fn xxh64_vectors() {
        assert_eq!(xxh64(b""), 0xef46_db37_51d8_e999);
        assert_eq!(xxh64(b"a"), 0xd24e_c4f1_a98c_6e5b);
        assert_eq!(xxh64(b"abc"), 0x44bc_2cf5_ad77_0999);
        assert_eq!(
            xxh64(b"The quick brown fox jumps over the lazy dog"),
            0x0b24_2d36_1fda_71bc
        );
    }

    #[test]
    fn hash_combine_by_hand() {
        // (0 + 0x9e3779b9) ^ 0 = 0x9e3779b9; * 0x517cc1b727220a95 mod 2^64 = 0x8337f9b29a9d12ad.
        assert_eq!(hash_combine(0, 0), 0x8337_f9b2_9a9d_12ad);
        // (1 + 0x9e3779b9) ^ 2 = 0x9e3779b8; * K mod 2^64 = 0x31bb37fb737b0818.
        assert_eq!(hash_combine(1, 2), 0x31bb_37fb_737b_0818);
        // u64::MAX + 0x9e3779b9 wraps to 0x9e3779b8.
        assert_eq!(
            hash_combine(u64::MAX, 0x1234_5678_9abc_def0),
            0xc04a_c188_4961_2ce8
        );
    }

    // Expected values below were computed independently (a from-scratch Python XXH64 checked
    // against the vectors above, and the formulas of docs/protocol.md, "Wire format").
    #[test]
    fn token_and_group_keys() {
        let trace = fnv1a64(b"4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(xxh64(TOKEN.as_bytes()), 0x8655_236c_58c8_74cd);
        assert_eq!(hash_token(TOKEN, trace), 0xf731_ffb7_da05_27fe);
        assert_eq!(
            hash_token(TOKEN, trace),
            hash_combine(trace, xxh64(TOKEN.as_bytes()))
        );

        // Traces route on the bare group id but are keyed in the map by the full formula.
        assert_eq!(pick_key("tracing", TOKEN, "", trace), trace);
        assert_eq!(
            group_key_hash("tracing", TOKEN, "", trace),
            0x850d_eba5_198a_c181
        );

        let service = fnv1a64(b"checkout");
        assert_eq!(service, 0x42fb_b229_c28a_2459);
        let logging = pick_key("logging", TOKEN, "service", service);
        assert_eq!(logging, 0xdf14_7025_a449_e51d);
        assert_eq!(
            logging,
            group_key_hash("logging", TOKEN, "service", service)
        );

        let session = fnv1a64(b"s-1");
        assert_eq!(
            pick_key("rum", TOKEN, "session_id", session),
            0x72f2_a71c_f5f3_db62
        );
    }

    #[test]
    fn every_part_separates_groups() {
        let h = fnv1a64(b"same-id");
        let base = group_key_hash("logging", "t1", "service", h);
        assert_ne!(base, group_key_hash("logging", "t2", "service", h));
        assert_ne!(base, group_key_hash("rum", "t1", "service", h));
        assert_ne!(base, group_key_hash("logging", "t1", "host", h));
        assert_ne!(base, group_key_hash("logging", "t1", "service", h ^ 1));
    }
}
