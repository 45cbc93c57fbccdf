-- Which pricing models an offering's plans use, kept on the offering by triggers
-- on plans, so the pricing_model search filter is a column test rather than a
-- scan of every plan's components. Components are JSON written by encoding/json,
-- so a component's type appears verbatim as "type":"usage".
-- +goose Up
ALTER TABLE offerings ADD COLUMN pricing_fixed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE offerings ADD COLUMN pricing_usage BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose StatementBegin
CREATE TRIGGER plans_pricing_insert AFTER INSERT ON plans BEGIN
  UPDATE offerings SET
    pricing_fixed = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = new.offering_id AND p.components LIKE '%"type":"fixed"%'),
    pricing_usage = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = new.offering_id AND p.components LIKE '%"type":"usage"%')
  WHERE id = new.offering_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER plans_pricing_update AFTER UPDATE OF components, offering_id ON plans BEGIN
  UPDATE offerings SET
    pricing_fixed = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offerings.id AND p.components LIKE '%"type":"fixed"%'),
    pricing_usage = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offerings.id AND p.components LIKE '%"type":"usage"%')
  WHERE id IN (new.offering_id, old.offering_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER plans_pricing_delete AFTER DELETE ON plans BEGIN
  UPDATE offerings SET
    pricing_fixed = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = old.offering_id AND p.components LIKE '%"type":"fixed"%'),
    pricing_usage = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = old.offering_id AND p.components LIKE '%"type":"usage"%')
  WHERE id = old.offering_id;
END;
-- +goose StatementEnd

UPDATE offerings SET
  pricing_fixed = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offerings.id AND p.components LIKE '%"type":"fixed"%'),
  pricing_usage = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offerings.id AND p.components LIKE '%"type":"usage"%');

-- +goose Down
DROP TRIGGER plans_pricing_delete;
DROP TRIGGER plans_pricing_update;
DROP TRIGGER plans_pricing_insert;
ALTER TABLE offerings DROP COLUMN pricing_usage;
ALTER TABLE offerings DROP COLUMN pricing_fixed;
