//! Password hashing (argon2id, OWASP parameters) off the async threads, and the password policy.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::hashing::HashingThreads;
use crate::accounts::model::{Account, FieldErrors};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// OWASP's recommended argon2id configuration: 19 MiB of memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords on threads of their own at a lower priority (`hashing`), one
/// per core, so a burst of sign-ins queues instead of starving the pages.
#[derive(Clone)]
pub struct PasswordHasher {
    threads: HashingThreads,
    /// Verified against when the email is unknown, so that case costs the same time.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new() -> anyhow::Result<Self> {
        let dummy_hash = hash_blocking("not-a-real-password-used-for-timing-only")?;
        Ok(Self {
            threads: HashingThreads::start()?,
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.threads.run(move || hash_blocking(&password)).await?
    }

    /// True when `password` matches `stored`. With no stored hash (unknown account, or one that
    /// never set a password) it still runs one full verification and returns false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<bool> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let matches = self
            .threads
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        argon2()
                            .verify_password(password.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(known && matches)
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("argon2 hashing failed: {err}"))
}

/// Checks a new password and its confirmation; errors go on `password` / `password_confirm`.
/// Strength is zxcvbn's estimate (its frequency lists of leaked passwords, names and words, and
/// `user_inputs` such as the email and name, which make "Anna2026!" weak for Anna). Score 3
/// (about 10^10 guesses) is the least it accepts, as its authors recommend.
pub fn check_new_password(
    password: &str,
    confirm: &str,
    user_inputs: &[&str],
    errors: &mut FieldErrors,
) {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        errors.add("password", format!("Use at least {MIN_LENGTH} characters."));
    } else if length > MAX_LENGTH {
        errors.add("password", format!("Use at most {MAX_LENGTH} characters."));
    } else if let Some(problem) = weakness(password, user_inputs) {
        errors.add("password", problem);
    }
    if password != confirm {
        errors.add("password_confirm", "The two passwords do not match.");
    }
}

/// The errors of a new password `account` chooses for itself, checked against what a guesser
/// knows about it (see [`check_new_password`]); empty if it may have it.
pub fn new_password_errors(account: &Account, password: &str, confirm: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    check_new_password(password, confirm, &user_inputs(account), &mut errors);
    errors
}

/// What a guesser knows about the account: its email, name and company.
pub fn user_inputs(account: &Account) -> [&str; 4] {
    [
        &account.email,
        &account.first_name,
        &account.last_name,
        &account.company,
    ]
}

/// Why zxcvbn finds `password` too easy to guess, in its own words, or None if it is strong.
fn weakness(password: &str, user_inputs: &[&str]) -> Option<String> {
    // The email's local part and domain words count on their own too ("ann", "example").
    let mut inputs: Vec<&str> = Vec::new();
    for input in user_inputs
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
    {
        inputs.push(input);
        inputs.extend(
            input
                .split(['@', '.', ' ', '-', '_'])
                .filter(|w| w.len() > 2),
        );
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push_str(&format!(" {warning}"));
        }
        for suggestion in feedback.suggestions() {
            message.push_str(&format!(" {suggestion}"));
        }
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, confirm: &str) -> FieldErrors {
        let mut errors = FieldErrors::default();
        check_new_password(
            password,
            confirm,
            &["ann@example.com", "Ann", "Lee"],
            &mut errors,
        );
        errors
    }

    #[test]
    fn the_project_s_own_passwords_are_strong_enough() {
        for password in [
            "Sunrise over Xiamen 42",
            "A brand new password 7",
            "Yet another password 8",
            "Changed password 99",
            "Another fine password 1",
        ] {
            let found = check(password, password);
            assert!(found.is_empty(), "{password}: {:?}", found.get("password"));
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_zxcvbn_s_advice() {
        for weak in [
            "password123",
            "qwertyuiop",
            "ann@example.com",
            "example2026",
        ] {
            let found = check(weak, weak);
            let message = found
                .get("password")
                .unwrap_or_else(|| panic!("{weak} refused"));
            assert!(
                message.starts_with("This password is too easy to guess."),
                "{message}"
            );
        }
        let found = check("password123", "password123");
        assert!(found.get("password").unwrap().len() > "This password is too easy to guess.".len());
    }

    #[test]
    fn password_policy_refuses_short_long_common_and_mismatched() {
        assert!(check("short", "short").get("password").is_some());
        let long = "x".repeat(129);
        assert!(check(&long, &long).get("password").is_some());
        assert!(check("password1", "password1").get("password").is_some());
        assert!(check("Correct horse 42", "Correct horse 43")
            .get("password_confirm")
            .is_some());
        assert!(check("Correct horse 42", "Correct horse 42").is_empty());
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let hasher = PasswordHasher::new().unwrap();
        let hash = hasher.hash("Correct horse 42".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher
            .verify("Correct horse 42".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!hasher
            .verify("not-a-real-password-used-for-timing-only".into(), None)
            .await
            .unwrap());
    }
}
