//! Authentication primitives: password hashing and policy.

pub mod password;
