//! Email: a transactional outbox (`outbox`), a worker that drains it (`worker`) over SMTP or to
//! files (`transport`; plain SMTP connections in `smtp`), and the messages themselves
//! (`messages`).

pub mod messages;
pub mod outbox;
mod smtp;
pub mod transport;
pub mod worker;
