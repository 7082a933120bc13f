-- A chain's segments, edges and placements follow the chain's pair when the chain moves.
CREATE TRIGGER chains_pair_to_parts AFTER UPDATE OF pair_id ON chains
BEGIN
    UPDATE chain_nodes SET pair_id = NEW.pair_id WHERE chain_id = NEW.id;
    UPDATE chain_edges SET pair_id = NEW.pair_id WHERE chain_id = NEW.id;
    UPDATE chain_placements SET pair_id = NEW.pair_id WHERE chain_id = NEW.id;
END;
