//! One integration-test binary (one link step): every test runs the real server against its own
//! fresh PostgreSQL database and a real SMTP listener.

mod access;
mod activation;
mod browser;
mod catalog;
mod central;
mod cli;
mod customers;
mod helpers;
mod idempotency;
mod input;
mod journey;
mod mail;
mod manager;
mod orders;
mod partnership;
mod path_params;
mod security;
mod smtp;
mod subscriptions;
mod uploads;
