//! The Partner Portal.

pub mod customers;
