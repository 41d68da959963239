-- Sign-in security: TOTP, recovery codes, throttling, password reset, per-account sessions and
-- the audit log.

alter table accounts
    -- the TOTP secret, sealed with SECRET_KEY (never stored in the clear)
    add column totp_secret bytea,
    -- the last accepted TOTP time step: a step, once accepted, is never accepted again
    add column totp_last_step bigint,
    add column password_changed_at timestamptz,
    -- replaced by account_sessions: ending a session deletes its row
    drop column session_epoch;

alter table accounts add constraint accounts_two_factor_has_secret
    check (not two_factor_enabled or totp_secret is not null);

-- One-time recovery codes, stored as SHA-256 (they are random, not user-chosen).
create table recovery_codes (
    id          uuid primary key,
    account_id  uuid not null references accounts (id),
    code_hash   bytea not null,
    created_at  timestamptz not null,
    used_at     timestamptz,
    unique (account_id, code_hash)
);

-- Failed sign-in attempts per key ('account:<email>' or 'ip:<address>'), in PostgreSQL so the
-- limits hold across app instances. The email key is kept whether or not the account exists,
-- so throttling never reveals existence.
create table login_throttle (
    key                text primary key,
    failures           integer not null,
    window_started_at  timestamptz not null,
    last_failure_at    timestamptz not null,
    locked_until       timestamptz
);

-- Password reset links: like activation links, only the SHA-256 of the token is stored.
create table password_reset_tokens (
    id          uuid primary key,
    account_id  uuid not null references accounts (id),
    token_hash  bytea not null unique,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz
);
create index password_reset_tokens_account_idx on password_reset_tokens (account_id);

-- Every signed-in session of an account. The cookie session carries this id; a session whose
-- row is gone is signed out on its next request, which is how sessions are ended server-side
-- (sign-out elsewhere, password change or reset, removal).
create table account_sessions (
    id            uuid primary key,
    account_id    uuid not null references accounts (id),
    created_at    timestamptz not null,
    last_seen_at  timestamptz not null,
    user_agent    text not null default '',
    client_ip     text not null default ''
);
create index account_sessions_account_idx on account_sessions (account_id);

-- Append-only record of every state change: who did what to whom, when and from where.
create table audit_log (
    id          uuid primary key,
    at          timestamptz not null,
    actor_id    uuid references accounts (id),
    action      text not null,
    target_id   uuid references accounts (id),
    -- the partner whose tenant the entry belongs to, so partners can read their own entries
    partner_id  uuid references accounts (id),
    client_ip   text,
    details     jsonb not null default '{}'
);
create index audit_log_at_idx on audit_log (at desc, id desc);
create index audit_log_target_idx on audit_log (target_id, at desc);
create index audit_log_partner_idx on audit_log (partner_id, at desc);

-- The log is append-only: refuse updates and deletes at the database.
create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end;
$$;
create trigger audit_log_no_update before update or delete on audit_log
    for each row execute function audit_log_is_append_only();
