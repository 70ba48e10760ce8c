-- The documents of a committee's meeting: content-addressed and encrypted
-- on disk like every attachment; a secret one is opened only by the
-- committee's own leaders, each opening audited.
CREATE TABLE committee_meeting_documents (
    id BLOB PRIMARY KEY,
    meeting_id BLOB NOT NULL REFERENCES committee_meetings (id),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    secret BOOLEAN NOT NULL,
    created_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX committee_meeting_documents_meeting_id ON committee_meeting_documents (meeting_id);
CREATE INDEX committee_meeting_documents_created_by ON committee_meeting_documents (created_by);
