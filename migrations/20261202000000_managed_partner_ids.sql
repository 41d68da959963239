-- The tenancy rule "the partners of this account manager", written once (owned by
-- src/accounts, see docs/ARCHITECTURE.md): a partner, or a customer approved as one
-- (partner_access), whose manager is `manager`. Queries select from it in FROM position
-- (`... in (select id from managed_partner_ids($1) id)`), where PostgreSQL inlines a stable
-- SQL function, so it plans exactly as the condition typed out would.
create function managed_partner_ids(manager uuid) returns setof uuid
language sql stable parallel safe
as $$
    select id from accounts where (role = 'partner' or partner_access) and manager_id = manager
$$;
