-- Transactional outbox: the request that needs an email writes this row in its own transaction;
-- a worker delivers it later. Rows are kept after delivery as a record of what was sent.
create type outbox_status as enum ('pending', 'sent', 'failed');

create table email_outbox (
    id               uuid primary key,
    recipient        text not null,
    subject          text not null,
    text_body        text not null,
    html_body        text not null,
    -- what the email is about, e.g. the account it activates; lets pages show delivery state
    account_id       uuid references accounts (id),
    kind             text not null,
    status           outbox_status not null default 'pending',
    attempts         integer not null default 0,
    last_error       text,
    created_at       timestamptz not null,
    next_attempt_at  timestamptz not null,
    -- a claimed row is invisible to other workers until this passes (crash safety)
    locked_until     timestamptz,
    sent_at          timestamptz
);
create index email_outbox_due_idx on email_outbox (next_attempt_at) where status = 'pending';
create index email_outbox_account_idx on email_outbox (account_id, created_at desc);
