-- no-transaction
-- A partner's customer search through the trigram index read every tenant's candidates (at
-- 1,000,000 accounts, ".33333@" found 1,107 of them to recheck for one match); scoped by
-- partner (btree_gin), it reads the partner's own. Built concurrently (one statement a file).
create index concurrently if not exists accounts_partner_search_idx on accounts
    using gin (partner_id, search_text gin_trgm_ops) where role = 'customer';
