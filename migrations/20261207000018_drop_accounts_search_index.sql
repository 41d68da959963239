-- no-transaction
-- The trigram index of every account's name, company and email (20261127000001). Every search
-- now reads `search_text`: a partner's customers through accounts_partner_search_idx, a
-- manager's partners and an organization's members on their own few rows. Nothing reads this
-- index any more, and it was written on every new version of every account row.
drop index concurrently if exists accounts_search_trgm_idx;
