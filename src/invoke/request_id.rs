//! `X-Request-ID` values: random UUIDs (version 4, lowercase and hyphenated, as LivePerson's
//! client sends). Each thread seeds its own generator once from the operating system and then
//! steps it, so a batch of a million requests makes a handful of `getrandom` calls rather
//! than a million. The step is splitmix64 over a counter: a bijection, so one thread never
//! repeats an id, and threads start from independent random seeds.

use std::cell::Cell;

/// splitmix64's increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

thread_local! {
    /// The thread's two seeds and how many ids it has made.
    static STATE: Cell<Option<(u64, u64, u64)>> = const { Cell::new(None) };
}

/// splitmix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Two seeds from the operating system; without it, from the clock and this thread's stack
/// address (ids stay unique within the thread either way).
fn seeds() -> (u64, u64) {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let here = &bytes as *const _ as u64;
        bytes[..8].copy_from_slice(&mix(nanos).to_le_bytes());
        bytes[8..].copy_from_slice(&mix(here ^ nanos.rotate_left(32)).to_le_bytes());
    }
    let (a, b) = bytes.split_at(8);
    let word = |s: &[u8]| s.try_into().map_or(0, u64::from_le_bytes);
    (word(a), word(b))
}

/// A new request id.
pub fn new() -> String {
    let (a, b, n) = STATE.get().unwrap_or_else(|| {
        let (a, b) = seeds();
        (a, b, 0)
    });
    let n = n.wrapping_add(1);
    STATE.set(Some((a, b, n)));
    let step = n.wrapping_mul(GOLDEN);
    let high = mix(a.wrapping_add(step));
    let low = mix(b.wrapping_add(step));
    format(high, low)
}

/// The UUID text of 128 random bits, with the version (4) and variant (10) bits set.
fn format(high: u64, low: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let high = (high & !0xF000) | 0x4000;
    let low = (low & !(0b11 << 62)) | (0b10 << 62);
    let mut text = [b'-'; 36];
    // (where in the text, which word, its first hex digit, how many digits)
    for (at, word, from, count) in [
        (0, high, 0, 8),
        (9, high, 8, 4),
        (14, high, 12, 4),
        (19, low, 0, 4),
        (24, low, 4, 12),
    ] {
        for i in 0..count {
            text[at + i] = HEX[((word >> (60 - 4 * (from + i))) & 0xF) as usize];
        }
    }
    // Hex digits and hyphens only: always UTF-8.
    std::str::from_utf8(&text).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The shape of a version 4 UUID: 8-4-4-4-12 lowercase hex, version 4, variant 8 to b.
    fn is_uuid_v4(id: &str) -> bool {
        let groups: Vec<&str> = id.split('-').collect();
        groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups
                .iter()
                .all(|g| g.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
            && groups[2].starts_with('4')
            && groups[3].starts_with(['8', '9', 'a', 'b'])
    }

    #[test]
    fn ids_are_version_4_uuids() {
        for _ in 0..1_000 {
            let id = new();
            assert!(is_uuid_v4(&id), "{id}");
        }
        assert_eq!(
            format(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
            "01234567-89ab-4def-bedc-ba9876543210"
        );
        assert!(is_uuid_v4(&format(u64::MAX, u64::MAX)));
        assert!(is_uuid_v4(&format(0, 0)));
    }

    #[test]
    fn ids_do_not_repeat_within_or_across_threads() {
        let many = |n| (0..n).map(|_| new()).collect::<Vec<_>>();
        let here = many(20_000);
        let there = std::thread::Builder::new()
            .name("request-ids".into())
            .spawn(move || many(20_000))
            .expect("a thread")
            .join()
            .expect("no panic");
        let all: HashSet<&String> = here.iter().chain(&there).collect();
        assert_eq!(all.len(), 40_000);
    }

    #[test]
    fn the_bits_come_from_the_generator_not_a_constant() {
        // Every hex digit position that is not fixed by the version or variant takes more than
        // one value over a few hundred ids.
        let ids: Vec<String> = (0..300).map(|_| new()).collect();
        for position in (0..36).filter(|p| ![8, 13, 14, 18, 23].contains(p)) {
            let seen: HashSet<u8> = ids.iter().map(|id| id.as_bytes()[position]).collect();
            assert!(seen.len() > 1, "position {position} never changes");
        }
    }
}
