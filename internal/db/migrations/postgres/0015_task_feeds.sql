-- Calendar feeds of kind 'tasks': the due dates of a person's open tasks
-- (docs/calendar-feeds.md).

ALTER TABLE calendar_feeds DROP CONSTRAINT calendar_feeds_kind_check;
ALTER TABLE calendar_feeds ADD CONSTRAINT calendar_feeds_kind_check CHECK (kind IN ('own', 'team', 'holidays', 'tasks'));
