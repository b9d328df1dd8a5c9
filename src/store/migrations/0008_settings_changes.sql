-- Every edit of a campaign's settings, setting by setting, with who made it: a running
-- campaign's pace, size, hours and numbers change under the operator's hands, and its
-- results are read against them.
CREATE TABLE settings_changes (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    changed_by  TEXT NOT NULL,
    setting     TEXT NOT NULL,
    label       TEXT NOT NULL,
    old_value   TEXT NOT NULL,
    new_value   TEXT NOT NULL
);

CREATE INDEX settings_changes_by_campaign ON settings_changes (campaign_id, id);
