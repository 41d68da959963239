-- btree_gin lets one GIN index hold a partner id beside the trigrams of the searched text, so a
-- customer search reads only that partner's candidates (next migration). A trusted contrib
-- extension, like pg_trgm.
create extension if not exists btree_gin;
