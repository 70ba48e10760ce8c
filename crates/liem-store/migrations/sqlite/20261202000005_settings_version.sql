-- The version of the calendar and the deadline rules. Every server node
-- holds them in memory and reads only this number per request: any change
-- to the three tables, by Liêm or by hand, moves it (the triggers), so a
-- node never computes a deadline under rules another node has changed.

CREATE TABLE settings_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO settings_version (id, version) VALUES (1, 1);

CREATE TRIGGER calendar_days_inserted AFTER INSERT ON calendar_days
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER calendar_days_updated AFTER UPDATE ON calendar_days
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER calendar_days_deleted AFTER DELETE ON calendar_days
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER rule_units_inserted AFTER INSERT ON rule_units
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER rule_units_updated AFTER UPDATE ON rule_units
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER rule_units_deleted AFTER DELETE ON rule_units
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER rule_versions_inserted AFTER INSERT ON rule_versions
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER rule_versions_updated AFTER UPDATE ON rule_versions
BEGIN UPDATE settings_version SET version = version + 1; END;
CREATE TRIGGER rule_versions_deleted AFTER DELETE ON rule_versions
BEGIN UPDATE settings_version SET version = version + 1; END;
