-- 10,000 running Cloud PBX instances on top of seed-demo (benches/heartbeats.sh): each with an
-- active one-year subscription of a demo customer (spread over every active demo customer and
-- their partner) and a deterministic bearer token `bench-token-<n>`, stored as the app stores
-- one: the SHA-256 of the token's UTF-8 bytes (tokens::hash_token).
-- Every instance reported a minute ago, as a live fleet has, so the first beats of a run are
-- ordinary ones (not "back online"), and no rate window is open yet.
with c as (
  select id, partner_id, row_number() over (order by email) - 1 as k, count(*) over () as n
  from accounts where role = 'customer' and status = 'active' and partner_id is not null
),
f as (
  select i, gen_random_uuid() as subscription_id, c.id as customer_id, c.partner_id
  from generate_series(1, 10000) as i join c on c.k = i % c.n
),
s as (
  insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, term,
    status, current_period_start, current_period_end, created_at, updated_at)
  select subscription_id, customer_id, partner_id, 'cloud_pbx',
    case when i % 4 = 0 then 'cloud_pbx_ultimate' else 'cloud_pbx_enterprise' end,
    10 + i % 90, '1y', 'active', current_date - 30, current_date + 335,
    now() - interval '30 days', now() - interval '30 days'
  from f
  returning id
)
insert into pbx_instances (id, subscription_id, customer_id, partner_id, name, status,
  token_hash, software_version, extensions_in_use, active_calls, last_heartbeat_at,
  created_at, updated_at)
select gen_random_uuid(), f.subscription_id, f.customer_id, f.partner_id,
  format('Bench PBX %s', f.i), 'running',
  sha256(convert_to('bench-token-' || f.i, 'UTF8')), '37.20.0.16', 10, 1,
  now() - interval '1 minute', now() - interval '30 days', now() - interval '30 days'
from f join s on s.id = f.subscription_id;
analyze;
