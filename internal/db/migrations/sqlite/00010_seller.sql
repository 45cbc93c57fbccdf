-- Seller journey (issue 3): listing review status and history, revisions of an
-- active offering's plans, provider settings.
-- +goose Up
-- The current review of each offering: what the last automated checks found and
-- the operator's last decision. One row per offering, kept by the approval workflow.
CREATE TABLE offering_reviews (
  offering_id TEXT PRIMARY KEY REFERENCES offerings(id) ON DELETE CASCADE,
  revision_id TEXT NOT NULL DEFAULT '',
  round INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  checks TEXT NOT NULL DEFAULT '[]',
  decided_by TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  rejection_reason TEXT NOT NULL DEFAULT '',
  reminders INTEGER NOT NULL DEFAULT 0,
  submitted_at DATETIME,
  decided_at DATETIME,
  updated_at DATETIME NOT NULL
);
CREATE INDEX offering_reviews_status ON offering_reviews(status, submitted_at);
-- Every step of every review (submitted, checks_failed, reminder, approved, rejected),
-- kept across resubmissions. dedupe_key makes a retried write one row.
CREATE TABLE offering_review_events (
  id TEXT PRIMARY KEY,
  offering_id TEXT NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,
  revision_id TEXT NOT NULL DEFAULT '',
  round INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  checks TEXT NOT NULL DEFAULT '[]',
  dedupe_key TEXT NOT NULL UNIQUE,
  at DATETIME NOT NULL
);
CREATE INDEX offering_review_events_offering ON offering_review_events(offering_id, at);
-- Pending changes to an active offering's plans and prices, reviewed while the
-- live version keeps selling. plans holds the whole proposed plan set.
CREATE TABLE offering_revisions (
  id TEXT PRIMARY KEY,
  offering_id TEXT NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  plans TEXT NOT NULL DEFAULT '[]',
  rejection_reason TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  applied_at DATETIME
);
-- At most one open revision per offering.
CREATE UNIQUE INDEX offering_revisions_open ON offering_revisions(offering_id) WHERE state IN ('draft', 'pending_review', 'rejected');
CREATE TABLE provider_settings (
  provider_id TEXT PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
  notification_email TEXT NOT NULL DEFAULT '',
  notify_orders BOOLEAN NOT NULL DEFAULT TRUE,
  notify_reviews BOOLEAN NOT NULL DEFAULT TRUE,
  notify_payouts BOOLEAN NOT NULL DEFAULT TRUE,
  updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE provider_settings;
DROP TABLE offering_revisions;
DROP TABLE offering_review_events;
DROP TABLE offering_reviews;
