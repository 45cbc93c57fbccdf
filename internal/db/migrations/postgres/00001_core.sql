-- +goose Up
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  is_operator BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  owner_user_id TEXT NOT NULL REFERENCES users(id),
  personal BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMPTZ NOT NULL
);
-- One auto-created ("{Name}'s Organization") per user: concurrent checkouts converge on it.
CREATE UNIQUE INDEX organizations_personal ON organizations(owner_user_id) WHERE personal;
CREATE TABLE memberships (
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  UNIQUE (organization_id, name)
);
CREATE TABLE providers (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL UNIQUE REFERENCES organizations(id),
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  website TEXT NOT NULL DEFAULT '',
  support_email TEXT NOT NULL DEFAULT '',
  rating_avg DOUBLE PRECISION NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE offerings (
  id TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL REFERENCES providers(id),
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  features TEXT NOT NULL DEFAULT '[]',
  tags TEXT NOT NULL DEFAULT '[]',
  faq TEXT NOT NULL DEFAULT '[]',
  documentation_url TEXT NOT NULL DEFAULT '',
  demo_url TEXT NOT NULL DEFAULT '',
  terms_of_service TEXT NOT NULL DEFAULT '',
  privacy_policy_url TEXT NOT NULL DEFAULT '',
  logo_url TEXT NOT NULL DEFAULT '',
  screenshots TEXT NOT NULL DEFAULT '[]',
  package_ref TEXT NOT NULL DEFAULT '',
  visibility TEXT NOT NULL DEFAULT 'public',
  state TEXT NOT NULL DEFAULT 'draft',
  featured BOOLEAN NOT NULL DEFAULT FALSE,
  rating_avg DOUBLE PRECISION NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  active_subscriptions BIGINT NOT NULL DEFAULT 0,
  starting_price BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL DEFAULT 'usd',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  published_at TIMESTAMPTZ
);
CREATE INDEX offerings_listing ON offerings(state, visibility, category);
CREATE INDEX offerings_provider ON offerings(provider_id);
-- Private offerings are visible and purchasable only by the organizations listed here.
CREATE TABLE offering_shares (
  offering_id TEXT NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  PRIMARY KEY (offering_id, organization_id)
);
CREATE TABLE plans (
  id TEXT PRIMARY KEY,
  offering_id TEXT NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  price_monthly BIGINT NOT NULL,
  price_annual BIGINT NOT NULL,
  currency TEXT NOT NULL DEFAULT 'usd',
  components TEXT NOT NULL DEFAULT '[]',
  features TEXT NOT NULL DEFAULT '[]',
  limits TEXT NOT NULL DEFAULT '{}',
  position BIGINT NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (offering_id, name)
);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users(id),
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  project_id TEXT NOT NULL REFERENCES projects(id),
  offering_id TEXT NOT NULL REFERENCES offerings(id),
  plan_id TEXT NOT NULL REFERENCES plans(id),
  billing_cycle TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  state TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  charge_id TEXT NOT NULL DEFAULT '',
  refund_id TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_org ON orders(organization_id, created_at);
CREATE TABLE order_steps (
  id BIGSERIAL PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  at TIMESTAMPTZ NOT NULL,
  UNIQUE (order_id, name, state)
);
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  project_id TEXT NOT NULL REFERENCES projects(id),
  offering_id TEXT NOT NULL REFERENCES offerings(id),
  plan_id TEXT NOT NULL REFERENCES plans(id),
  order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
  billing_cycle TEXT NOT NULL,
  state TEXT NOT NULL,
  price BIGINT NOT NULL,
  currency TEXT NOT NULL,
  payment_method TEXT NOT NULL DEFAULT '',
  current_period_start TIMESTAMPTZ,
  current_period_end TIMESTAMPTZ,
  cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscriptions_org ON subscriptions(organization_id);
CREATE INDEX subscriptions_offering ON subscriptions(offering_id, state);
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  project_id TEXT NOT NULL REFERENCES projects(id),
  subscription_id TEXT NOT NULL UNIQUE REFERENCES subscriptions(id),
  offering_id TEXT NOT NULL REFERENCES offerings(id),
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  status_reason TEXT NOT NULL DEFAULT '',
  mcp_url TEXT NOT NULL DEFAULT '',
  heartbeat_secret TEXT NOT NULL,
  last_heartbeat_at TIMESTAMPTZ,
  running_since TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX agents_org ON agents(organization_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '["mcp"]',
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  expires_at TIMESTAMPTZ,
  last_used_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ,
  created_by TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_agent ON api_keys(agent_id);
CREATE TABLE ledger_entries (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  organization_id TEXT NOT NULL DEFAULT '',
  provider_id TEXT NOT NULL DEFAULT '',
  offering_id TEXT NOT NULL DEFAULT '',
  plan_id TEXT NOT NULL DEFAULT '',
  order_id TEXT NOT NULL DEFAULT '',
  subscription_id TEXT NOT NULL DEFAULT '',
  invoice_id TEXT NOT NULL DEFAULT '',
  payout_id TEXT NOT NULL DEFAULT '',
  external_ref TEXT NOT NULL DEFAULT '',
  -- Idempotency of bookkeeping: the same movement recorded twice is one row.
  dedupe_key TEXT NOT NULL UNIQUE,
  occurred_at TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_provider_time ON ledger_entries(provider_id, occurred_at);
CREATE INDEX ledger_order ON ledger_entries(order_id);

-- +goose Down
DROP TABLE ledger_entries;
DROP TABLE api_keys;
DROP TABLE agents;
DROP TABLE subscriptions;
DROP TABLE order_steps;
DROP TABLE orders;
DROP TABLE plans;
DROP TABLE offering_shares;
DROP TABLE offerings;
DROP TABLE providers;
DROP TABLE projects;
DROP TABLE memberships;
DROP TABLE organizations;
DROP TABLE sessions;
DROP TABLE users;
