-- The time zones of a campaign's open leads, read without scanning the leads: the
-- engine and the Queue pane read them (`queue::zones`) as a skip scan over this index.
CREATE INDEX leads_open_zones ON leads (campaign_id, timezone)
    WHERE state IN ('pending', 'retry_wait') AND timezone IS NOT NULL;
