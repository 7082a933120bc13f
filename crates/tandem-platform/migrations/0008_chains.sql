-- tandem platform schema, version 8: industry-chain maps as records (issue #17, part 3).
-- A chain belongs to a pair; its segments (nodes, each mapped to IO-42 sectors), supply edges
-- (from a node key to a node key) and enterprise placements (an enterprise record or a name,
-- on the helper or the helped side) are rows of their own that carry the chain's pair
-- (derived by the record service from the chain, kept equal by the per-engine triggers when a
-- chain moves), so each row's visibility is decided from the row itself.
-- `tandem_platform::chains` assembles them into a `tandem_core::chain::Chain`.

CREATE TABLE chains (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    focus_industry TEXT,
    source TEXT NOT NULL,
    weak_share DOUBLE PRECISION,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX chains_pair ON chains(pair_id);

CREATE TABLE chain_nodes (
    id {{pk}},
    chain_id BIGINT NOT NULL REFERENCES chains(id),
    pair_id TEXT REFERENCES pairs(id),
    node_key TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sectors TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (chain_id, node_key)
);
CREATE INDEX chain_nodes_pair ON chain_nodes(pair_id);

CREATE TABLE chain_edges (
    id {{pk}},
    chain_id BIGINT NOT NULL REFERENCES chains(id),
    pair_id TEXT REFERENCES pairs(id),
    from_node TEXT NOT NULL,
    to_node TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX chain_edges_chain ON chain_edges(chain_id);
CREATE INDEX chain_edges_pair ON chain_edges(pair_id);

CREATE TABLE chain_placements (
    id {{pk}},
    chain_id BIGINT NOT NULL REFERENCES chains(id),
    pair_id TEXT REFERENCES pairs(id),
    node_key TEXT NOT NULL,
    enterprise_id BIGINT REFERENCES enterprises(id),
    enterprise_name TEXT,
    side TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX chain_placements_chain ON chain_placements(chain_id);
CREATE INDEX chain_placements_pair ON chain_placements(pair_id);
