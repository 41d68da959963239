-- Orders and licences. Payment is by invoice: an order starts awaiting payment; the status
-- leaves room for a payment gateway. Orders and licences reference the customer but never
-- depend on the customer's status, so they survive the customer's removal.
create type order_status as enum ('awaiting_payment', 'paid', 'cancelled');
create type license_status as enum ('active', 'suspended', 'expired');

create sequence order_number_seq start 1001;

create table orders (
    id               uuid primary key,
    -- human-facing, e.g. YP-001001
    number           text not null unique,
    partner_id       uuid not null references accounts (id),
    placed_by        uuid not null references accounts (id),
    -- the customer the licences were associated with at purchase, if any
    customer_id      uuid references accounts (id),
    status           order_status not null default 'awaiting_payment',
    plan_code        text not null references plans (code),
    term             text not null,
    licenses         integer not null check (licenses between 1 and 100),
    units            integer not null check (units > 0),
    currency         char(3) not null,
    subtotal_minor   bigint not null check (subtotal_minor >= 0),
    discount_minor   bigint not null check (discount_minor >= 0),
    total_minor      bigint not null check (total_minor >= 0),
    starts_on        date not null,
    ends_on          date not null,
    -- sent with the confirmation form: submitting the same confirmation twice makes one order
    idempotency_key  uuid not null unique,
    placeholder_prices boolean not null,
    created_at       timestamptz not null
);
create index orders_partner_idx on orders (partner_id, created_at desc, id desc);

create table order_lines (
    order_id          uuid not null references orders (id),
    position          integer not null,
    description       text not null,
    unit              text not null,
    quantity          bigint not null,
    unit_price_minor  bigint not null,
    -- null for a one-time charge
    months            integer,
    amount_minor      bigint not null,
    primary key (order_id, position)
);

create table licenses (
    id             uuid primary key,
    -- the licence key / serial shown to people, e.g. YS-7K2M-9QX4-PL3D-8WZA
    key            text not null unique,
    partner_id     uuid not null references accounts (id),
    order_id       uuid not null references orders (id),
    product_type   text not null references product_types (code),
    plan_code      text not null references plans (code),
    -- extensions / users / devices this licence covers
    capacity       integer not null check (capacity > 0),
    starts_on      date not null,
    ends_on        date not null,
    status         license_status not null default 'active',
    customer_id    uuid references accounts (id),
    associated_at  timestamptz,
    created_at     timestamptz not null
);
-- The purchased product list: per partner and product type, newest first.
create index licenses_partner_type_idx on licenses (partner_id, product_type, created_at desc, id desc);
-- Search by key prefix.
create index licenses_partner_key_idx on licenses (partner_id, key text_pattern_ops);
-- A customer's products, and search by customer.
create index licenses_customer_idx on licenses (customer_id) where customer_id is not null;
