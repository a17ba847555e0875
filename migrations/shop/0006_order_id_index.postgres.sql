-- Nothing on PostgreSQL: the primary key's index already holds the ids alone
-- in order, and the admin list's page seek (storage/orders.cpp) reads it
-- index-only. The SQLite file adds the narrow index SQLite needs.
SELECT 1;
