-- no-transaction
-- activation_tokens had the same index twice: activation_tokens_account_idx (account_id,
-- created_at desc, 20261127000001) and activation_tokens_recent_idx (account_id, created_at,
-- 20261127000005). A B-tree is read in either direction, and every plan of the link lookups
-- (the customer list's newest live link, the manager's activations) already uses the second.
-- Every new link was written to both.
drop index concurrently if exists activation_tokens_account_idx;
