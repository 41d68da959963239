//! The Partner Portal.

pub mod audit;
pub mod customer_edit;
pub mod customers;
pub mod orders;
pub mod products;
pub mod purchase;
pub mod removals;
