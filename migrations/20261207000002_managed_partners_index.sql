-- no-transaction
-- "The partners of this account manager" (managed_partner_ids): the function's condition
-- implies this index's predicate, so it is read through the index instead of every account.
-- Built concurrently (one statement per file: PostgreSQL runs several statements sent at once
-- in one transaction), so instances still serving during a rolling upgrade keep writing.
create index concurrently if not exists accounts_managed_partners_idx
    on accounts (manager_id) where role = 'partner' or partner_access;
