//! The Partner Portal.

pub mod customers;
pub mod removals;
