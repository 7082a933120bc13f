-- tandem platform schema, version 13: where a chain's segments and enterprise placements are
-- reported (issue #17: the shipped chains cite a source for every placement, and a chain
-- imported in one step keeps them).
ALTER TABLE chain_nodes ADD COLUMN source TEXT;
ALTER TABLE chain_placements ADD COLUMN source TEXT;
