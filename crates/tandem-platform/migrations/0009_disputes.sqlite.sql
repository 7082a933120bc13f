-- A case's rounds and escalations follow the case's pair and park when the case moves.
CREATE TRIGGER disputes_scope_to_parts AFTER UPDATE OF pair_id, park_id ON disputes
BEGIN
    UPDATE dispute_rounds SET pair_id = NEW.pair_id, park_id = NEW.park_id
    WHERE dispute_id = NEW.id;
    UPDATE dispute_escalations SET pair_id = NEW.pair_id, park_id = NEW.park_id
    WHERE dispute_id = NEW.id;
END;
