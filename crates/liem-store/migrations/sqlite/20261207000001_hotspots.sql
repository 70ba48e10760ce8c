-- Hot spots: each scan of the map (nightly, or asked for), and the alerts
-- it raised. An alert is one episode of a cell (a unit and a field): while
-- consecutive scans find the cell raised it stays the same alert, its
-- figures those of the latest scan; the first scan that does not find it
-- ends it. `field_code` is '' for reception delegations that raised no
-- letter (no field). Figures are stored in thousandths (expected, score)
-- and millionths (p-value) so that they read back the same on both
-- databases.

CREATE TABLE hotspot_runs (
    id BLOB PRIMARY KEY,
    as_of TEXT NOT NULL,
    nightly BOOLEAN NOT NULL,
    weeks INTEGER NOT NULL,
    max_window INTEGER NOT NULL,
    replicas INTEGER NOT NULL,
    cells INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    alerts INTEGER NOT NULL,
    millis INTEGER NOT NULL,
    requested_by BLOB REFERENCES users (id),
    finished_at TEXT NOT NULL
);
CREATE UNIQUE INDEX hotspot_runs_nightly ON hotspot_runs (as_of) WHERE nightly;
CREATE INDEX hotspot_runs_requested_by ON hotspot_runs (requested_by);

CREATE TABLE hotspot_alerts (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    field_code TEXT NOT NULL,
    first_run_id BLOB NOT NULL REFERENCES hotspot_runs (id),
    last_run_id BLOB NOT NULL REFERENCES hotspot_runs (id),
    opened_on TEXT NOT NULL,
    ended_on TEXT,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    observed INTEGER NOT NULL,
    letters INTEGER NOT NULL,
    collective INTEGER NOT NULL,
    delegations INTEGER NOT NULL,
    expected_milli INTEGER NOT NULL,
    llr_milli INTEGER NOT NULL,
    p_micro INTEGER NOT NULL,
    acknowledged_by BLOB REFERENCES users (id),
    acknowledged_at TEXT,
    note TEXT
);
CREATE UNIQUE INDEX hotspot_alerts_open ON hotspot_alerts (unit_id, field_code) WHERE ended_on IS NULL;
CREATE INDEX hotspot_alerts_unit_id ON hotspot_alerts (unit_id);
CREATE INDEX hotspot_alerts_first_run_id ON hotspot_alerts (first_run_id);
CREATE INDEX hotspot_alerts_last_run_id ON hotspot_alerts (last_run_id);
CREATE INDEX hotspot_alerts_acknowledged_by ON hotspot_alerts (acknowledged_by);
CREATE INDEX hotspot_alerts_opened_on ON hotspot_alerts (opened_on);
