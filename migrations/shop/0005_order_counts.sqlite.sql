-- The number of orders per (paid_status, is_delivered), kept exact by
-- triggers in the same transaction as every insert, delete and status change
-- of shop_orders (migrations/shop/0005_order_counts.postgres.sql does the same
-- on PostgreSQL). The admin order list's "count" and the position of its last
-- pages read these four rows instead of counting the table: at 1,500,000
-- orders COUNT(*) alone took longer than the whole page at 15,000
-- (bench/scale.sh, docs/performance.md "Cost as the data grows").
-- Derived data: the name does not start with "shop_", so `tierstack db copy`
-- does not copy it (the triggers rebuild it from the orders the copy inserts).
CREATE TABLE counts_shop_orders (
  paid_status INTEGER NOT NULL,
  is_delivered INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (paid_status, is_delivered)
);
INSERT INTO counts_shop_orders (paid_status, is_delivered, n)
  SELECT p.v, d.v, (SELECT count(*) FROM shop_orders o WHERE o.paid_status = p.v AND o.is_delivered = d.v)
  FROM (SELECT 0 AS v UNION ALL SELECT 1) p CROSS JOIN (SELECT 0 AS v UNION ALL SELECT 1) d;
CREATE TRIGGER counts_shop_orders_insert AFTER INSERT ON shop_orders BEGIN
  UPDATE counts_shop_orders SET n = n + 1
    WHERE paid_status = new.paid_status AND is_delivered = new.is_delivered;
END;
CREATE TRIGGER counts_shop_orders_delete AFTER DELETE ON shop_orders BEGIN
  UPDATE counts_shop_orders SET n = n - 1
    WHERE paid_status = old.paid_status AND is_delivered = old.is_delivered;
END;
CREATE TRIGGER counts_shop_orders_update AFTER UPDATE OF paid_status, is_delivered ON shop_orders
  WHEN old.paid_status <> new.paid_status OR old.is_delivered <> new.is_delivered BEGIN
  UPDATE counts_shop_orders SET n = n - 1
    WHERE paid_status = old.paid_status AND is_delivered = old.is_delivered;
  UPDATE counts_shop_orders SET n = n + 1
    WHERE paid_status = new.paid_status AND is_delivered = new.is_delivered;
END;
