-- A case's rounds and escalations follow the case's pair and park when the case moves.
CREATE FUNCTION disputes_scope_to_parts() RETURNS trigger AS $$
BEGIN
    UPDATE dispute_rounds SET pair_id = NEW.pair_id, park_id = NEW.park_id
    WHERE dispute_id = NEW.id;
    UPDATE dispute_escalations SET pair_id = NEW.pair_id, park_id = NEW.park_id
    WHERE dispute_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER disputes_scope_to_parts AFTER UPDATE OF pair_id, park_id ON disputes
FOR EACH ROW EXECUTE FUNCTION disputes_scope_to_parts();
