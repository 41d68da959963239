-- The customer's Billing page lists the orders of their subscriptions, newest first, one page
-- at a time: this index serves that keyset order without reading the partner's other orders.
create index orders_customer_subscription_idx on orders (customer_id, created_at desc, id desc)
    where subscription_id is not null;
