-- The PostgreSQL migration of this number widens the sort indexes into covering
-- ones for index-only search pages. SQLite reads the narrow sort indexes of
-- 00020 and the facet indexes of 00022 well at its catalog sizes, and it has no
-- INCLUDE columns, so nothing changes here; the file keeps the numbers aligned.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
