-- The admin order list filtered by one status (?paid=… or ?delivered=…)
-- pages in id order. shop_orders_status (paid_status, is_delivered, id)
-- serves both filters together, but for one of them its ids come from two
-- ranges (one per value of the other column), so a page sorted every matching
-- entry first: its cost grew with the orders (SQLite: 1-2 ms at 15,000 orders,
-- 8 ms at 70,000, on every page 1). With these the page walks one range in
-- id order and stops after its rows, on both engines.
CREATE INDEX shop_orders_paid ON shop_orders (paid_status, id);
CREATE INDEX shop_orders_delivered ON shop_orders (is_delivered, id);
