-- Discovery (issue 4): full-text search index, verified reviews, sort indexes.
--
-- The search index is kept by triggers so that no write path (checkout, the
-- seller's approval workflow, seeds, operators' SQL) can forget to index: an
-- offering is searchable the moment its row commits. The provider's name is
-- copied into each offering's index row (and re-copied when a provider is
-- renamed) so a search for "acme" finds Acme AI's offerings without a join.
-- +goose Up
CREATE VIRTUAL TABLE offerings_fts USING fts5(
  offering_id UNINDEXED, name, summary, tags, features, description, provider,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
-- The vocabulary of the index, for typo-tolerant fallbacks.
CREATE VIRTUAL TABLE offerings_fts_vocab USING fts5vocab(offerings_fts, row);

-- +goose StatementBegin
CREATE TRIGGER offerings_fts_insert AFTER INSERT ON offerings BEGIN
  INSERT INTO offerings_fts(offering_id, name, summary, tags, features, description, provider)
  VALUES (new.id, new.name, new.summary,
    CASE WHEN json_valid(new.tags) THEN (SELECT group_concat(value, ' ') FROM json_each(new.tags)) ELSE new.tags END,
    CASE WHEN json_valid(new.features) THEN (SELECT group_concat(value, ' ') FROM json_each(new.features)) ELSE new.features END,
    new.description,
    (SELECT name FROM providers WHERE id = new.provider_id));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offerings_fts_update AFTER UPDATE OF name, summary, tags, features, description, provider_id ON offerings BEGIN
  DELETE FROM offerings_fts WHERE offering_id = old.id;
  INSERT INTO offerings_fts(offering_id, name, summary, tags, features, description, provider)
  VALUES (new.id, new.name, new.summary,
    CASE WHEN json_valid(new.tags) THEN (SELECT group_concat(value, ' ') FROM json_each(new.tags)) ELSE new.tags END,
    CASE WHEN json_valid(new.features) THEN (SELECT group_concat(value, ' ') FROM json_each(new.features)) ELSE new.features END,
    new.description,
    (SELECT name FROM providers WHERE id = new.provider_id));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER offerings_fts_delete AFTER DELETE ON offerings BEGIN
  DELETE FROM offerings_fts WHERE offering_id = old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER providers_fts_rename AFTER UPDATE OF name ON providers BEGIN
  DELETE FROM offerings_fts WHERE offering_id IN (SELECT id FROM offerings WHERE provider_id = new.id);
  INSERT INTO offerings_fts(offering_id, name, summary, tags, features, description, provider)
  SELECT o.id, o.name, o.summary,
    CASE WHEN json_valid(o.tags) THEN (SELECT group_concat(value, ' ') FROM json_each(o.tags)) ELSE o.tags END,
    CASE WHEN json_valid(o.features) THEN (SELECT group_concat(value, ' ') FROM json_each(o.features)) ELSE o.features END,
    o.description, new.name
  FROM offerings o WHERE o.provider_id = new.id;
END;
-- +goose StatementEnd

-- Index the offerings that exist before this migration.
INSERT INTO offerings_fts(offering_id, name, summary, tags, features, description, provider)
SELECT o.id, o.name, o.summary,
  CASE WHEN json_valid(o.tags) THEN (SELECT group_concat(value, ' ') FROM json_each(o.tags)) ELSE o.tags END,
  CASE WHEN json_valid(o.features) THEN (SELECT group_concat(value, ' ') FROM json_each(o.features)) ELSE o.features END,
  o.description, p.name
FROM offerings o JOIN providers p ON p.id = o.provider_id;

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
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  reply_body TEXT NOT NULL DEFAULT '',
  reply_user_id TEXT NOT NULL DEFAULT '',
  replied_at DATETIME,
  hidden BOOLEAN NOT NULL DEFAULT FALSE,
  hidden_reason TEXT NOT NULL DEFAULT '',
  hidden_by TEXT NOT NULL DEFAULT '',
  hidden_at DATETIME,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  UNIQUE (offering_id, organization_id)
);
CREATE INDEX reviews_listing ON reviews(offering_id, hidden, id);

-- +goose Down
DROP TABLE reviews;
DROP INDEX offerings_sort_featured;
DROP INDEX offerings_sort_popularity;
DROP INDEX offerings_sort_rating;
DROP INDEX offerings_sort_price;
DROP TRIGGER providers_fts_rename;
DROP TRIGGER offerings_fts_delete;
DROP TRIGGER offerings_fts_update;
DROP TRIGGER offerings_fts_insert;
DROP TABLE offerings_fts_vocab;
DROP TABLE offerings_fts;
