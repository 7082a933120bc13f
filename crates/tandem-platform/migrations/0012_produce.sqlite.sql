-- A base's certifications and contracts follow the base's pair when the base moves; a
-- contract's deliveries follow its pair and product (the second trigger also runs when the
-- first moves a contract).
CREATE TRIGGER supply_bases_pair_to_parts AFTER UPDATE OF pair_id ON supply_bases
BEGIN
    UPDATE base_certifications SET pair_id = NEW.pair_id WHERE base_id = NEW.id;
    UPDATE supply_contracts SET pair_id = NEW.pair_id WHERE base_id = NEW.id;
END;
CREATE TRIGGER supply_contracts_to_deliveries AFTER UPDATE OF pair_id, product ON supply_contracts
BEGIN
    UPDATE deliveries SET pair_id = NEW.pair_id, product = NEW.product WHERE contract_id = NEW.id;
END;
