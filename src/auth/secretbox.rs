//! Encryption at rest for small secrets (e.g. TOTP seeds), so a database dump alone does not hand
//! out second factors.
//!
//! XChaCha20-Poly1305 AEAD. Each 256-bit key is SHA-256 of a domain-separation label followed by
//! a `SECRET_KEY`, so it differs from anything else derived from that key. Every seal uses a
//! fresh random 192-bit nonce; the extended nonce makes random nonces safe however many values we
//! ever seal, with no counter to persist.
//!
//! Sealed values name the key that sealed them, so `SECRET_KEY` can be rotated:
//! `MAGIC (4) || key id (4) || nonce (24) || ciphertext || tag (16)`, with the 8-byte header
//! authenticated as associated data. The key id is a truncated hash of the derived key (it
//! reveals nothing usable about a 32-byte key). Values sealed before key ids existed are
//! `nonce || ciphertext || tag`; they still open, and [`SecretBox::unseal`] hands back a fresh
//! seal under the current key for the caller to store, as it does for values sealed with
//! `SECRET_KEY_PREVIOUS`.

use anyhow::anyhow;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Changing this label (or the KDF) makes every stored sealed value unreadable: bump it only with
/// a migration that re-seals them.
const KEY_LABEL: &[u8] = b"yeastar-portal/secretbox/v1\0";
const KEY_ID_LABEL: &[u8] = b"yeastar-portal/secretbox/key-id\0";
/// Marks the keyed format. A legacy value starts with a random nonce, so it can begin with these
/// bytes too (odds 2^-32); `open` then still falls back to the legacy layout.
const MAGIC: [u8; 4] = *b"YPk1";
const KEY_ID_LEN: usize = 4;
const HEADER_LEN: usize = MAGIC.len() + KEY_ID_LEN;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// One derived key and its id.
#[derive(Clone)]
struct SealingKey {
    id: [u8; KEY_ID_LEN],
    // The cipher holds the expanded key and zeroes it on drop.
    cipher: XChaCha20Poly1305,
}

impl SealingKey {
    fn derive(secret_key: &str) -> Self {
        let key: Key = Sha256::new()
            .chain_update(KEY_LABEL)
            .chain_update(secret_key.as_bytes())
            .finalize();
        let digest = Sha256::new()
            .chain_update(KEY_ID_LABEL)
            .chain_update(key)
            .finalize();
        let mut id = [0; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self {
            id,
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    fn header(&self) -> [u8; HEADER_LEN] {
        let mut header = [0; HEADER_LEN];
        header[..MAGIC.len()].copy_from_slice(&MAGIC);
        header[MAGIC.len()..].copy_from_slice(&self.id);
        header
    }

    /// Opens `nonce || ciphertext || tag` authenticated together with `aad`.
    fn decrypt(&self, body: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if body.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, msg) = body.split_at(NONCE_LEN);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg, aad })
            .ok()
    }
}

/// What [`SecretBox::unseal`] found.
#[derive(Debug)]
pub struct Unsealed {
    pub plaintext: Vec<u8>,
    /// Set when the value was sealed by a previous key or in the format without a key id: the
    /// same plaintext sealed under the current key, for the caller to store in its place.
    pub resealed: Option<Vec<u8>>,
}

/// Seals with the current `SECRET_KEY`; opens with it or with `SECRET_KEY_PREVIOUS`.
#[derive(Clone)]
pub struct SecretBox {
    current: SealingKey,
    previous: Option<SealingKey>,
}

// Hand-written so the key can never end up in logs via `{:?}`.
impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox").finish_non_exhaustive()
    }
}

impl SecretBox {
    pub fn new(secret_key: &str) -> Self {
        Self {
            current: SealingKey::derive(secret_key),
            previous: None,
        }
    }

    /// Also opens values sealed with `previous` (the key being rotated out).
    pub fn with_previous(mut self, previous: Option<&str>) -> Self {
        self.previous = previous.map(SealingKey::derive);
        self
    }

    /// Encrypts `plaintext` under the current key.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let header = self.current.header();
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext,
            aad: &header,
        };
        let ciphertext = self
            .current
            .cipher
            .encrypt(&nonce, payload)
            // Only fails for plaintexts beyond ChaCha20's 256 GiB limit.
            .expect("XChaCha20-Poly1305 encryption of a small secret cannot fail");
        let mut sealed = Vec::with_capacity(HEADER_LEN + NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&header);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts a sealed value. Fails if it is truncated, was tampered with, or was sealed under
    /// a key that is neither `SECRET_KEY` nor `SECRET_KEY_PREVIOUS`.
    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        Ok(self.unseal(sealed)?.plaintext)
    }

    /// Like [`SecretBox::open`], and says whether the value should be stored re-sealed.
    pub fn unseal(&self, sealed: &[u8]) -> anyhow::Result<Unsealed> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(anyhow!(
                "sealed secret is too short ({} bytes)",
                sealed.len()
            ));
        }
        let keys = std::iter::once(&self.current).chain(self.previous.as_ref());
        if let Some((header, body)) = sealed.split_first_chunk::<HEADER_LEN>() {
            if header[..MAGIC.len()] == MAGIC {
                let id = &header[MAGIC.len()..];
                for key in keys.clone().filter(|key| key.id == id) {
                    if let Some(plaintext) = key.decrypt(body, header) {
                        return Ok(self.opened(plaintext, key.id != self.current.id));
                    }
                }
            }
        }
        // The format without a key id: try every key we hold.
        for key in keys {
            if let Some(plaintext) = key.decrypt(sealed, &[]) {
                return Ok(self.opened(plaintext, true));
            }
        }
        // The AEAD error is deliberately opaque; say what it means in practice.
        Err(anyhow!(
            "sealed secret failed authentication (tampered, or sealed with a key that is neither \
             SECRET_KEY nor SECRET_KEY_PREVIOUS)"
        ))
    }

    fn opened(&self, plaintext: Vec<u8>, stale: bool) -> Unsealed {
        let resealed = stale.then(|| self.seal(&plaintext));
        Unsealed {
            plaintext,
            resealed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value as sealed before key ids existed: `nonce || ciphertext || tag`, no header.
    fn legacy_seal(secret_key: &str, plaintext: &[u8]) -> Vec<u8> {
        let key = SealingKey::derive(secret_key);
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut sealed = nonce.to_vec();
        sealed.extend(key.cipher.encrypt(&nonce, plaintext).unwrap());
        sealed
    }

    #[test]
    fn round_trip() {
        let secret_box = SecretBox::new("app secret key");
        for plaintext in [&b""[..], b"x", b"a twenty byte secret"] {
            let sealed = secret_box.seal(plaintext);
            assert_eq!(
                sealed.len(),
                HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN
            );
            let unsealed = secret_box.unseal(&sealed).unwrap();
            assert_eq!(unsealed.plaintext, plaintext);
            assert!(unsealed.resealed.is_none(), "current key: nothing to redo");
        }
        // A clone (as held by each request's state) opens what the original sealed.
        let sealed = secret_box.seal(b"shared");
        assert_eq!(secret_box.clone().open(&sealed).unwrap(), b"shared");
    }

    #[test]
    fn seals_name_their_key() {
        let a = SecretBox::new("key one").seal(b"secret");
        let b = SecretBox::new("key two").seal(b"secret");
        assert_eq!(a[..MAGIC.len()], MAGIC);
        assert_ne!(a[MAGIC.len()..HEADER_LEN], b[MAGIC.len()..HEADER_LEN]);
    }

    #[test]
    fn a_value_sealed_with_the_previous_key_opens_and_is_resealed_under_the_current_one() {
        let old = SecretBox::new("key one").seal(b"secret");
        let rotated = SecretBox::new("key two").with_previous(Some("key one"));
        let unsealed = rotated.unseal(&old).unwrap();
        assert_eq!(unsealed.plaintext, b"secret");
        let resealed = unsealed.resealed.expect("re-sealed under the current key");
        // Once stored, the previous key can go.
        assert_eq!(
            SecretBox::new("key two").open(&resealed).unwrap(),
            b"secret"
        );
        assert!(SecretBox::new("key one").open(&resealed).is_err());
    }

    #[test]
    fn a_value_without_a_key_id_still_opens_and_is_resealed_with_one() {
        let legacy = legacy_seal("key one", b"secret");
        let unsealed = SecretBox::new("key one").unseal(&legacy).unwrap();
        assert_eq!(unsealed.plaintext, b"secret");
        let resealed = unsealed.resealed.expect("upgraded to the keyed format");
        assert_eq!(resealed[..MAGIC.len()], MAGIC);
        // A legacy value of the key being rotated out opens too.
        let rotated = SecretBox::new("key two").with_previous(Some("key one"));
        assert_eq!(rotated.open(&legacy).unwrap(), b"secret");
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = SecretBox::new("key one").seal(b"secret");
        assert!(SecretBox::new("key two").open(&sealed).is_err());
        let legacy = legacy_seal("key one", b"secret");
        assert!(SecretBox::new("key two").open(&legacy).is_err());
    }

    #[test]
    fn tampering_fails() {
        let secret_box = SecretBox::new("app secret key");
        let sealed = secret_box.seal(b"secret");
        // Flip one bit in each position in turn: header, nonce, ciphertext and tag are all
        // covered.
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
