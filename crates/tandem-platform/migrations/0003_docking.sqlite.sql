-- A match's copy of its demand's scope follows the demand.
CREATE TRIGGER demands_scope_to_matches AFTER UPDATE ON demands
BEGIN
    UPDATE matches SET enterprise_id = NEW.enterprise_id, pair_id = NEW.pair_id,
        confidentiality = NEW.confidentiality, shared_with_parks = NEW.shared_with_parks,
        shared_with_pairs = NEW.shared_with_pairs
    WHERE demand_id = NEW.id;
END;
-- An offer's pair is its park's pair.
CREATE TRIGGER park_offers_pair_insert AFTER INSERT ON park_offers
BEGIN
    UPDATE park_offers SET pair_id = (SELECT pair_id FROM parks WHERE id = NEW.park_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER park_offers_pair_update AFTER UPDATE OF park_id, pair_id ON park_offers
BEGIN
    UPDATE park_offers SET pair_id = (SELECT pair_id FROM parks WHERE id = NEW.park_id)
    WHERE id = NEW.id AND pair_id IS NOT (SELECT pair_id FROM parks WHERE id = NEW.park_id);
END;
CREATE TRIGGER parks_pair_to_offers AFTER UPDATE OF pair_id ON parks
BEGIN
    UPDATE park_offers SET pair_id = NEW.pair_id WHERE park_id = NEW.id;
END;
