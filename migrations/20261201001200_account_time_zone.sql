-- The IANA time zone a person sees times in (e.g. 'Europe/Berlin'). Null until they choose
-- one or their browser reports one at their first sign-in; until then pages use the main zone
-- of the account's country, else UTC. Times stay stored in UTC; this only changes how they
-- are shown. The name is checked against the tz database by the application, which bundles
-- that database, so no check constraint here.
alter table accounts add column time_zone text;
