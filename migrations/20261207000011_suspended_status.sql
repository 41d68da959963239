-- A colleague the organization's Owner suspended: kept, unable to sign in, reversible.
-- Its own migration: a value added to an enum cannot be used in the transaction that adds it.
alter type account_status add value if not exists 'suspended';
