-- Which pricing models an offering's plans use, kept on the offering by a trigger
-- on plans, so the pricing_model search filter is a column test rather than a
-- scan of every plan's components. Components are JSON written by encoding/json,
-- so a component's type appears verbatim as "type":"usage".
-- +goose Up
ALTER TABLE offerings ADD COLUMN pricing_fixed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE offerings ADD COLUMN pricing_usage BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose StatementBegin
CREATE FUNCTION offerings_refresh_pricing(offering TEXT) RETURNS void LANGUAGE sql AS $$
  UPDATE offerings SET
    pricing_fixed = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offering AND p.components LIKE '%"type":"fixed"%'),
    pricing_usage = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offering AND p.components LIKE '%"type":"usage"%')
  WHERE id = offering;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION plans_pricing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM offerings_refresh_pricing(NEW.offering_id);
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.offering_id IS DISTINCT FROM NEW.offering_id) THEN
    PERFORM offerings_refresh_pricing(OLD.offering_id);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER plans_pricing AFTER INSERT OR DELETE OR UPDATE OF components, offering_id ON plans
  FOR EACH ROW EXECUTE FUNCTION plans_pricing();

UPDATE offerings SET
  pricing_fixed = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offerings.id AND p.components LIKE '%"type":"fixed"%'),
  pricing_usage = EXISTS (SELECT 1 FROM plans p WHERE p.offering_id = offerings.id AND p.components LIKE '%"type":"usage"%');

-- +goose Down
DROP TRIGGER plans_pricing ON plans;
DROP FUNCTION plans_pricing();
DROP FUNCTION offerings_refresh_pricing(TEXT);
ALTER TABLE offerings DROP COLUMN pricing_usage;
ALTER TABLE offerings DROP COLUMN pricing_fixed;
