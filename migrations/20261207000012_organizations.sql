-- A partner is a company: an organization whose colleagues each have their own account.
--
-- The organization takes the id of the account that founded it (the partner account, or the
-- customer approved as a partner), so every existing `partner_id` (customers, orders,
-- licences, subscriptions, removal requests, PBX instances, audit entries) already names its
-- organization and keeps working unchanged. The founding account stays the row those ids point
-- at (its company and address are the organization's), and becomes the first member and Owner.
create table organizations (
    -- deferred: an account and the organization it founds are written in one transaction, in
    -- either order (see found_organization below)
    id                 uuid primary key references accounts (id) deferrable initially deferred,
    owner_id           uuid not null references accounts (id) deferrable initially deferred,
    -- the Owner's policy: every member signs in with a second factor
    require_two_factor boolean not null default false,
    created_at         timestamptz not null
);

alter table accounts
    -- the organization whose member this account is (null for customers and managers)
    add column organization_id uuid references organizations (id) deferrable initially deferred,
    -- the features the member may use (src/accounts/permission.rs); the Owner has all
    add column permissions text[] not null default '{}',
    -- shown on the colleagues page
    add column last_signed_in_at timestamptz;

-- The colleagues page: an organization's members in the order they joined (built before the
-- rows below: deferred foreign-key checks pending on a table forbid creating its indexes).
create index accounts_organization_members_idx
    on accounts (organization_id, created_at, id) where organization_id is not null;

-- Every partner so far becomes its own organization's Owner, with every permission.
insert into organizations (id, owner_id, created_at)
select id, id, created_at from accounts where role = 'partner' or partner_access;

update accounts
   set organization_id = id,
       permissions = array['customers', 'purchase', 'products', 'central', 'audit', 'colleagues']
 where role = 'partner' or partner_access;

-- A partner account created without an organization founds one (whichever code path creates
-- it: the manager's form, seed-demo, the command line). A colleague is created with the
-- organization it joins, and keeps the permissions it was given.
create function found_organization() returns trigger
language plpgsql as $$
begin
    new.organization_id := new.id;
    new.permissions := array['customers', 'purchase', 'products', 'central', 'audit', 'colleagues'];
    insert into organizations (id, owner_id, created_at) values (new.id, new.id, new.created_at);
    return new;
end
$$;

create trigger accounts_found_organization
    before insert on accounts
    for each row
    when (new.role = 'partner' and new.organization_id is null)
    execute function found_organization();


-- "The partners of this account manager" are organizations, not each of their colleagues
-- (colleagues carry their organization's manager, for activation resends).
create or replace function managed_partner_ids(manager uuid) returns setof uuid
language sql stable parallel safe
as $$
    select id from accounts
     where (role = 'partner' or partner_access) and manager_id = manager
       and (organization_id is null or organization_id = id)
$$;
