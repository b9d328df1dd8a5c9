-- LiveKit webhook events already acted on, each until its token expires: a signed
-- event captured before a restart is refused after it too.
CREATE TABLE webhook_events_seen (
    key         TEXT PRIMARY KEY,
    valid_until INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX webhook_events_seen_expiry ON webhook_events_seen (valid_until);
