-- Outbox partitions are per app: (app_id, part) is the unit of delivery
-- order, so a failing entry of one app (a dead webhook receiver) never holds
-- another app's entries that hashed to the same partition number. Claims and
-- the ready-partition scan read by (app_id, part) in id order.
DROP INDEX outbox_by_part;
CREATE INDEX outbox_by_app_part ON outbox (app_id, part, id);
