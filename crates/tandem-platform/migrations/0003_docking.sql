-- tandem platform schema, version 3: docking (issue #7). Enterprises' relocation or expansion
-- demands, parks' offers, capital providers, and the matches between demands and parks.
--
-- A demand's sharing lists (shared_with_parks, shared_with_pairs) live on the demand itself,
-- comma-separated like every list field, so the authorisation policy stays a function of one
-- row. A match carries a copy of its demand's scope (enterprise, filing pair, confidentiality,
-- sharing lists), kept equal to the demand's by the engine-specific triggers, so a match's
-- visibility is decided from the match row too.

CREATE TABLE demands (
    id {{pk}},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    pair_id TEXT REFERENCES pairs(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    industry TEXT NOT NULL,
    land_mu DOUBLE PRECISION,
    building_m2 DOUBLE PRECISION,
    power_kw DOUBLE PRECISION,
    labour BIGINT,
    budget_fen BIGINT,
    preferred_regions TEXT,
    deadline TEXT,
    confidentiality TEXT NOT NULL,
    shared_with_parks TEXT,
    shared_with_pairs TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX demands_enterprise ON demands(enterprise_id);
CREATE INDEX demands_pair ON demands(pair_id);

CREATE TABLE park_offers (
    id {{pk}},
    park_id BIGINT NOT NULL REFERENCES parks(id),
    pair_id TEXT REFERENCES pairs(id),
    title TEXT NOT NULL,
    land_mu DOUBLE PRECISION,
    building_m2 DOUBLE PRECISION,
    power_kw DOUBLE PRECISION,
    water_t_day DOUBLE PRECISION,
    labour BIGINT,
    land_price_yuan_m2 DOUBLE PRECISION,
    incentive_rating DOUBLE PRECISION,
    incentives TEXT,
    services TEXT,
    focus_industries TEXT,
    excluded_industries TEXT,
    capacity BIGINT,
    fresh_until TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX park_offers_park ON park_offers(park_id);

CREATE TABLE capital_providers (
    id {{pk}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    home_locality_id TEXT,
    industries TEXT,
    regions TEXT,
    ticket_min_fen BIGINT NOT NULL,
    ticket_max_fen BIGINT NOT NULL,
    stages TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE matches (
    id {{pk}},
    demand_id BIGINT NOT NULL REFERENCES demands(id),
    park_id BIGINT NOT NULL REFERENCES parks(id),
    offer_id BIGINT REFERENCES park_offers(id),
    enterprise_id BIGINT REFERENCES enterprises(id),
    pair_id TEXT,
    confidentiality TEXT,
    shared_with_parks TEXT,
    shared_with_pairs TEXT,
    score DOUBLE PRECISION,
    rank BIGINT,
    stale BIGINT NOT NULL DEFAULT 0,
    explanation TEXT,
    status TEXT NOT NULL DEFAULT 'proposed',
    proposed_on TEXT,
    contacted_at TEXT,
    status_date TEXT,
    project_id BIGINT REFERENCES projects(id),
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (demand_id, park_id)
);
CREATE INDEX matches_park ON matches(park_id);
CREATE INDEX matches_status ON matches(status);
