//! Time-based one-time passwords (RFC 6238) for the second sign-in step: 6 digits, 30-second
//! steps, HMAC-SHA-1, accepting one step of clock drift either way.
//!
//! These are the parameters every authenticator app supports (several ignore the `digits`,
//! `period` and `algorithm` URL parameters), hence SHA-1: HMAC-SHA-1 is not weakened by SHA-1
//! collisions (RFC 4226, appendix B.2).
//!
//! Replay protection is the caller's job: [`matching_step`] returns the matched time step so the
//! caller can store it and refuse any code from that step or an earlier one.

use anyhow::anyhow;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;

/// Shown as the account's provider in authenticator apps.
const ISSUER: &str = "Yeastar Portal";
/// RFC 4226 recommends 160 bits, the size of an HMAC-SHA-1 block output.
const SECRET_BYTES: usize = 20;

/// A new random 160-bit secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0; SECRET_BYTES];
    OsRng.fill_bytes(&mut secret);
    secret
}

/// Base32 (RFC 4648, no padding) of the secret, grouped in blocks of 4 characters separated by
/// spaces, for typing into an authenticator app.
pub fn grouped_key(secret: &[u8]) -> String {
    let encoded = unchecked(secret, DIGITS).get_secret_base32();
    // Base32 is ASCII, so splitting the bytes never splits a character.
    encoded
        .as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).expect("base32 is ASCII"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The otpauth:// URL (issuer "Yeastar Portal", account name = the email).
pub fn otpauth_url(secret: &[u8], email: &str) -> anyhow::Result<String> {
    Ok(checked(secret, email)?.get_url())
}

/// A PNG QR code of the otpauth URL, as a `data:image/png;base64,...` URL for an <img src>.
pub fn qr_data_url(secret: &[u8], email: &str) -> anyhow::Result<String> {
    let png = checked(secret, email)?
        .get_qr_png()
        .map_err(|e| anyhow!("rendering the TOTP QR code: {e}"))?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// The code for a given unix time (used by tests too).
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    code_with(secret, DIGITS, unix_time)
}

/// Which time step (`unix_time / 30`) a submitted code matches, trying the current step, then
/// the one before and the one after. `None` if it matches none or is not 6 ASCII digits
/// (whitespace in the input is ignored). Comparisons are constant-time.
pub fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Option<i64> {
    // Apps display "123 456"; people type it that way too.
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = unix_time / STEP_SECONDS;
    let candidates = [
        Some(current),
        current.checked_sub(1),
        current.checked_add(1),
    ];
    let mut matched = None;
    // Every candidate is computed and compared, without stopping at the first match, so timing
    // reveals neither how much of a code was right nor which step it belonged to.
    for step in candidates.into_iter().flatten() {
        let Some(step_time) = step.checked_mul(STEP_SECONDS) else {
            continue;
        };
        let expected = code_at(secret, step_time);
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        if equal && matched.is_none() {
            matched = i64::try_from(step).ok();
        }
    }
    matched
}

/// The single code path behind [`code_at`], parameterised on `digits` so the RFC 6238 test
/// vectors (8 digits) exercise it.
fn code_with(secret: &[u8], digits: usize, unix_time: u64) -> String {
    unchecked(secret, digits).generate(unix_time)
}

/// A generator without validation, so computing a code is infallible: secrets come from
/// [`new_secret`] (validated again at enrolment by [`checked`]), and sign-in should not grow an
/// error path for a condition that cannot arise.
fn unchecked(secret: &[u8], digits: usize) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        digits,
        // Skew is unused: `matching_step` does its own window so it can report the step.
        0,
        STEP_SECONDS,
        secret.to_vec(),
        None,
        String::new(),
    )
}

/// A validated generator for enrolment: rejects secrets under 128 bits and a `:` in the email,
/// which would corrupt the `issuer:account` label in the URL.
fn checked(secret: &[u8], email: &str) -> anyhow::Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        email.to_owned(),
    )
    .map_err(|e| anyhow!("invalid TOTP parameters: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_700_000_000;

    #[test]
    fn rfc6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_with(secret, 8, time), code, "t = {time}");
        }
        // The 6-digit code is the low 6 digits of the same truncation.
        assert_eq!(code_at(secret, 59), "287082");
    }

    #[test]
    fn new_secret_is_random_160_bits() {
        let a = new_secret();
        assert_eq!(a.len(), 20);
        assert_ne!(a, new_secret());
    }

    #[test]
    fn matching_step_window() {
        let secret = new_secret();
        let step = (T / STEP_SECONDS) as i64;
        let at = |offset: i64| code_at(&secret, (T as i64 + offset * STEP_SECONDS as i64) as u64);
        assert_eq!(matching_step(&secret, &at(0), T), Some(step));
        assert_eq!(matching_step(&secret, &at(-1), T), Some(step - 1));
        assert_eq!(matching_step(&secret, &at(1), T), Some(step + 1));
        // Two steps away is refused (unless it happens to collide with a code in the window).
        for offset in [-2, 2] {
            let code = at(offset);
            if ![at(-1), at(0), at(1)].contains(&code) {
                assert_eq!(matching_step(&secret, &code, T), None, "offset {offset}");
            }
        }
    }

    #[test]
    fn matching_step_input_format() {
        let secret = new_secret();
        let code = code_at(&secret, T);
        let spaced = format!(" {} {} ", &code[..3], &code[3..]);
        assert!(matching_step(&secret, &spaced, T).is_some());
        assert_eq!(matching_step(&secret, "", T), None);
        assert_eq!(matching_step(&secret, "12345a", T), None);
        assert_eq!(matching_step(&secret, "abcdef", T), None);
        assert_eq!(matching_step(&secret, &code[..5], T), None);
        assert_eq!(matching_step(&secret, &format!("{code}0"), T), None);
        // Non-ASCII digits are not digits here.
        assert_eq!(matching_step(&secret, "١٢٣٤٥٦", T), None);
    }

    #[test]
    fn matching_step_at_the_epoch_and_far_future() {
        let secret = new_secret();
        assert_eq!(matching_step(&secret, &code_at(&secret, 0), 0), Some(0));
        // No overflow panics at the ends of the range.
        let _ = matching_step(&secret, "123456", u64::MAX);
    }

    #[test]
    fn grouped_key_format() {
        let key = grouped_key(&[0xAB; 20]);
        let groups: Vec<&str> = key.split(' ').collect();
        assert_eq!(groups.len(), 8);
        assert!(groups.iter().all(|g| g.len() == 4));
        let joined = groups.concat();
        assert_eq!(joined.len(), 32);
        assert!(joined
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
        // RFC 4648 test vector: "foobar" -> "MZXW6YTBOI" (no padding).
        assert_eq!(grouped_key(b"foobar"), "MZXW 6YTB OI");
    }

    #[test]
    fn otpauth_url_format() {
        let secret = b"12345678901234567890";
        let url = otpauth_url(secret, "ann@example.com").unwrap();
        assert_eq!(
            url,
            "otpauth://totp/Yeastar%20Portal:ann%40example.com\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Yeastar%20Portal"
        );
        assert!(otpauth_url(secret, "odd:name@example.com").is_err());
        assert!(otpauth_url(&[1; 10], "ann@example.com").is_err());
    }

    #[test]
    fn qr_data_url_is_a_png() {
        let url = qr_data_url(&new_secret(), "ann@example.com").unwrap();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}
