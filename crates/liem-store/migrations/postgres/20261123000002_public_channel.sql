-- The public channel: a report's receipt code (only a slow hash of its
-- secret part is kept) and the conversation between reporter and handler.

CREATE TABLE reports (
    letter_id UUID PRIMARY KEY REFERENCES letters (id),
    locator TEXT NOT NULL UNIQUE,
    code_hash TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE messages (
    id UUID PRIMARY KEY,
    letter_id UUID NOT NULL REFERENCES letters (id),
    from_reporter BOOLEAN NOT NULL,
    author_id UUID REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_letter_id ON messages (letter_id);
CREATE INDEX messages_author_id ON messages (author_id);
