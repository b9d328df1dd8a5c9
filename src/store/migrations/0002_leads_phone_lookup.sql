-- Version 2: drop `leads_by_phone`. Every lookup of a lead by number also knows the
-- campaign (or walks the few campaigns), so the UNIQUE (campaign_id, phone) index
-- answers it; the extra index cost a third of a million-row import's CPU.

DROP INDEX IF EXISTS leads_by_phone;
