-- A catalog version that every write to what anonymous catalog pages show bumps,
-- so the API can cache those pages and compute their ETags without re-running
-- searches, yet never serve a page older than the last committed write.
-- SQLite serialises writers, so a counter row is exact: the new number becomes
-- visible with the write itself. (No statement triggers: one per table and operation.)
-- +goose Up
CREATE TABLE catalog_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);

-- +goose StatementBegin
CREATE TRIGGER offerings_catalog_version_insert AFTER INSERT ON offerings BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offerings_catalog_version_update AFTER UPDATE ON offerings BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offerings_catalog_version_delete AFTER DELETE ON offerings BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER plans_catalog_version_insert AFTER INSERT ON plans BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER plans_catalog_version_update AFTER UPDATE ON plans BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER plans_catalog_version_delete AFTER DELETE ON plans BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER providers_catalog_version_insert AFTER INSERT ON providers BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER providers_catalog_version_update AFTER UPDATE ON providers BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER providers_catalog_version_delete AFTER DELETE ON providers BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER reviews_catalog_version_insert AFTER INSERT ON reviews BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER reviews_catalog_version_update AFTER UPDATE ON reviews BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER reviews_catalog_version_delete AFTER DELETE ON reviews BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offering_shares_catalog_version_insert AFTER INSERT ON offering_shares BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offering_shares_catalog_version_update AFTER UPDATE ON offering_shares BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offering_shares_catalog_version_delete AFTER DELETE ON offering_shares BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER offerings_catalog_version_insert;
DROP TRIGGER offerings_catalog_version_update;
DROP TRIGGER offerings_catalog_version_delete;
DROP TRIGGER plans_catalog_version_insert;
DROP TRIGGER plans_catalog_version_update;
DROP TRIGGER plans_catalog_version_delete;
DROP TRIGGER providers_catalog_version_insert;
DROP TRIGGER providers_catalog_version_update;
DROP TRIGGER providers_catalog_version_delete;
DROP TRIGGER reviews_catalog_version_insert;
DROP TRIGGER reviews_catalog_version_update;
DROP TRIGGER reviews_catalog_version_delete;
DROP TRIGGER offering_shares_catalog_version_insert;
DROP TRIGGER offering_shares_catalog_version_update;
DROP TRIGGER offering_shares_catalog_version_delete;
DROP TABLE catalog_version;
