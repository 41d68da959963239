//! One-time recovery codes: the way back in when the authenticator app is lost.
//!
//! Each code is 10 characters drawn uniformly (from `OsRng`) from a 31-symbol alphabet that leaves
//! out the look-alikes 0/o, 1/i/l, shown as `xxxxx-xxxxx`. That is 10 × log2(31) ≈ 49.5 bits per
//! code.
//!
//! Only a SHA-256 hash of each code is stored. A slow password hash (argon2) would add nothing:
//! slow hashing protects low-entropy, user-chosen secrets against offline guessing, but these
//! codes are machine-generated with ~50 bits of entropy, so brute-forcing even one stolen hash
//! costs ~2^49 SHA-256 evaluations on average, and there is no dictionary to try first. A fast,
//! unsalted hash also lets the caller look a submitted code up by its hash directly.

use rand::rngs::OsRng;
use rand::Rng as _;
use sha2::{Digest, Sha256};

pub const COUNT: usize = 10;

/// Digits and lowercase letters minus 0, 1, i, l and o, which are easily misread for each other.
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Characters per code, excluding the separating dash.
const LENGTH: usize = 10;

/// [`COUNT`] new distinct codes, each 10 characters from an unambiguous alphabet (no 0/O/1/I/L),
/// formatted "xxxxx-xxxxx" (lowercase), ~49.5 bits of entropy each, from `OsRng`.
pub fn generate() -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(COUNT);
    while codes.len() < COUNT {
        let code = new_code();
        // A duplicate is astronomically unlikely, but excluding it costs nothing and keeps the
        // caller's per-user hashes unique.
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// Normalises user input (trim, lowercase, remove spaces and dashes) and hashes it with SHA-256
/// for storage/lookup. Same input formats ("ABCDE-FGHJK", "abcde fghjk", "abcdefghjk") give
/// the same hash.
pub fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(normalise(code).as_bytes()).to_vec()
}

/// True when the input looks like a recovery code rather than a 6-digit TOTP code (after
/// normalising: 10 chars from the alphabet).
pub fn looks_like_recovery_code(input: &str) -> bool {
    let normalised = normalise(input);
    normalised.len() == LENGTH && normalised.bytes().all(|b| ALPHABET.contains(&b))
}

fn new_code() -> String {
    let mut code = String::with_capacity(LENGTH + 1);
    for i in 0..LENGTH {
        if i == LENGTH / 2 {
            code.push('-');
        }
        // `gen_range` is unbiased (rejection sampling), so every symbol is equally likely.
        code.push(char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]));
    }
    code
}

/// Codes are read off paper or a password manager and retyped: ignore case, the dash and any
/// spaces or line breaks picked up on the way.
fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn alphabet_is_unambiguous_and_unique() {
        for c in b"0o1il" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
        let unique: HashSet<u8> = ALPHABET.iter().copied().collect();
        assert_eq!(unique.len(), ALPHABET.len());
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn generated_format() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            let (left, right) = code.split_once('-').expect("dash");
            assert_eq!((left.len(), right.len()), (5, 5), "{code}");
            assert!(
                left.bytes()
                    .chain(right.bytes())
                    .all(|b| ALPHABET.contains(&b)),
                "{code}"
            );
            assert!(looks_like_recovery_code(code));
        }
    }

    #[test]
    fn generated_codes_are_unique() {
        let mut seen = HashSet::new();
        for _ in 0..50 {
            for code in generate() {
                assert!(seen.insert(code));
            }
        }
        assert_eq!(seen.len(), 50 * COUNT);
    }

    #[test]
    fn uses_the_whole_alphabet() {
        // 5000 symbols over 31 values: missing any one has probability ~31 × (30/31)^5000 ≈ 0.
        let symbols: HashSet<u8> = (0..50)
            .flat_map(|_| generate())
            .flat_map(|code| code.into_bytes())
            .filter(|b| *b != b'-')
            .collect();
        assert_eq!(symbols.len(), ALPHABET.len());
    }

    #[test]
    fn hash_normalises() {
        let expected = hash("abcde-fghjk");
        for input in [
            "ABCDE-FGHJK",
            "abcde fghjk",
            "abcdefghjk",
            "  AbCdE-fGhJk\n",
            "abc-de fg-hjk",
        ] {
            assert_eq!(hash(input), expected, "{input:?}");
        }
        assert_eq!(expected.len(), 32);
        assert_eq!(expected, Sha256::digest(b"abcdefghjk").to_vec());
        assert_ne!(hash("abcde-fghjm"), expected);
    }

    #[test]
    fn looks_like() {
        assert!(looks_like_recovery_code("abcde-fghjk"));
        assert!(looks_like_recovery_code(" ABCDE FGHJK "));
        assert!(looks_like_recovery_code("2345678923"));
        // TOTP codes, with or without a space.
        assert!(!looks_like_recovery_code("123456"));
        assert!(!looks_like_recovery_code("123 456"));
        // Wrong length or characters outside the alphabet.
        assert!(!looks_like_recovery_code("abcde-fghj"));
        assert!(!looks_like_recovery_code("abcde-fghjkm"));
        assert!(!looks_like_recovery_code("abcde-fghj0"));
        assert!(!looks_like_recovery_code("abcde-fghjl"));
        assert!(!looks_like_recovery_code("abcde_fghjk"));
        assert!(!looks_like_recovery_code(""));
    }
}
