-- +goose Up
-- The notifications outbox: one row per message to a provider (or an
-- organization), written in the same transaction as the event it reports.
-- dedupe_key ("order:<id>", "review:<id>", ...) makes every write idempotent;
-- sent_at is set once a Notifier delivered the row.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  provider_id TEXT,
  organization_id TEXT,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  dedupe_key TEXT NOT NULL UNIQUE,
  created_at DATETIME NOT NULL,
  sent_at DATETIME
);
CREATE INDEX notifications_provider ON notifications(provider_id, id);
CREATE INDEX notifications_unsent ON notifications(sent_at, id);

-- +goose Down
DROP TABLE notifications;
