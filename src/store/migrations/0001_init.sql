-- Version 1: campaigns, leads, attempts and their timeline, the do-not-call list.
-- Times are INTEGER unix milliseconds, UTC.

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    settings      TEXT NOT NULL,             -- CampaignSettings as JSON
    status        TEXT NOT NULL DEFAULT 'draft',
    pause_reason  TEXT,                      -- PauseReason as JSON while paused
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    started_at    INTEGER,
    completed_at  INTEGER
);

CREATE TABLE leads (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    phone            TEXT NOT NULL,          -- E.164
    name             TEXT,
    timezone         TEXT,                   -- IANA zone, given or inferred; NULL = campaign's
    priority         INTEGER NOT NULL DEFAULT 0,
    variables        TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,  -- attempts that count toward max_attempts
    next_attempt_at  INTEGER,                -- when a retry_wait lead is due
    last_outcome     TEXT,
    import_line      INTEGER,                -- line in the CSV it came from
    created_at       INTEGER NOT NULL,
    UNIQUE (campaign_id, phone)
);

-- "Next lead to dial" and "page N of the queue" walk these in order without sorting.
CREATE INDEX leads_pending_order ON leads (campaign_id, priority DESC, id) WHERE state = 'pending';
CREATE INDEX leads_retry_due ON leads (campaign_id, next_attempt_at) WHERE state = 'retry_wait';
CREATE INDEX leads_by_state ON leads (campaign_id, state);
CREATE INDEX leads_by_phone ON leads (phone);

CREATE TABLE attempts (
    id                    INTEGER PRIMARY KEY,
    campaign_id           INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lead_id               INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    number                INTEGER NOT NULL,  -- 1 for the lead's first attempt
    phone                 TEXT NOT NULL,
    state                 TEXT NOT NULL,     -- AttemptState name; an Outcome once ended
    room                  TEXT NOT NULL,
    participant_identity  TEXT,
    participant_sid       TEXT,
    sip_call_id           TEXT,
    dispatch_id           TEXT,
    sip_status_code       INTEGER,
    sip_status            TEXT,
    twirp_code            TEXT,
    disconnect_reason     TEXT,
    error                 TEXT,
    disposition           TEXT,
    counted               INTEGER NOT NULL DEFAULT 1,  -- 0 when no call was placed
    created_at            INTEGER NOT NULL,
    dialed_at             INTEGER,
    ringing_at            INTEGER,
    answered_at           INTEGER,
    ended_at              INTEGER
);

CREATE INDEX attempts_by_lead ON attempts (lead_id, id);
CREATE INDEX attempts_by_campaign ON attempts (campaign_id, id);
CREATE INDEX attempts_by_phone_time ON attempts (phone, dialed_at);
CREATE INDEX attempts_in_flight ON attempts (state)
    WHERE state IN ('queued', 'dialing', 'ringing', 'answered');

CREATE TABLE attempt_events (
    id           INTEGER PRIMARY KEY,
    attempt_id   INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    data         TEXT                        -- JSON, e.g. the SIP status and Twirp code
);

CREATE INDEX attempt_events_by_attempt ON attempt_events (attempt_id, id);
CREATE INDEX attempt_events_by_campaign ON attempt_events (campaign_id, id);

CREATE TABLE dnc (
    id           INTEGER PRIMARY KEY,
    phone        TEXT NOT NULL,
    campaign_id  INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,  -- NULL: every campaign
    reason       TEXT,
    added_at     INTEGER NOT NULL
);

CREATE UNIQUE INDEX dnc_unique ON dnc (phone, ifnull(campaign_id, 0));
