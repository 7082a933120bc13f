-- tandem platform schema, version 12: farm-produce supply as records (issue #17, part 5).
-- Northern Anhui as the green-food supply base of Shanghai, Jiangsu and Zhejiang: a pair's
-- supply bases and their certifications, the buyers the pair records, supply contracts from
-- a base to a buyer, monthly deliveries under a contract, and the fairs where producers and
-- buyers meet. Certifications, contracts and deliveries carry their parent's pair (derived by
-- the record service, kept equal by the per-engine triggers when a base or contract moves),
-- and a delivery carries its contract's product, so each row's visibility is decided from the
-- row itself. `tandem_platform::produce` adds them up per pair.

CREATE TABLE supply_bases (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    name TEXT NOT NULL,
    county TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    products TEXT NOT NULL,
    capacity_t DOUBLE PRECISION,
    source TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX supply_bases_pair ON supply_bases(pair_id);

CREATE TABLE base_certifications (
    id {{pk}},
    base_id BIGINT NOT NULL REFERENCES supply_bases(id),
    pair_id TEXT REFERENCES pairs(id),
    kind TEXT NOT NULL,
    certificate_no TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX base_certifications_base ON base_certifications(base_id);
CREATE INDEX base_certifications_pair ON base_certifications(pair_id);

CREATE TABLE produce_buyers (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    buyer_locality_id TEXT NOT NULL,
    place TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX produce_buyers_pair ON produce_buyers(pair_id);

CREATE TABLE supply_contracts (
    id {{pk}},
    base_id BIGINT NOT NULL REFERENCES supply_bases(id),
    buyer_id BIGINT NOT NULL REFERENCES produce_buyers(id),
    pair_id TEXT REFERENCES pairs(id),
    contract_no TEXT NOT NULL,
    product TEXT NOT NULL,
    volume_t DOUBLE PRECISION NOT NULL,
    value_fen BIGINT,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX supply_contracts_base ON supply_contracts(base_id);
CREATE INDEX supply_contracts_buyer ON supply_contracts(buyer_id);
CREATE INDEX supply_contracts_pair ON supply_contracts(pair_id);

CREATE TABLE deliveries (
    id {{pk}},
    contract_id BIGINT NOT NULL REFERENCES supply_contracts(id),
    pair_id TEXT REFERENCES pairs(id),
    product TEXT,
    month TEXT NOT NULL,
    volume_t DOUBLE PRECISION NOT NULL,
    value_fen BIGINT,
    note TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX deliveries_contract ON deliveries(contract_id);
CREATE INDEX deliveries_pair ON deliveries(pair_id);

CREATE TABLE produce_events (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    producers BIGINT,
    buyers BIGINT,
    deals BIGINT,
    value_fen BIGINT,
    source TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX produce_events_pair ON produce_events(pair_id);
