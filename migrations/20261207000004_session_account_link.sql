-- The web sessions' table, made here rather than by the session store at start (several
-- instances starting at once raced on it), and a link from a signed-in session to its
-- `account_sessions` row: loading a session then brings the signed-in account along in the
-- same statement (src/auth/session_store.rs). A row written before this link existed has none;
-- its next write adds it, and until then the account is read separately.
create schema if not exists tower_sessions;
create table if not exists tower_sessions.session (
    id           text primary key not null,
    data         bytea not null,
    expiry_date  timestamptz not null
);
alter table tower_sessions.session add column if not exists account_session_id uuid;
-- The periodic deletion of expired sessions, without reading the whole table.
create index if not exists session_expiry_idx on tower_sessions.session (expiry_date);
