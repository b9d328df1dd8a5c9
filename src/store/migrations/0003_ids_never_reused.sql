-- Version 3: ids are never reused. A campaign's or an attempt's id names things outside
-- the database (LiveKit rooms, exports, a CRM's records, API URLs), so a deleted row's id
-- must not come back for a new one: with plain INTEGER PRIMARY KEY SQLite hands out
-- max(id) + 1 again after the newest rows are deleted. AUTOINCREMENT cannot be added in
-- place, so each table is rebuilt with the same columns, copied, and its indexes made
-- again. `migrate` turns foreign keys off around this (the rebuild drops tables that
-- others reference) and checks them before it commits.

CREATE TABLE campaigns_v3 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    settings      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'draft',
    pause_reason  TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    started_at    INTEGER,
    completed_at  INTEGER
);
INSERT INTO campaigns_v3 SELECT id, name, settings, status, pause_reason, created_at,
    updated_at, started_at, completed_at FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_v3 RENAME TO campaigns;

CREATE TABLE leads_v3 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    phone            TEXT NOT NULL,
    name             TEXT,
    timezone         TEXT,
    priority         INTEGER NOT NULL DEFAULT 0,
    variables        TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_outcome     TEXT,
    import_line      INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (campaign_id, phone)
);
INSERT INTO leads_v3 SELECT id, campaign_id, phone, name, timezone, priority, variables,
    state, attempts, next_attempt_at, last_outcome, import_line, created_at FROM leads;
DROP TABLE leads;
ALTER TABLE leads_v3 RENAME TO leads;
CREATE INDEX leads_pending_order ON leads (campaign_id, priority DESC, id) WHERE state = 'pending';
CREATE INDEX leads_retry_due ON leads (campaign_id, next_attempt_at) WHERE state = 'retry_wait';
CREATE INDEX leads_by_state ON leads (campaign_id, state);

CREATE TABLE attempts_v3 (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id           INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lead_id               INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    number                INTEGER NOT NULL,
    phone                 TEXT NOT NULL,
    state                 TEXT NOT NULL,
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
    counted               INTEGER NOT NULL DEFAULT 1,
    created_at            INTEGER NOT NULL,
    dialed_at             INTEGER,
    ringing_at            INTEGER,
    answered_at           INTEGER,
    ended_at              INTEGER
);
INSERT INTO attempts_v3 SELECT id, campaign_id, lead_id, number, phone, state, room,
    participant_identity, participant_sid, sip_call_id, dispatch_id, sip_status_code,
    sip_status, twirp_code, disconnect_reason, error, disposition, counted, created_at,
    dialed_at, ringing_at, answered_at, ended_at FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_v3 RENAME TO attempts;
CREATE INDEX attempts_by_lead ON attempts (lead_id, id);
CREATE INDEX attempts_by_campaign ON attempts (campaign_id, id);
CREATE INDEX attempts_by_phone_time ON attempts (phone, dialed_at);
CREATE INDEX attempts_in_flight ON attempts (state)
    WHERE state IN ('queued', 'dialing', 'ringing', 'answered');
-- Every room name ever used, so a reused one is refused by the database itself.
CREATE UNIQUE INDEX attempts_by_room ON attempts (room) WHERE room <> '';

CREATE TABLE attempt_events_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id   INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    data         TEXT
);
INSERT INTO attempt_events_v3 SELECT id, attempt_id, campaign_id, at, kind, detail, data
    FROM attempt_events;
DROP TABLE attempt_events;
ALTER TABLE attempt_events_v3 RENAME TO attempt_events;
CREATE INDEX attempt_events_by_attempt ON attempt_events (attempt_id, id);
CREATE INDEX attempt_events_by_campaign ON attempt_events (campaign_id, id);

-- One row the engine rewrites to learn whether the database takes writes again after
-- failing (locked, disk full): a write that changes no page would succeed on a full disk.
CREATE TABLE store_probe (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  INTEGER NOT NULL
);
