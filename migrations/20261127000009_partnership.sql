-- Customers applying to become Yeastar partners. An approved applicant keeps its customer
-- account (and products) and gains Partner Portal access, assigned to the approving manager.
create type application_status as enum ('pending', 'approved', 'rejected', 'withdrawn');

create table partnership_applications (
    id               uuid primary key,
    customer_id      uuid not null references accounts (id),
    company          text not null,
    website          text not null default '',
    country          char(2) not null,
    business_type    text not null,
    yearly_volume    text not null,
    message          text not null default '',
    status           application_status not null default 'pending',
    created_at       timestamptz not null,
    decided_by       uuid references accounts (id),
    decided_at       timestamptz,
    decision_reason  text
);
-- One open application at a time.
create unique index partnership_applications_one_open on partnership_applications (customer_id)
    where status = 'pending';

alter table accounts add column partner_access boolean not null default false;
