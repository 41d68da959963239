-- no-transaction
-- accounts_customer_walk_idx (the migration before) has the same key in the same order and
-- serves the customer list as well; one index fewer to write on every new customer.
drop index concurrently if exists accounts_partner_list_idx;
