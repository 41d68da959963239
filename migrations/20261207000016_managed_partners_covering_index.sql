-- no-transaction
-- "The partners of this account manager" (managed_partner_ids) from the index alone: its
-- condition reads each partner's id and organization, which the plain index on manager_id
-- (20261207000002) sent it to the table for, one row per partner. Every console page of a
-- manager runs it (the navigation's counts) and so do its queues; pgbench of the pending
-- activations page's query at 1,000,000 accounts, a manager of 101 partners: ~6,860 →
-- ~7,360/s. Built concurrently (one statement a file); the next migration drops the old one.
create index concurrently if not exists accounts_managed_partners_covering_idx
    on accounts (manager_id) include (id, organization_id) where role = 'partner' or partner_access;
