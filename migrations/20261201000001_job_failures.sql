-- A scheduled change keeps the whole configuration it was validated with (plan, units,
-- add-ons), so the end of the term applies exactly that and the renewal can always be priced.
alter table subscriptions add column scheduled_units integer check (scheduled_units > 0);
alter table subscriptions add column scheduled_addons jsonb;

-- Downgrades scheduled before this migration stored only the plan: carry the units over and
-- keep only the add-ons the target plan offers, at most its maximum quantity.
update subscriptions s set
    scheduled_units = s.units,
    scheduled_addons = coalesce((
        select jsonb_agg(jsonb_build_object(
                   'code', a->>'code',
                   'quantity', least((a->>'quantity')::integer, pa.max_quantity)))
        from jsonb_array_elements(s.addons) a
        join plan_addons pa on pa.plan_code = s.scheduled_plan_code and pa.addon_code = a->>'code'
    ), '[]'::jsonb)
where s.scheduled_plan_code is not null;

-- A scheduled change is whole or absent.
alter table subscriptions add constraint subscriptions_scheduled_change_whole check (
    (scheduled_plan_code is null and scheduled_units is null and scheduled_addons is null)
    or (scheduled_plan_code is not null and scheduled_units is not null and scheduled_addons is not null)
);

-- Scheduled work that failed for one item (a subscription, a PBX instance). The job skips the
-- item until next_attempt_at (exponential backoff) while every other item proceeds; account
-- managers see the open records of their partners' customers. A later success resolves it.
create table job_failures (
    id               uuid primary key,
    -- which job: trial_7d, trial_1d, trial_expiry, renewal_30d, renewal_7d, renewal_0d,
    -- term_end, pbx_offline
    job              text not null,
    item_id          uuid not null,
    -- the tenant the item belongs to, so the console can scope the list by manager
    partner_id       uuid references accounts (id),
    customer_id      uuid references accounts (id),
    attempts         integer not null check (attempts > 0),
    last_error       text not null,
    first_failed_at  timestamptz not null,
    last_failed_at   timestamptz not null,
    next_attempt_at  timestamptz not null,
    resolved_at      timestamptz
);
-- At most one open record per job and item: a new failure adds an attempt to it.
create unique index job_failures_open_key on job_failures (job, item_id) where resolved_at is null;
create index job_failures_open_partner_idx on job_failures (partner_id, last_failed_at desc)
    where resolved_at is null;
