-- Every running PBX rewrites its row every 30 s (100,000 PBXs: 3,300 updates a second). An
-- update that changes no indexed column and finds room on its page is HOT: PostgreSQL writes the
-- new row version beside the old one and touches no index. `last_heartbeat_at` was indexed for
-- the offline check, so no heartbeat was HOT: each one also inserted into every index of the
-- table (primary key, subscription, token hash) and left dead index entries to vacuum.
-- The offline check runs once a minute and reads every running instance instead: a sequential
-- scan of one narrow table (benches/README.md, "Heartbeats", has its cost at 100,000 rows),
-- traded for thousands of index writes a second. A heartbeat changes no indexed column now;
-- keep it that way (index nothing a heartbeat writes).
drop index pbx_instances_heartbeat_idx;

-- Room on each page for the next versions of its rows, so a HOT update rarely finds its page
-- full; applies to pages written from now on (VACUUM FULL or a dump and restore repacks the rest).
alter table pbx_instances set (fillfactor = 80);
