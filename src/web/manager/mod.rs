//! The Account Manager console: my partners, activations, removals, the audit log.

pub mod activations;
pub mod applications;
pub mod audit;
pub mod partners;
pub mod removals;
