-- The digests of each letter's sender marks (ID number, telephone, name
-- with address), each an HMAC under a key derived from the instance key:
-- letters from the same sender are found without an identity being read,
-- a sealed one's included, and the table tells nothing to whoever holds
-- the database without the key.
CREATE TABLE letter_senders (
    letter_id BLOB NOT NULL REFERENCES letters (id),
    digest TEXT NOT NULL,
    PRIMARY KEY (letter_id, digest)
);
CREATE INDEX letter_senders_digest ON letter_senders (digest);
