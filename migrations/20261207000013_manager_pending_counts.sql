-- What waits for an account manager's decision, as one function: pending removal requests and
-- partnership applications of the manager's partners (scoped through managed_partner_ids).
--
-- Every signed-in page reads the session with its account in one statement, and a manager's
-- pages also read these counts in it (`case when role = 'manager' then … end`). Written as
-- subqueries in that statement, PostgreSQL set up their plan nodes on every execution, for
-- every role: the statement ran 22,700 times a second under pgbench against 32,000 without
-- them. A PL/pgSQL function is one call node, planned inside the function once per connection,
-- and only called for managers.
create or replace function manager_pending_counts(manager uuid) returns int8[]
language plpgsql stable parallel safe
as $$
begin
    return array[
        (select count(*) from removal_requests r
          where r.status = 'pending'
            and r.partner_id in (select id from managed_partner_ids(manager) id)),
        (select count(*) from partnership_applications pa
           join accounts c on c.id = pa.customer_id
          where pa.status = 'pending'
            and c.partner_id in (select id from managed_partner_ids(manager) id))
    ];
end
$$;
