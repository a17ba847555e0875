-- Covering indexes for the business reports (src/shop/storage/reports.cpp),
-- the same on SQLite and PostgreSQL. Measured with bench/reports.sh at
-- 150,000 orders: without them SQLite reads the whole table (about 65 MB)
-- for every report and the states, products and revenue reports took
-- 300-500 ms; with them each one reads only its index.
CREATE INDEX shop_orders_report_state ON shop_orders (shipping_state, paid_status, total_price_cents);
CREATE INDEX shop_orders_report_product ON shop_orders (product_id, ordered_item, paid_status, total_price_cents);
CREATE INDEX shop_orders_report_month ON shop_orders (substr(COALESCE(paid_at, created_at), 1, 7), paid_status, total_price_cents);
