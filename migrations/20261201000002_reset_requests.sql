-- Forgot-password requests are queued: the form records one row and answers at once, the same
-- way whether or not the email has an account, and a worker task does the per-account work
-- (token, email) afterwards. The row is deleted when handled, so no typed email stays behind.
create table password_reset_requests (
    id            uuid primary key,
    email         text not null,
    client_ip     text not null,
    requested_at  timestamptz not null
);
create index password_reset_requests_due_idx on password_reset_requests (requested_at);

-- A newer request or a password change replaces every outstanding link of the account.
alter table password_reset_tokens add column superseded_at timestamptz;
