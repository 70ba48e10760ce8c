-- API tokens expire; a token made before this has none recorded and
-- counts as expiring 90 days after it was made.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
