-- The PBX API's rate limit lives in the row each heartbeat already writes, so every app instance
-- enforces the same limit with no extra store and no extra statement: a fixed one-minute window
-- per instance (when it started, and how many heartbeats it has accepted).
alter table pbx_instances
    add column beat_window_started_at timestamptz,
    add column beats_in_window integer not null default 0;
