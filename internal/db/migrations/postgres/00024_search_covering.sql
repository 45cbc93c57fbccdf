-- Searches without words are answered from indexes alone: each sort's index
-- carries every column the filters, facet counts and keyset read, so the page
-- (LIMIT on the index order) and the facet count are index-only scans instead
-- of heap visits for thousands of rows (docs/benchmarks.md, Search).
-- +goose Up
DROP INDEX offerings_facets;
DROP INDEX offerings_category_facets;
DROP INDEX offerings_sort_price;
DROP INDEX offerings_sort_rating;
DROP INDEX offerings_sort_popularity;
DROP INDEX offerings_sort_featured;
CREATE INDEX offerings_facets ON offerings(state, visibility, starting_price)
  INCLUDE (category, rating_avg, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offerings_sort_price ON offerings(state, visibility, starting_price, id)
  INCLUDE (category, featured, rating_avg, rating_count, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offerings_sort_rating ON offerings(state, visibility, rating_avg, rating_count, id)
  INCLUDE (category, featured, starting_price, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offerings_sort_popularity ON offerings(state, visibility, active_subscriptions, id)
  INCLUDE (category, featured, rating_avg, rating_count, starting_price, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offerings_sort_featured ON offerings(state, visibility, featured, id)
  INCLUDE (category, rating_avg, rating_count, starting_price, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);
CREATE INDEX offerings_sort_newest ON offerings(state, visibility, id)
  INCLUDE (category, featured, rating_avg, rating_count, starting_price, active_subscriptions, pricing_fixed, pricing_usage, demo_url, provider_id);

-- +goose Down
DROP INDEX offerings_sort_newest;
DROP INDEX offerings_sort_featured;
DROP INDEX offerings_sort_popularity;
DROP INDEX offerings_sort_rating;
DROP INDEX offerings_sort_price;
DROP INDEX offerings_facets;
CREATE INDEX offerings_sort_price ON offerings(state, visibility, starting_price, id);
CREATE INDEX offerings_sort_rating ON offerings(state, visibility, rating_avg, rating_count, id);
CREATE INDEX offerings_sort_popularity ON offerings(state, visibility, active_subscriptions, id);
CREATE INDEX offerings_sort_featured ON offerings(state, visibility, featured, id);
CREATE INDEX offerings_facets ON offerings(state, visibility, starting_price) INCLUDE (category, rating_avg, featured);
CREATE INDEX offerings_category_facets ON offerings(state, visibility, category, starting_price) INCLUDE (rating_avg);
