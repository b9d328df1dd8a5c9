-- The A/B variant each attempt was called with (NULL: the campaign had none), and how
-- long after the answer the agent joined the room (NULL: not answered, or never joined).
ALTER TABLE attempts ADD COLUMN variant TEXT;
ALTER TABLE attempts ADD COLUMN agent_join_ms INTEGER;

CREATE INDEX attempts_by_variant ON attempts (campaign_id, variant) WHERE variant IS NOT NULL;

-- A recording of the call (campaigns with `record`): LiveKit's egress id, where the
-- file goes, or why the egress could not start (the call goes on regardless).
ALTER TABLE attempts ADD COLUMN egress_id TEXT;
ALTER TABLE attempts ADD COLUMN recording TEXT;
ALTER TABLE attempts ADD COLUMN recording_error TEXT;
