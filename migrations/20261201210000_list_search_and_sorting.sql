-- The lists people search every day: "contains" search over licence keys and order numbers,
-- and the sort orders of the customer, licence and order lists. Each sort order is
-- keyset-paginated on (sort value, id), so each gets an index in that order, scoped by partner
-- first. (pg_trgm was created with the accounts table.)

-- Licence search: "EL9N" anywhere in a key or "001004" anywhere in an order number, matched
-- with ILIKE through trigram indexes.
create index licenses_key_trgm_idx on licenses using gin (key gin_trgm_ops);
create index orders_number_trgm_idx on orders using gin (number gin_trgm_ops);
-- From the orders whose number matches to their licences, instead of through all the partner's.
create index licenses_order_idx on licenses (order_id);

-- Customers by name (the expression the list sorts on; see accounts::customer_list).
create index accounts_partner_name_idx on accounts (partner_id, lower(first_name || ' ' || last_name), id)
    where role = 'customer';

-- Licences by expiry, per product type.
create index licenses_partner_type_expiry_idx on licenses (partner_id, product_type, ends_on, id);

-- Orders by total.
create index orders_partner_total_idx on orders (partner_id, total_minor, id);
