-- +goose Up
-- The buying funnel's first steps (offering views, checkout starts); paid and
-- activated come from orders and agents. dedupe_key makes a retried checkout count once.
CREATE TABLE funnel_events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  offering_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  dedupe_key TEXT NOT NULL UNIQUE,
  occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX funnel_events_provider ON funnel_events(provider_id, kind, occurred_at);
CREATE INDEX funnel_events_kind ON funnel_events(kind, occurred_at);

-- +goose Down
DROP TABLE funnel_events;
