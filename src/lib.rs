//! Yeastar Partner Portal, Customer Portal and Account Manager console: one server-rendered,
//! multi-tenant web application over PostgreSQL. How it is laid out: `docs/ARCHITECTURE.md`.

// Functions stay short enough to read (threshold in clippy.toml).
#![warn(clippy::too_many_lines)]

pub mod accounts;
pub mod activation;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod colleagues;
pub mod config;
pub mod countries;
pub mod db;
pub mod demo;
pub mod error;
pub mod format;
pub mod ids;
pub mod images;
pub mod inbox;
pub mod jobs;
pub mod labels;
pub mod licenses;
pub mod mail;
pub mod orders;
pub mod overview;
pub mod paging;
pub mod partnership;
pub mod pbx;
pub mod pricing;
pub mod removals;
pub mod simulator;
pub mod subscriptions;
pub mod telemetry;
pub mod time_zones;
pub mod tokens;
pub mod web;
