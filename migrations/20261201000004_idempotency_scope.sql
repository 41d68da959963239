-- A confirmation form's idempotency key identifies one submission by one account, and it is
-- looked up as (placed_by, idempotency_key). The old global unique key disagreed with that
-- lookup: a key seen from another tenant hit the constraint, found no order of its own and
-- answered 500; and a lookup by partner alone let two customers of one partner share a key.
-- Now the constraint and the lookup have the same scope.
alter table orders drop constraint orders_idempotency_key_key;
alter table orders
    add constraint orders_idempotency_scope_key unique (placed_by, idempotency_key);
