-- no-transaction
-- licenses_customer_recent_idx (the migration before) leads with the same column under the
-- same condition and serves every lookup of a customer's licences; one index fewer to write.
drop index concurrently if exists licenses_customer_idx;
