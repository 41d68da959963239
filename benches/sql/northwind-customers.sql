-- :customers customers for partner@northwind.example on top of seed-demo (run with
-- `psql -v customers=10000 -f …`; used by scripts/bench-customers.sh, benches/capacity.sh and
-- benches/run.sh).
-- One statement: the data-modifying CTE inserts the customers, the outer insert gives every
-- pending one (10 %) a live-or-expired activation link, as the list query joins those. Active
-- customers reuse the partner's argon2 hash (hashing 9,000 passwords would take minutes).
-- Names cycle with different periods (20, 25, 16, 19) so combinations vary; 1 prefix in 16 is
-- "Acme", so ?q=acme matches 1 in 16 rows, spread over the whole list (a frequent term).
with p as (select id, password_hash from accounts where email = 'partner@northwind.example'),
n as (
  select i,
    (array['Alice','Ben','Chloe','David','Emma','Felix','Greta','Hugo','Ines','Jonas','Karin',
      'Liam','Maya','Noah','Olga','Pavel','Rosa','Sven','Tara','Yuki'])[1 + i % 20] as first,
    (array['Martin','Berg','Rivera','Sato','Baker','Obi','Dubois','Chen','Novak','Schmidt',
      'Rossi','Silva','Kowalski','Jensen','Murphy','Ivanova','Tanaka','Costa','Weber','Nagy',
      'Lund','Haddad','Moreau','Khan','Fischer'])[1 + i % 25] as last,
    (array['Acme','Northern','Blue River','Summit','Harbour','Pixel','Granite','Lakeside',
      'Redwood','Silverline','Orbit','Cedar','Atlas','Beacon','Falcon','Meridian'])[1 + i % 16]
      || ' ' || (array['Logistics','Dental','Legal','Hotels','Bakery','Clinic','Studio','Farms',
      'Motors','Consulting','Foods','Textiles','Pharma','Realty','Telecom','Travel','Media',
      'Energy','Insurance'])[1 + i % 19] as company,
    now() - random() * interval '365 days' as created_at
  from generate_series(1, :customers) as i
),
c as (
  insert into accounts (id, role, status, email, password_hash, first_name, last_name, company,
    phone, country, city, partner_id, created_by, created_at, updated_at, activated_at)
  select gen_random_uuid(), 'customer',
    case when i % 10 = 0 then 'pending_activation' else 'active' end::account_status,
    format('%s.%s.%s@%s.example', lower(first), lower(last), i,
      regexp_replace(lower(company), '[^a-z]+', '-', 'g')),
    case when i % 10 = 0 then null else p.password_hash end,
    first, last, company, '+49 40 ' || (1000000 + i), 'DE', 'Hamburg', p.id, p.id,
    created_at, created_at,
    case when i % 10 = 0 then null else least(now(), created_at + interval '1 day') end
  from n, p
  returning id, status, created_at
)
insert into activation_tokens (id, account_id, token_hash, created_at, expires_at)
select gen_random_uuid(), c.id, sha256(convert_to(c.id::text, 'UTF8')), t.at, t.at + interval '48 hours'
from c, lateral (select greatest(c.created_at, now() - random() * interval '4 days') as at) t
where c.status = 'pending_activation';
analyze;
