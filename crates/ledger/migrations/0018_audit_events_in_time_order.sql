-- Whether audit events are numbered in time order (each at or after the one before it), as
-- they are unless the computer's clock went back between two changes. While they are, the
-- audit log turns a date range into a range of sequence numbers found by bisection, instead of
-- reading every event newer than the range. The flag is set once and never cleared.
INSERT INTO settings (key, value)
SELECT 'audit_events_out_of_time_order', '1'
 WHERE EXISTS (SELECT 1
                 FROM (SELECT at < lag(at) OVER (ORDER BY seq) AS back FROM audit_events)
                WHERE back);

CREATE TRIGGER audit_events_out_of_time_order
AFTER INSERT ON audit_events
WHEN NEW.at < (SELECT at FROM audit_events WHERE seq = NEW.seq - 1)
BEGIN
    INSERT OR IGNORE INTO settings (key, value) VALUES ('audit_events_out_of_time_order', '1');
END;
