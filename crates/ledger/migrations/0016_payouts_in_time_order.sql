-- Whether payout ids follow creation time (each payout created at or after the one before it),
-- which they do unless the computer's clock went back between two payouts. While they do, the
-- list reads its pages, date ranges and searches in id order (the search index hands its rowids
-- in that order); a book whose clock once went back is still listed correctly, by creation
-- time, on the slower path. The flag is set once and never cleared: a later payout cannot put
-- the earlier ones back in order.
INSERT INTO settings (key, value)
SELECT 'payouts_out_of_time_order', '1'
 WHERE EXISTS (SELECT 1
                 FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM payouts)
                WHERE back);

CREATE TRIGGER payouts_out_of_time_order
AFTER INSERT ON payouts
WHEN NEW.created_at < (SELECT max(created_at) FROM payouts)
BEGIN
    INSERT OR IGNORE INTO settings (key, value) VALUES ('payouts_out_of_time_order', '1');
END;
