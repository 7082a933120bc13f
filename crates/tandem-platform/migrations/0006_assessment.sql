-- tandem platform schema, version 6: assessment in the platform (issue #16, part 2).
-- Annual figures of enterprises (in a park) and of parks, as records: an empty cell is NULL,
-- never 0. Assessment runs keep the scheme's TOML text, every input figure and the whole
-- result (JSON), so a run can be re-scored later and give the same numbers; a correction after
-- an accepted objection is a new run (revision) linked to the old one, which is kept.

CREATE TABLE enterprise_figures (
    id {{pk}},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    park_id BIGINT NOT NULL REFERENCES parks(id),
    pair_id TEXT REFERENCES pairs(id),
    year BIGINT NOT NULL,
    land_mu DOUBLE PRECISION,
    revenue_10k_yuan DOUBLE PRECISION,
    tax_10k_yuan DOUBLE PRECISION,
    value_added_10k_yuan DOUBLE PRECISION,
    rd_10k_yuan DOUBLE PRECISION,
    rd_percent DOUBLE PRECISION,
    energy_tce DOUBLE PRECISION,
    emissions_t DOUBLE PRECISION,
    employees BIGINT,
    production_start_year BIGINT,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (enterprise_id, park_id, year)
);
CREATE INDEX enterprise_figures_park ON enterprise_figures(park_id, year);
CREATE INDEX enterprise_figures_pair ON enterprise_figures(pair_id);

CREATE TABLE park_figures (
    id {{pk}},
    park_id BIGINT NOT NULL REFERENCES parks(id),
    pair_id TEXT REFERENCES pairs(id),
    year BIGINT NOT NULL,
    land_mu DOUBLE PRECISION,
    land_occupied_mu DOUBLE PRECISION,
    factory_m2 DOUBLE PRECISION,
    factory_occupied_m2 DOUBLE PRECISION,
    output_10k_yuan DOUBLE PRECISION,
    tax_10k_yuan DOUBLE PRECISION,
    investment_10k_yuan DOUBLE PRECISION,
    one_stop_service TEXT,
    service_providers BIGINT,
    staff BIGINT,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (park_id, year)
);
CREATE INDEX park_figures_pair ON park_figures(pair_id, year);

-- One run of a scheme over one year: of a park's enterprises (park_id set) or of a pair's
-- parks (park_id NULL). Runs are never changed (append-only, per-engine trigger).
CREATE TABLE assessment_runs (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    park_id BIGINT REFERENCES parks(id),
    subject TEXT NOT NULL,
    year BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    previous_run_id BIGINT REFERENCES assessment_runs(id),
    scheme_id TEXT NOT NULL,
    scheme_toml TEXT NOT NULL,
    inputs_json TEXT NOT NULL,
    result_json TEXT NOT NULL,
    objections_close_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX assessment_runs_scope ON assessment_runs(pair_id, park_id, year);

-- Each unit's result in a run, for reads restricted by unit (an enterprise its own) and for
-- aggregates; the detail is the unit's part of the run's result.
CREATE TABLE assessment_scores (
    id {{pk}},
    run_id BIGINT NOT NULL REFERENCES assessment_runs(id),
    enterprise_id BIGINT REFERENCES enterprises(id),
    park_id BIGINT REFERENCES parks(id),
    industry TEXT,
    total DOUBLE PRECISION,
    tier TEXT,
    rank BIGINT,
    detail_json TEXT NOT NULL
);
CREATE INDEX assessment_scores_run ON assessment_scores(run_id);
CREATE INDEX assessment_scores_enterprise ON assessment_scores(enterprise_id);

-- An objection of the assessed unit: an enterprise (in a run of a park's enterprises) or a
-- park (in a run of a pair's parks), exactly one of the two.
CREATE TABLE assessment_objections (
    id {{pk}},
    run_id BIGINT NOT NULL REFERENCES assessment_runs(id),
    enterprise_id BIGINT REFERENCES enterprises(id),
    park_id BIGINT REFERENCES parks(id),
    figure TEXT NOT NULL,
    proposed_value DOUBLE PRECISION,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reasons TEXT,
    new_run_id BIGINT REFERENCES assessment_runs(id),
    version BIGINT NOT NULL DEFAULT 1,
    CHECK ((enterprise_id IS NOT NULL AND park_id IS NULL)
        OR (enterprise_id IS NULL AND park_id IS NOT NULL))
);
CREATE INDEX assessment_objections_run ON assessment_objections(run_id);
