-- no-transaction
-- accounts_managed_partners_covering_idx (the migration before) has the same key and condition
-- and serves every lookup this one did; one index fewer to write.
drop index concurrently if exists accounts_managed_partners_idx;
