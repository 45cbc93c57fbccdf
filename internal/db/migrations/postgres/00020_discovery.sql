-- Discovery (issue 4): full-text search index, verified reviews, sort indexes.
--
-- offerings.search_vector is a weighted tsvector kept by a trigger, so that no
-- write path (checkout, the seller's approval workflow, seeds, operators' SQL)
-- can forget to index: an offering is searchable the moment its row commits.
-- Weights: A name, B summary and tags, C features, D description and the
-- provider's name (copied in by the trigger, re-copied when a provider is renamed).
-- +goose Up
ALTER TABLE offerings ADD COLUMN search_vector tsvector;

-- +goose StatementBegin
CREATE FUNCTION offerings_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('simple', coalesce(NEW.name, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(NEW.summary, '') || ' ' || coalesce(NEW.tags, '')), 'B') ||
    setweight(to_tsvector('simple', coalesce(NEW.features, '')), 'C') ||
    setweight(to_tsvector('simple', coalesce(NEW.description, '') || ' ' ||
      coalesce((SELECT name FROM providers WHERE id = NEW.provider_id), '')), 'D');
  RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER offerings_search_vector BEFORE INSERT OR UPDATE OF name, summary, tags, features, description, provider_id, search_vector
  ON offerings FOR EACH ROW EXECUTE FUNCTION offerings_search_vector();

-- +goose StatementBegin
CREATE FUNCTION providers_search_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Touching search_vector fires offerings_search_vector, which re-reads the name.
  UPDATE offerings SET search_vector = NULL WHERE provider_id = NEW.id;
  RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER providers_search_rename AFTER UPDATE OF name ON providers
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION providers_search_rename();

-- Index the offerings that exist before this migration.
UPDATE offerings SET search_vector = NULL;
CREATE INDEX offerings_search ON offerings USING GIN (search_vector);

-- Keyset pagination walks these for each sort.
CREATE INDEX offerings_sort_price ON offerings(state, visibility, starting_price, id);
CREATE INDEX offerings_sort_rating ON offerings(state, visibility, rating_avg, rating_count, id);
CREATE INDEX offerings_sort_popularity ON offerings(state, visibility, active_subscriptions, id);
CREATE INDEX offerings_sort_featured ON offerings(state, visibility, featured, id);

-- One review per organization per offering; verified purchase is checked by the API
-- against subscriptions. Hidden reviews stay for audit but leave the aggregates.
CREATE TABLE reviews (
  id TEXT PRIMARY KEY,
  offering_id TEXT NOT NULL REFERENCES offerings(id) ON DELETE CASCADE,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id),
  rating BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  reply_body TEXT NOT NULL DEFAULT '',
  reply_user_id TEXT NOT NULL DEFAULT '',
  replied_at TIMESTAMPTZ,
  hidden BOOLEAN NOT NULL DEFAULT FALSE,
  hidden_reason TEXT NOT NULL DEFAULT '',
  hidden_by TEXT NOT NULL DEFAULT '',
  hidden_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (offering_id, organization_id)
);
CREATE INDEX reviews_listing ON reviews(offering_id, hidden, id);

-- +goose Down
DROP TABLE reviews;
DROP INDEX offerings_sort_featured;
DROP INDEX offerings_sort_popularity;
DROP INDEX offerings_sort_rating;
DROP INDEX offerings_sort_price;
DROP INDEX offerings_search;
DROP TRIGGER providers_search_rename ON providers;
DROP FUNCTION providers_search_rename();
DROP TRIGGER offerings_search_vector ON offerings;
DROP FUNCTION offerings_search_vector();
ALTER TABLE offerings DROP COLUMN search_vector;
