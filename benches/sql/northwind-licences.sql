-- :licences Cloud PBX licences of partner@northwind.example in orders of 60..100, on top of
-- seed-demo and the partner's customers (run with `psql -v licences=100000 -f …`; used by
-- scripts/bench-licenses.sh and benches/run.sh).
-- Orders of 60..100 licences each, adding up to exactly :licences licences (one order per ~80, the
-- last one trimmed), placed by the partner over the last two years, numbered in time order.
-- One Cloud PBX order in three is Ultimate; each licence covers 5..100 extensions.
create temp table bench_orders as
with sizes as (select i, 60 + (i * 37) % 41 as n from generate_series(1, :licences / 60 + 100) as i),
cum as (select i, n, sum(n) over (order by i) - n as before from sizes),
o as (
  select i, least(n, :licences - before)::int as n, gen_random_uuid() as id,
    case when i % 3 = 0 then 'cloud_pbx_ultimate' else 'cloud_pbx_enterprise' end as plan_code,
    5 * (1 + (i * 13) % 20) as units,
    now() - random() * interval '730 days' as created_at
  from cum where before < :licences
)
select o.*, row_number() over (order by created_at) as seq, pl.unit_price_minor::bigint * o.n * o.units * 12 as subtotal
from o join plans pl on pl.code = o.plan_code;

insert into orders (id, number, partner_id, placed_by, customer_id, status, plan_code, term,
  licenses, units, currency, subtotal_minor, discount_minor, total_minor, starts_on, ends_on,
  idempotency_key, placeholder_prices, created_at)
select o.id, 'YP-' || lpad((1000 + o.seq)::text, 6, '0'), p.id, p.id, null,
  case when o.created_at > now() - interval '30 days' and o.i % 2 = 0 then 'awaiting_payment'
    else 'paid' end::order_status,
  o.plan_code, '1y', o.n, o.units, 'USD', o.subtotal, o.subtotal * d.pct / 100,
  o.subtotal - o.subtotal * d.pct / 100, o.created_at::date,
  (o.created_at::date + interval '1 year')::date, gen_random_uuid(), true, o.created_at
from bench_orders o cross join (select id from accounts where email = 'partner@northwind.example') p
cross join lateral (select case when o.n >= 80 then 10 else 0 end as pct) d;
do $$ begin perform setval('order_number_seq', 1000 + (select count(*) from bench_orders)); end $$;

insert into order_lines (order_id, position, description, unit, quantity, unit_price_minor, months, amount_minor)
select o.id, 0, pl.name || ', 1 year', 'extension', o.n * o.units, pl.unit_price_minor, 12, o.subtotal
from bench_orders o join plans pl on pl.code = o.plan_code;

-- The licences: each order's, created with it (same instant, as the app does). Keys have the
-- app's YS-XXXX-XXXX-XXXX-XXXX shape, from md5 (hex), so they are uniformly random: a 7-char
-- prefix like "YS-AB12" matches :licences / 16^4 keys (≈ 1.5 per 100,000). About 30 % are associated with one
-- of the partner's active customers, picked by hash.
with p as (select id from accounts where email = 'partner@northwind.example'),
c as (select array_agg(a.id order by a.id) as ids from accounts a, p
      where a.partner_id = p.id and a.role = 'customer' and a.status = 'active')
insert into licenses (id, key, partner_id, order_id, order_number, product_type, plan_code,
  capacity, starts_on, ends_on, status, customer_id, associated_at, created_at)
select gen_random_uuid(),
  'YS-' || upper(substr(h.md, 1, 4) || '-' || substr(h.md, 5, 4) || '-' || substr(h.md, 9, 4)
    || '-' || substr(h.md, 13, 4)),
  p.id, o.id, o.number, 'cloud_pbx', o.plan_code, o.units, o.starts_on, o.ends_on,
  case when o.ends_on < current_date then 'expired' else 'active' end::license_status,
  case when h.assoc then c.ids[(1 + h.pick % cardinality(c.ids))::int] end,
  case when h.assoc then least(now(), o.created_at + h.pick % 60 * interval '1 day') end,
  o.created_at
from orders o join p on o.partner_id = p.id cross join c
cross join lateral generate_series(1, o.licenses) as j
cross join lateral (select md5('licence ' || o.number || '/' || j) as md,
  abs(hashtext('assoc ' || o.number || '/' || j)::bigint) % 10 < 3 as assoc,
  abs(hashtext('pick ' || o.number || '/' || j)::bigint) as pick) h;
analyze;
