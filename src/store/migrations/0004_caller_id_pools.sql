-- Version 4: caller-ID pools and leads with several numbers.
-- A campaign's pool lives in its settings JSON (`caller_ids`; the old single
-- `caller_id` reads as a pool of one), so only the calls and the leads change here.

-- The caller id each call presented (NULL: the trunk's own number). `phone` already
-- holds the number it dialled, which is now one of the lead's numbers.
ALTER TABLE attempts ADD COLUMN caller_id TEXT;
-- A number's calls today (its daily cap, across campaigns) and its last 50 (its answer
-- rate) are read by caller id and time.
CREATE INDEX attempts_by_caller_id ON attempts (caller_id, dialed_at) WHERE caller_id IS NOT NULL;

-- A lead's other numbers, after its primary `leads.phone` (position 0). Which one a
-- call dials, and each number's outcomes, follow from the lead's attempts; only the
-- numbers themselves are stored. Leads with one number have no rows here.
CREATE TABLE lead_phones (
    lead_id   INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 1),
    phone     TEXT NOT NULL,             -- E.164
    source    TEXT NOT NULL DEFAULT '',  -- the CSV column it came from
    PRIMARY KEY (lead_id, position),
    UNIQUE (lead_id, phone)
) WITHOUT ROWID;

-- Resting a caller id for the rest of a day, with the reason shown on the timeline.
-- Its answer rate is judged again only on calls made after `until`.
CREATE TABLE caller_id_rests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    caller_id    TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    until        INTEGER NOT NULL,
    reason       TEXT NOT NULL
);
CREATE INDEX caller_id_rests_by_number ON caller_id_rests (caller_id, until);
