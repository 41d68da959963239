//! The Account Manager console: my partners, activations, removals, the audit log, and
//! scheduled work that needs attention.

pub mod activations;
pub mod applications;
pub mod attention;
pub mod audit;
pub mod decided;
pub mod partner_detail;
pub mod partners;
pub mod removals;
pub mod routes;
