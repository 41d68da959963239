-- Accounts of every role live in one table: the Yeastar ID (email) must be unique across the
-- whole system, and one table makes that a single index instead of a cross-table rule.
create extension if not exists pg_trgm;

create type account_role as enum ('manager', 'partner', 'customer');
create type account_status as enum ('pending_activation', 'active', 'removed');

create table accounts (
    id              uuid primary key,
    role            account_role not null,
    status          account_status not null default 'pending_activation',
    email           text not null,
    -- null until the owner sets a password through the activation link
    password_hash   text,
    first_name      text not null,
    last_name       text not null,
    company         text not null default '',
    phone           text not null default '',
    country         char(2),
    address         text not null default '',
    city            text not null default '',
    state           text not null default '',
    postcode        text not null default '',
    -- a partner is assigned exactly one account manager; a customer belongs to exactly one partner
    manager_id      uuid references accounts (id),
    partner_id      uuid references accounts (id),
    -- 2FA is off when an account is created; only its owner turns it on (later issue)
    two_factor_enabled boolean not null default false,
    -- bumped to end every session of the account at once (password reset, removal)
    session_epoch   integer not null default 0,
    has_profile_image boolean not null default false,
    created_by      uuid references accounts (id),
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    activated_at    timestamptz,
    constraint accounts_partner_has_manager check (role <> 'partner' or manager_id is not null),
    constraint accounts_customer_has_partner check (role <> 'customer' or partner_id is not null),
    constraint accounts_active_has_password check (status <> 'active' or password_hash is not null)
);

-- Case-insensitive uniqueness of the Yeastar ID; the name is matched in code to report
-- "already in use" on the email field.
create unique index accounts_email_key on accounts (lower(email));

-- The partner's customer list: newest first, keyset-paginated, scoped by partner.
create index accounts_partner_list_idx on accounts (partner_id, created_at desc, id desc)
    where role = 'customer';
create index accounts_manager_list_idx on accounts (manager_id, created_at desc, id desc)
    where role = 'partner';

-- "Contains" search over name, company and email.
create index accounts_search_trgm_idx on accounts using gin (
    (lower(first_name || ' ' || last_name || ' ' || company || ' ' || email)) gin_trgm_ops
);

-- Profile images are stored re-encoded (never as uploaded) and served by the app.
create table profile_images (
    account_id   uuid primary key references accounts (id),
    content_type text not null,
    bytes        bytea not null,
    updated_at   timestamptz not null
);

-- Only a SHA-256 of each activation token is stored; the token itself exists only in the email.
create table activation_tokens (
    id             uuid primary key,
    account_id     uuid not null references accounts (id),
    token_hash     bytea not null unique,
    created_at     timestamptz not null,
    expires_at     timestamptz not null,
    used_at        timestamptz,
    -- set when a newer link is issued for the same account
    superseded_at  timestamptz
);
create index activation_tokens_account_idx on activation_tokens (account_id, created_at desc);
