-- The first duty of an open matter not done yet, beside its running
-- deadline (a denunciation's acceptance told, Law on Denunciations 2018
-- art. 29(2); its suspension decision sent, art. 34(3)): its last day and
-- its limit's code, derived from the matter's facts like due_on, so that
-- the overdue lists count it. A row only while a duty is owed; part of the
-- matter's attested state (a table added later: absent, it leaves the
-- digests attested before it unchanged).
CREATE TABLE matter_duties (
    matter_id BLOB PRIMARY KEY REFERENCES matters (id),
    due_on TEXT NOT NULL,
    rule TEXT NOT NULL
);
CREATE INDEX matter_duties_due_on ON matter_duties (due_on);
