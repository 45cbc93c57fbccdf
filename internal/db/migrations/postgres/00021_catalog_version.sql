-- A catalog version that every write to what anonymous catalog pages show bumps,
-- so the API can cache those pages and compute their ETags without re-running
-- searches. A sequence, not a counter row: nextval never blocks, so busy writers
-- (checkout, reviews, approvals) do not queue behind one row lock or deadlock on
-- it. nextval is not transactional, so a reader may see the new number a moment
-- before the write commits; pages built while any transaction was in progress
-- therefore expire after 1 s (models.Store.CatalogVersion, api/cache.go).
-- Statement-level triggers: a bulk load bumps it once.
-- +goose Up
CREATE SEQUENCE catalog_version_seq;
-- Mark the start value as used, so the very first write moves last_value (1 → 2).
SELECT setval('catalog_version_seq', 1, true);

-- +goose StatementBegin
CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('catalog_version_seq');
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER offerings_catalog_version AFTER INSERT OR UPDATE OR DELETE ON offerings FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER plans_catalog_version AFTER INSERT OR UPDATE OR DELETE ON plans FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER providers_catalog_version AFTER INSERT OR UPDATE OR DELETE ON providers FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER reviews_catalog_version AFTER INSERT OR UPDATE OR DELETE ON reviews FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER offering_shares_catalog_version AFTER INSERT OR UPDATE OR DELETE ON offering_shares FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();

-- +goose Down
DROP TRIGGER offerings_catalog_version ON offerings;
DROP TRIGGER plans_catalog_version ON plans;
DROP TRIGGER providers_catalog_version ON providers;
DROP TRIGGER reviews_catalog_version ON reviews;
DROP TRIGGER offering_shares_catalog_version ON offering_shares;
DROP FUNCTION bump_catalog_version();
DROP SEQUENCE catalog_version_seq;
