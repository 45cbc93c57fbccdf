-- +goose Up
-- One versioned configuration document per agent and kind (persona, branding,
-- knowledge, widget). version is the ETag; sync_* say whether Site-Kit has it.
CREATE TABLE agent_configs (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  version BIGINT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  sync_state TEXT NOT NULL DEFAULT 'pending',
  sync_error TEXT NOT NULL DEFAULT '',
  synced_version BIGINT NOT NULL DEFAULT 0,
  updated_by TEXT NOT NULL DEFAULT '',
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (agent_id, kind)
);
CREATE TABLE training_qa (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  topic TEXT NOT NULL DEFAULT '',
  version BIGINT NOT NULL,
  sync_state TEXT NOT NULL DEFAULT 'pending',
  sync_error TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_qa_agent ON training_qa(agent_id, id);
CREATE TABLE training_documents (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  text TEXT NOT NULL,
  version BIGINT NOT NULL,
  sync_state TEXT NOT NULL DEFAULT 'pending',
  sync_error TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_documents_agent ON training_documents(agent_id, id);
CREATE TABLE training_topics (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  position BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, name)
);
-- Replay protection and cumulative baselines of Site-Kit heartbeats, one row per agent.
CREATE TABLE agent_heartbeats (
  agent_id TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  last_sent_at TIMESTAMPTZ NOT NULL,
  runtime_status TEXT NOT NULL DEFAULT '',
  uptime_seconds BIGINT NOT NULL DEFAULT 0,
  requests_total BIGINT NOT NULL DEFAULT 0,
  usage_totals TEXT NOT NULL DEFAULT '{}',
  p95_latency_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
  key_usage_pulled_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL
);
-- Requests, errors and the worst window p95 per agent and UTC day, for the Overview.
CREATE TABLE agent_metrics_daily (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  requests BIGINT NOT NULL DEFAULT 0,
  errors BIGINT NOT NULL DEFAULT 0,
  p95_latency_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, day)
);
-- Usage deltas per heartbeat and unit (exact period boundaries for billing).
CREATE TABLE agent_usage (
  id BIGSERIAL PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  subscription_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  UNIQUE (agent_id, unit, at)
);
CREATE INDEX agent_usage_subscription ON agent_usage(subscription_id, unit, at);
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  invited_by TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  accepted_at TIMESTAMPTZ,
  accepted_by TEXT NOT NULL DEFAULT '',
  revoked_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitations_org ON invitations(organization_id, created_at);

-- +goose Down
DROP TABLE invitations;
DROP TABLE agent_usage;
DROP TABLE agent_metrics_daily;
DROP TABLE agent_heartbeats;
DROP TABLE training_topics;
DROP TABLE training_documents;
DROP TABLE training_qa;
DROP TABLE agent_configs;
