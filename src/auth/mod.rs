//! Authentication: passwords (hashing, policy, reset), two-factor (TOTP, recovery codes),
//! throttling of failed attempts, and the signed-in sessions of each account.

pub mod hashing;
pub mod password;
pub mod password_reset;
pub mod recovery;
pub mod secretbox;
pub mod session_store;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod two_factor;
