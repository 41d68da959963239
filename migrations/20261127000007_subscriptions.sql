-- Customer self-service: free trials and subscriptions, with the Cloud PBX instance each
-- Cloud PBX trial or subscription provisions (Central Management shows them).
create type subscription_status as enum ('trial', 'active', 'expired', 'cancelled');
create type pbx_status as enum ('provisioning', 'running', 'suspended', 'terminated');

create table subscriptions (
    id                   uuid primary key,
    customer_id          uuid not null references accounts (id),
    partner_id           uuid not null references accounts (id),
    product_type         text not null references product_types (code),
    plan_code            text not null references plans (code),
    units                integer not null check (units > 0),
    -- [{"code": "...", "quantity": n}, ...] as priced by the engine
    addons               jsonb not null default '[]',
    term                 text not null,
    status               subscription_status not null,
    -- set when the subscription began as a free trial (one trial per product per customer)
    started_as_trial     boolean not null default false,
    trial_ends_at        timestamptz,
    current_period_start date,
    current_period_end   date,
    auto_renew           boolean not null default true,
    -- a downgrade waits for the end of the term
    scheduled_plan_code  text references plans (code),
    created_at           timestamptz not null,
    updated_at           timestamptz not null,
    constraint subscriptions_trial_has_end check (status <> 'trial' or trial_ends_at is not null)
);
create unique index subscriptions_one_trial_per_product on subscriptions (customer_id, product_type)
    where started_as_trial;
create index subscriptions_customer_idx on subscriptions (customer_id, created_at desc);
create index subscriptions_partner_idx on subscriptions (partner_id, created_at desc);
create index subscriptions_trial_due_idx on subscriptions (trial_ends_at) where status = 'trial';
create index subscriptions_period_due_idx on subscriptions (current_period_end) where status = 'active';

create table pbx_instances (
    id               uuid primary key,
    subscription_id  uuid not null unique references subscriptions (id),
    customer_id      uuid not null references accounts (id),
    partner_id       uuid not null references accounts (id),
    name             text not null,
    status           pbx_status not null,
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);

-- Reminders already sent: the primary key makes each reminder go out once, whatever number of
-- workers run the scheduled job.
create table subscription_notices (
    subscription_id  uuid not null references subscriptions (id),
    kind             text not null,
    -- the trial end or period end the reminder is about
    due_on           date not null,
    sent_at          timestamptz not null,
    primary key (subscription_id, kind, due_on)
);

-- Orders a customer places for a subscription (and its changes and renewals).
alter table orders add column subscription_id uuid references subscriptions (id);
alter table orders add column kind text not null default 'purchase'
    check (kind in ('purchase', 'subscription', 'change', 'renewal'));
