-- Removal of customers: a partner asks, the partner's account manager decides. A removed
-- customer's row is kept (orders, licences and subscriptions stay attributable), and so is its
-- email address: it stays reserved and cannot be reused for a new account.
create type removal_status as enum ('pending', 'approved', 'rejected', 'withdrawn');

create table removal_requests (
    id               uuid primary key,
    customer_id      uuid not null references accounts (id),
    partner_id       uuid not null references accounts (id),
    reason           text not null,
    status           removal_status not null default 'pending',
    requested_by     uuid not null references accounts (id),
    requested_at     timestamptz not null,
    decided_by       uuid references accounts (id),
    decided_at       timestamptz,
    -- the manager's reason, shown to the partner (required when rejecting)
    decision_reason  text
);
-- At most one open request per customer.
create unique index removal_requests_one_pending on removal_requests (customer_id)
    where status = 'pending';
create index removal_requests_partner_idx on removal_requests (partner_id, requested_at desc);

alter table accounts add column removed_at timestamptz;

-- Activation resends are limited per account per day; count them from the tokens.
create index activation_tokens_recent_idx on activation_tokens (account_id, created_at);
