-- no-transaction
-- A customer's licences newest first, with the partner and product type a licence search
-- scopes them by: a search by customer ("falcon telecom": 329 customers, 925 licences at
-- 1,000,000 licences) reads them from the index alone and sorts them there, instead of
-- visiting every licence row (1,912 buffers → 998), and the Customer Portal's product list
-- reads them in order. Built concurrently (one statement a file).
create index concurrently if not exists licenses_customer_recent_idx on licenses
    (customer_id, created_at desc, id desc) include (partner_id, product_type)
    where customer_id is not null;
