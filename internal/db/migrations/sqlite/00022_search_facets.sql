-- Facet counts and price-band filters read these columns for many rows per
-- search; covering indexes let SQLite count them from the index alone.
-- +goose Up
CREATE INDEX offerings_facets ON offerings(state, visibility, starting_price, category, rating_avg, featured);
CREATE INDEX offerings_category_facets ON offerings(state, visibility, category, starting_price, rating_avg);

-- +goose Down
DROP INDEX offerings_category_facets;
DROP INDEX offerings_facets;
