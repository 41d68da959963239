//! The Partner Portal.

pub mod audit;
pub mod colleague;
pub mod colleagues;
pub mod customer_edit;
pub mod customer_new;
pub mod customer_show;
pub mod customers;
pub mod orders;
pub mod products;
pub mod purchase;
pub mod removals;
pub mod routes;
