//! One integration-test binary (one link step): every test runs the real server against its own
//! fresh PostgreSQL database and a real SMTP listener.

mod access;
mod activation;
mod browser;
mod catalog;
mod central;
mod cli;
mod customers;
mod faults;
mod fixtures;
mod helpers;
mod isolation;
mod journey;
mod mail;
mod malformed;
mod manager;
mod orders;
mod partnership;
mod proxy;
mod security;
mod shutdown;
mod smtp;
mod subscriptions;
mod world;
