-- The number of orders per (paid_status, is_delivered), kept exact by
-- triggers in the same transaction as every insert, delete and status change
-- of shop_orders (the SQLite file does the same with row triggers). Here the
-- triggers run once per statement over its transition table, so a
-- multi-row INSERT (seed, import, db copy) updates each count once.
-- The admin order list's "count" and the position of its last pages read
-- these four rows instead of counting the table (bench/scale.sh,
-- docs/performance.md "Cost as the data grows").
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

CREATE FUNCTION counts_shop_orders_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE counts_shop_orders c SET n = c.n - d.k
      FROM (SELECT paid_status, is_delivered, count(*) AS k FROM old_rows GROUP BY 1, 2) d
      WHERE c.paid_status = d.paid_status AND c.is_delivered = d.is_delivered;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE counts_shop_orders c SET n = c.n + d.k
      FROM (SELECT paid_status, is_delivered, count(*) AS k FROM new_rows GROUP BY 1, 2) d
      WHERE c.paid_status = d.paid_status AND c.is_delivered = d.is_delivered;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER counts_shop_orders_insert AFTER INSERT ON shop_orders
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION counts_shop_orders_add();
CREATE TRIGGER counts_shop_orders_delete AFTER DELETE ON shop_orders
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION counts_shop_orders_add();
CREATE TRIGGER counts_shop_orders_update AFTER UPDATE ON shop_orders
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION counts_shop_orders_add();
