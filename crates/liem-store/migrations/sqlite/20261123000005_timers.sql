-- Acknowledgement and feedback timers per unit policy (`vn` or `eu`).

ALTER TABLE units ADD COLUMN feedback_policy TEXT NOT NULL DEFAULT 'vn';
ALTER TABLE letters ADD COLUMN ack_due TEXT;
ALTER TABLE letters ADD COLUMN ack_on TEXT;
ALTER TABLE letters ADD COLUMN feedback_due TEXT;
ALTER TABLE letters ADD COLUMN feedback_on TEXT;
CREATE INDEX letters_ack_due ON letters (ack_due);
CREATE INDEX letters_feedback_due ON letters (feedback_due);
