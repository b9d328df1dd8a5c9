-- Version 9: finding a lead among a million (`lead_search.rs`).
--
-- Name and variable values are matched as substrings, which a LIKE scan cannot do at a
-- million leads in a page's time. A trigram full-text index can: any text of three
-- characters or more is looked up by its trigrams and comes back in lead id order, the
-- order pages are keyed on. It is contentless (the text stays in `leads`), so it adds
-- the index alone; the phone goes in too, so a number is found by any run of its digits
-- and by an E.164 prefix (`+` only ever starts a phone, so "+4420" anchors there).
CREATE VIRTUAL TABLE lead_text USING fts5(
    phone, name, vars,
    content = '', contentless_delete = 1,
    tokenize = 'trigram remove_diacritics 1'
);

-- Kept in step by triggers, so every writer (import, API, engine) keeps it right. A
-- state change does not touch it: only these three columns are indexed.
CREATE TRIGGER lead_text_insert AFTER INSERT ON leads BEGIN
    INSERT INTO lead_text (rowid, phone, name, vars) VALUES (new.id, new.phone, new.name,
        (SELECT group_concat(value, ' ') FROM json_each(new.variables)));
END;
CREATE TRIGGER lead_text_delete AFTER DELETE ON leads BEGIN
    DELETE FROM lead_text WHERE rowid = old.id;
END;
CREATE TRIGGER lead_text_update AFTER UPDATE OF phone, name, variables ON leads BEGIN
    DELETE FROM lead_text WHERE rowid = old.id;
    INSERT INTO lead_text (rowid, phone, name, vars) VALUES (new.id, new.phone, new.name,
        (SELECT group_concat(value, ' ') FROM json_each(new.variables)));
END;

INSERT INTO lead_text (rowid, phone, name, vars)
    SELECT id, phone, name, (SELECT group_concat(value, ' ') FROM json_each(variables))
    FROM leads;

-- "Leads whose last call was busy", page by page in id order. Partial: an imported
-- lead has no outcome yet, so importing adds nothing to it.
CREATE INDEX leads_by_outcome ON leads (campaign_id, last_outcome)
    WHERE last_outcome IS NOT NULL;
