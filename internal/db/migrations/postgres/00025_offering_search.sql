-- A narrow copy of what a search reads of each offering (state, visibility, the
-- filter, facet and sort columns and the tsvector), kept by a trigger in the
-- writing transaction, so the search never reads the wide offerings rows
-- (descriptions, FAQ, JSON, about 700 bytes, and their dead versions) for the
-- thousands of rows a facet count or a many-match word visits. Its indexes
-- carry every column a search without words reads, so those pages and facet
-- counts are index-only scans.
-- offerings keeps its own search_vector (typo correction reads it) and the
-- result cards' columns (docs/discovery.md, docs/benchmarks.md Search).
-- +goose Up
CREATE TABLE offering_search (
  id TEXT PRIMARY KEY REFERENCES offerings(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  visibility TEXT NOT NULL,
  featured BOOLEAN NOT NULL,
  pricing_fixed BOOLEAN NOT NULL,
  pricing_usage BOOLEAN NOT NULL,
  rating_avg DOUBLE PRECISION NOT NULL,
  rating_count BIGINT NOT NULL,
  active_subscriptions BIGINT NOT NULL,
  starting_price BIGINT NOT NULL,
  category TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  demo_url TEXT NOT NULL,
  search_vector tsvector
);

-- +goose StatementBegin
CREATE FUNCTION offering_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO offering_search (id, state, visibility, featured, pricing_fixed, pricing_usage, rating_avg, rating_count,
      active_subscriptions, starting_price, category, provider_id, demo_url, search_vector)
    VALUES (NEW.id, NEW.state, NEW.visibility, NEW.featured, NEW.pricing_fixed, NEW.pricing_usage, NEW.rating_avg, NEW.rating_count,
      NEW.active_subscriptions, NEW.starting_price, NEW.category, NEW.provider_id, NEW.demo_url, NEW.search_vector)
  ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, visibility = EXCLUDED.visibility, featured = EXCLUDED.featured,
    pricing_fixed = EXCLUDED.pricing_fixed, pricing_usage = EXCLUDED.pricing_usage, rating_avg = EXCLUDED.rating_avg,
    rating_count = EXCLUDED.rating_count, active_subscriptions = EXCLUDED.active_subscriptions,
    starting_price = EXCLUDED.starting_price, category = EXCLUDED.category, provider_id = EXCLUDED.provider_id,
    demo_url = EXCLUDED.demo_url, search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- AFTER: the BEFORE trigger offerings_search_vector has set NEW.search_vector.
CREATE TRIGGER offering_search_sync AFTER INSERT OR UPDATE ON offerings
  FOR EACH ROW EXECUTE FUNCTION offering_search_sync();

INSERT INTO offering_search (id, state, visibility, featured, pricing_fixed, pricing_usage, rating_avg, rating_count,
    active_subscriptions, starting_price, category, provider_id, demo_url, search_vector)
  SELECT id, state, visibility, featured, pricing_fixed, pricing_usage, rating_avg, rating_count,
    active_subscriptions, starting_price, category, provider_id, demo_url, search_vector FROM offerings;

CREATE INDEX offering_search_words ON offering_search USING GIN (search_vector);
CREATE INDEX offering_search_facets ON offering_search(state, visibility, starting_price)
  INCLUDE (category, rating_avg, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offering_search_price ON offering_search(state, visibility, starting_price, id)
  INCLUDE (category, featured, rating_avg, rating_count, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offering_search_rating ON offering_search(state, visibility, rating_avg, rating_count, id)
  INCLUDE (category, featured, starting_price, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offering_search_popularity ON offering_search(state, visibility, active_subscriptions, id)
  INCLUDE (category, featured, rating_avg, rating_count, starting_price, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offering_search_featured ON offering_search(state, visibility, featured, id)
  INCLUDE (category, rating_avg, rating_count, starting_price, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offering_search_newest ON offering_search(state, visibility, id)
  INCLUDE (category, featured, rating_avg, rating_count, starting_price, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);

-- +goose Down
DROP TRIGGER offering_search_sync ON offerings;
DROP FUNCTION offering_search_sync();
DROP TABLE offering_search;
