-- +goose Up
-- Every verified Stripe event, once: the primary key de-duplicates Stripe's retries.
-- state: processed | unmatched (no known workflow or order; reported to operators) |
-- ignored (a type CMP does not act on) | failed (answered non-2xx so Stripe retries).
CREATE TABLE webhook_events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  object_id TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  received_at DATETIME NOT NULL,
  processed_at DATETIME
);
CREATE INDEX webhook_events_state ON webhook_events(state, received_at);

-- +goose Down
DROP TABLE webhook_events;
