-- The version of the calendar and the deadline rules. Every server node
-- holds them in memory and reads only this number per request: any change
-- to the three tables, by Liêm or by hand, moves it (the triggers), so a
-- node never computes a deadline under rules another node has changed.

CREATE TABLE settings_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO settings_version (id, version) VALUES (1, 1);

CREATE FUNCTION settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings_version SET version = version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER calendar_days_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON calendar_days FOR EACH STATEMENT EXECUTE FUNCTION settings_changed();
CREATE TRIGGER rule_units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON rule_units FOR EACH STATEMENT EXECUTE FUNCTION settings_changed();
CREATE TRIGGER rule_versions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON rule_versions FOR EACH STATEMENT EXECUTE FUNCTION settings_changed();
