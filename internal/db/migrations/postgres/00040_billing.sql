-- +goose Up
-- Invoices of subscription billing: one per renewal and per upgrade proration.
-- dedupe_key (renewal-<period>, change-<id>) makes creating one idempotent.
CREATE TABLE invoices (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
  organization_id TEXT NOT NULL,
  provider_id TEXT NOT NULL DEFAULT '',
  offering_id TEXT NOT NULL,
  plan_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  period_start TIMESTAMPTZ NOT NULL,
  period_end TIMESTAMPTZ NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  lines TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  charge_id TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  paid_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (subscription_id, dedupe_key)
);
CREATE INDEX invoices_org ON invoices(organization_id, created_at);
-- Metered usage: one row per subscription, component and billing period. A
-- re-aggregation or re-report overwrites the row (UPSERT), never adds to it.
CREATE TABLE usage_records (
  subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  component TEXT NOT NULL,
  period TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (subscription_id, component, period)
);
-- A downgrade waits for the renewal; canceled_at records when billing ended.
ALTER TABLE subscriptions ADD COLUMN pending_plan_id TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN canceled_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN canceled_at;
ALTER TABLE subscriptions DROP COLUMN pending_plan_id;
DROP TABLE usage_records;
DROP TABLE invoices;
