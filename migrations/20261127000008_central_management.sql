-- Central Management: what each Cloud PBX reports, the commands queued for it, and its history.
alter table pbx_instances
    add column region text not null default 'eu-central-1',
    -- only the SHA-256 of the instance's bearer token is stored; the token is shown once
    add column token_hash bytea unique,
    add column software_version text,
    add column extensions_in_use integer,
    add column active_calls integer,
    add column last_heartbeat_at timestamptz,
    -- set when the alarm for the current offline incident was sent; cleared when it is back,
    -- so each incident alerts once
    add column offline_alerted_at timestamptz,
    add column alarm_email text;

create table pbx_commands (
    id            uuid primary key,
    instance_id   uuid not null references pbx_instances (id),
    kind          text not null check (kind in ('restart')),
    requested_by  uuid not null references accounts (id),
    created_at    timestamptz not null,
    delivered_at  timestamptz
);
create index pbx_commands_pending_idx on pbx_commands (instance_id, created_at) where delivered_at is null;

create table pbx_events (
    id           uuid primary key,
    instance_id  uuid not null references pbx_instances (id),
    at           timestamptz not null,
    kind         text not null,
    details      jsonb not null default '{}'
);
create index pbx_events_instance_idx on pbx_events (instance_id, at desc);
create index pbx_instances_heartbeat_idx on pbx_instances (last_heartbeat_at) where status = 'running';
