//! Encryption at rest for small secrets (e.g. TOTP seeds), so a database dump alone does not hand
//! out second factors.
//!
//! XChaCha20-Poly1305 AEAD. The 256-bit key is SHA-256 of a domain-separation label followed by
//! the app's `SECRET_KEY`, so this key differs from anything else derived from `SECRET_KEY`
//! (session signing etc.). Every seal uses a fresh random 192-bit nonce, stored in front of the
//! ciphertext: `nonce (24 bytes) || ciphertext || tag (16 bytes)`. The extended nonce is what
//! makes random nonces safe here: collisions are negligible however many values we ever seal,
//! with no counter to persist.

use anyhow::anyhow;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Changing this label (or the KDF) makes every stored sealed value unreadable: bump it only with
/// a migration that re-seals them.
const KEY_LABEL: &[u8] = b"yeastar-portal/secretbox/v1\0";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Seals and opens small secrets with a key derived from `SECRET_KEY`.
#[derive(Clone)]
pub struct SecretBox {
    // The cipher holds the expanded key and zeroes it on drop.
    cipher: XChaCha20Poly1305,
}

// Hand-written so the key can never end up in logs via `{:?}`.
impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox").finish_non_exhaustive()
    }
}

impl SecretBox {
    pub fn new(secret_key: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(KEY_LABEL);
        hasher.update(secret_key.as_bytes());
        let key: Key = hasher.finalize();
        Self {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// Encrypts `plaintext`, returning `nonce || ciphertext`.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext)
            // Only fails for plaintexts beyond ChaCha20's 256 GiB limit.
            .expect("XChaCha20-Poly1305 encryption of a small secret cannot fail");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts a value from [`SecretBox::seal`]. Fails if it is truncated, was tampered with, or
    /// was sealed under a different `SECRET_KEY`.
    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(anyhow!(
                "sealed secret is too short ({} bytes)",
                sealed.len()
            ));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            // The AEAD error is deliberately opaque; say what it means in practice.
            .map_err(|_| {
                anyhow!("sealed secret failed authentication (tampered or wrong SECRET_KEY)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let secret_box = SecretBox::new("app secret key");
        for plaintext in [&b""[..], b"x", b"a twenty byte secret"] {
            let sealed = secret_box.seal(plaintext);
            assert_eq!(sealed.len(), NONCE_LEN + plaintext.len() + TAG_LEN);
            assert_eq!(secret_box.open(&sealed).unwrap(), plaintext);
        }
        // A clone (as held by each request's state) opens what the original sealed.
        let sealed = secret_box.seal(b"shared");
        assert_eq!(secret_box.clone().open(&sealed).unwrap(), b"shared");
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = SecretBox::new("key one").seal(b"secret");
        assert!(SecretBox::new("key two").open(&sealed).is_err());
    }

    #[test]
    fn tampering_fails() {
        let secret_box = SecretBox::new("app secret key");
        let sealed = secret_box.seal(b"secret");
        // Flip one bit in each position in turn: nonce, ciphertext and tag are all covered.
        for i in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert!(secret_box.open(&tampered).is_err(), "byte {i}");
        }
        assert!(secret_box.open(&sealed[..sealed.len() - 1]).is_err());
    }

    #[test]
    fn too_short_fails() {
        let secret_box = SecretBox::new("app secret key");
        assert!(secret_box.open(b"").is_err());
        assert!(secret_box.open(&[0; NONCE_LEN + TAG_LEN - 1]).is_err());
    }

    #[test]
    fn seals_are_randomised() {
        let secret_box = SecretBox::new("app secret key");
        assert_ne!(secret_box.seal(b"same"), secret_box.seal(b"same"));
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", SecretBox::new("k")), "SecretBox { .. }");
    }
}
