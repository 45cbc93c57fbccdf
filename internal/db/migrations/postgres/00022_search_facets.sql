-- Facet counts and price-band filters read these columns for thousands of rows
-- per search; a covering index lets PostgreSQL count them from the index alone.
-- +goose Up
CREATE INDEX offerings_facets ON offerings(state, visibility, starting_price) INCLUDE (category, rating_avg, featured);
CREATE INDEX offerings_category_facets ON offerings(state, visibility, category, starting_price) INCLUDE (rating_avg);

-- +goose Down
DROP INDEX offerings_category_facets;
DROP INDEX offerings_facets;
