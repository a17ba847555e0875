-- The admin order list's pages seek to their first row by counting index
-- entries (storage/orders.cpp, list_orders): SQLite skips rows of a rowid
-- table by walking the table itself, every column of every order on the way
-- (a middle page of 150,000 orders: 30-45 ms), while this index holds the id
-- alone and is walked in about a millisecond. PostgreSQL needs nothing: its
-- primary key index is the same list and is read index-only.
CREATE INDEX shop_orders_id ON shop_orders (id);
