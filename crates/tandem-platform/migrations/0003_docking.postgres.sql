-- A match's copy of its demand's scope follows the demand.
CREATE FUNCTION demands_scope_to_matches() RETURNS trigger AS $$
BEGIN
    UPDATE matches SET enterprise_id = NEW.enterprise_id, pair_id = NEW.pair_id,
        confidentiality = NEW.confidentiality, shared_with_parks = NEW.shared_with_parks,
        shared_with_pairs = NEW.shared_with_pairs
    WHERE demand_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER demands_scope_to_matches AFTER UPDATE ON demands
FOR EACH ROW EXECUTE FUNCTION demands_scope_to_matches();
-- An offer's pair is its park's pair.
CREATE FUNCTION park_offers_pair() RETURNS trigger AS $$
BEGIN
    NEW.pair_id := (SELECT pair_id FROM parks WHERE id = NEW.park_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER park_offers_pair BEFORE INSERT OR UPDATE ON park_offers
FOR EACH ROW EXECUTE FUNCTION park_offers_pair();
CREATE FUNCTION parks_pair_to_offers() RETURNS trigger AS $$
BEGIN
    UPDATE park_offers SET pair_id = NEW.pair_id WHERE park_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER parks_pair_to_offers AFTER UPDATE OF pair_id ON parks
FOR EACH ROW EXECUTE FUNCTION parks_pair_to_offers();
