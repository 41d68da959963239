-- What a customer search matches (name, company, email, lowercased) as a column of its own,
-- kept by a trigger: an index can then carry it beside the list order (next migrations), so a
-- search reads the partner's list in order from the index alone, without visiting each row.
-- (An index cannot include an expression, and a generated column would rewrite the whole table
-- under a lock that stops every read; this fills the column row by row instead.)
alter table accounts add column search_text text;

create function accounts_search_text() returns trigger language plpgsql as $$
begin
    new.search_text := lower(new.first_name || ' ' || new.last_name || ' ' || new.company || ' ' || new.email);
    return new;
end
$$;

create trigger accounts_search_text before insert or update of first_name, last_name, company, email
    on accounts for each row execute function accounts_search_text();

update accounts set search_text = lower(first_name || ' ' || last_name || ' ' || company || ' ' || email);
