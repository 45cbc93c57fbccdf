-- +goose Up
-- Where a provider's payouts go: a Stripe Connect account (or a sandbox one).
ALTER TABLE providers ADD COLUMN payout_account_id TEXT NOT NULL DEFAULT '';
-- One payout per provider, period and currency: re-running a period can never pay twice.
-- A payout covers every unpaid earning of the provider from the end of its last paid
-- payout (covered_from) up to covered_to (the period end, or the run time for a month
-- to date), so held and failed amounts are carried into the next payout by construction.
CREATE TABLE payouts (
  id TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL REFERENCES providers(id),
  period TEXT NOT NULL,
  currency TEXT NOT NULL,
  state TEXT NOT NULL,
  gross INTEGER NOT NULL DEFAULT 0,
  refunds INTEGER NOT NULL DEFAULT 0,
  fee INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0,
  commission_bps INTEGER NOT NULL DEFAULT 0,
  entry_count INTEGER NOT NULL DEFAULT 0,
  covered_from DATETIME,
  covered_to DATETIME NOT NULL,
  destination TEXT NOT NULL DEFAULT '',
  transfer_id TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  carried_into TEXT NOT NULL DEFAULT '',
  run_id TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  paid_at DATETIME,
  UNIQUE (provider_id, period, currency)
);
CREATE INDEX payouts_period ON payouts(period, state);
CREATE INDEX payouts_provider ON payouts(provider_id, state, covered_to);

-- +goose Down
DROP TABLE payouts;
ALTER TABLE providers DROP COLUMN payout_account_id;
