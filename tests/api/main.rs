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
mod jobs;
mod journey;
mod link_privacy;
mod mail;
mod manager;
mod orders;
mod partnership;
mod password_reset;
mod proxies;
mod secret_key;
mod security;
mod sessions;
mod smtp;
mod step_up;
mod subscription_changes;
mod subscriptions;
mod throttle;
mod tls;
