-- The rest of a large partner network around the demo data, for benches/run.sh: :partners more
-- partners of the demo account manager, each with :per_partner customers (10 % pending with an
-- activation link), so the demo partner's customers are a tenth of the accounts and every
-- query's tenant scope is exercised against other tenants' rows.
-- Run with `psql -v partners=99 -v per_partner=9000 -f …`.
with m as (select id, password_hash from accounts where email = 'manager@demo.yeastar.example'),
p as (
  insert into accounts (id, role, status, email, password_hash, first_name, last_name, company,
    country, city, manager_id, created_by, created_at, updated_at, activated_at)
  select gen_random_uuid(), 'partner', 'active', format('sales@partner-%s.example', i), m.password_hash,
    'Sales', 'Desk ' || i, 'Partner ' || i || ' Telecom', 'DE', 'Berlin', m.id, m.id,
    now() - interval '3 years', now() - interval '3 years', now() - interval '3 years'
  from generate_series(1, :partners) as i, m
  returning id, password_hash, email
),
c as (
  insert into accounts (id, role, status, email, password_hash, first_name, last_name, company,
    phone, country, city, partner_id, created_by, created_at, updated_at, activated_at)
  select gen_random_uuid(), 'customer',
    case when i % 10 = 0 then 'pending_activation' else 'active' end::account_status,
    format('user%s@customer-%s.%s', i, i % 997, split_part(p.email, '@', 2)),
    case when i % 10 = 0 then null else p.password_hash end,
    (array['Ada','Bo','Cai','Dora','Eli','Fay','Gus','Hal','Ivy','Jay'])[1 + i % 10],
    (array['Lin','Moss','Nash','Ortiz','Park','Quinn','Reyes','Stone','Trent','Vale'])[1 + (i / 10) % 10],
    'Customer ' || (i % 997) || ' GmbH', '+49 30 ' || (1000000 + i), 'DE', 'Berlin', p.id, p.id,
    now() - random() * interval '365 days', now(), null
  from p, generate_series(1, :per_partner) as i
  returning id, status, created_at
)
insert into activation_tokens (id, account_id, token_hash, created_at, expires_at)
select gen_random_uuid(), c.id, sha256(convert_to(c.id::text, 'UTF8')), c.created_at,
  c.created_at + interval '48 hours'
from c where c.status = 'pending_activation';
update accounts set activated_at = created_at + interval '1 day'
where status = 'active' and activated_at is null and role = 'customer';
