//! Two tiny, fully specified functions that several crates need bit for bit: SplitMix64 (a
//! seedable pseudo-random stream) and FNV-1a (a 64-bit fingerprint of bytes).
//!
//! Both are written out here rather than taken from a crate because their exact output is a
//! promise: a planner seed replays the same plan, a generated day or year is the same on every
//! platform, and the road network's persisted contraction hierarchies are tagged with FNV-1a
//! fingerprints, so a changed bit would silently rebuild (or, worse, mismatch) them. The
//! known-answer tests below pin both.

/// One step of SplitMix64 (Steele, Lea and Flood; the constants of Vigna's reference code):
/// advances `state` by the golden-ratio increment and returns the mixed value.
///
/// Also the usual way to derive independent seeds from one seed.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 stream: small, fast, reproducible for a seed; not for cryptography.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.state)
    }

    /// In `0..n` by the remainder (the modulo bias is irrelevant at the sizes used here);
    /// `below(0)` is 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a (64-bit) of `bytes` in one call; the same as feeding them to [`Fnv1a`] in any pieces.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a::new();
    h.write(bytes);
    h.finish()
}

/// FNV-1a (64-bit), fed incrementally: `write` pieces, then `finish`.
///
/// Deliberately not a [`std::hash::Hasher`]: its `write_u32` and friends hash native-endian
/// bytes, which would make a fingerprint depend on the platform. Callers write explicit
/// (little-endian) bytes instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a::new()
    }
}

impl Fnv1a {
    pub const fn new() -> Fnv1a {
        Fnv1a(FNV_OFFSET)
    }

    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }

    /// The hash of everything written so far (writing may go on afterwards).
    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splitmix64_known_answers() {
        // Vigna's reference splitmix64.c from seed 0, and from seed 42.
        let mut s = 0;
        assert_eq!(
            [splitmix64(&mut s), splitmix64(&mut s), splitmix64(&mut s)],
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F
            ]
        );
        assert_eq!(s, 3u64.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut r = SplitMix64::new(42);
        assert_eq!(
            [r.next_u64(), r.next_u64(), r.next_u64()],
            [
                0xBDD7_3226_2FEB_6E95,
                0x28EF_E333_B266_F103,
                0x4752_6757_130F_9F52
            ]
        );
    }

    #[test]
    fn below_and_unit_are_derived_from_the_stream() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        for n in [1u64, 2, 13, 1000, u64::MAX] {
            assert_eq!(a.below(n), b.next_u64() % n);
        }
        assert_eq!(a.below(0), 0);
        b.next_u64();
        let u = a.unit();
        assert_eq!(u, (b.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64));
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn fnv1a_known_answers() {
        // The FNV reference test vectors (64-bit FNV-1a).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            fnv1a("closedloop 闭环转运".as_bytes()),
            0x92fb_b475_6eea_cca2
        );
    }

    proptest! {
        #[test]
        fn incremental_fnv1a_equals_one_shot(bytes in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
            let cut = cut.min(bytes.len());
            let mut h = Fnv1a::default();
            h.write(&bytes[..cut]);
            h.write(&[]);
            h.write(&bytes[cut..]);
            prop_assert_eq!(h.finish(), fnv1a(&bytes));
        }
    }
}
