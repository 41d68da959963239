-- no-transaction
-- The account manager's pending activations, newest first. Without it the list read every
-- account and sorted the pending ones (~120 ms at 100,000 accounts); with it, it reads the
-- pending accounts in list order, and the included columns decide "is it this manager's"
-- without visiting the table, so a manager with a small share of the network still reads few
-- rows. Built concurrently, like the index before it.
create index concurrently if not exists accounts_pending_idx
    on accounts (created_at desc, id desc) include (role, partner_id, manager_id)
    where status = 'pending_activation';
