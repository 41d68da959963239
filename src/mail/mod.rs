//! Email: a transactional outbox (`outbox`), a worker that drains it (`worker`) over SMTP or to
//! files (`transport`), and the messages themselves (`messages`).

pub mod messages;
pub mod outbox;
pub mod transport;
pub mod worker;
