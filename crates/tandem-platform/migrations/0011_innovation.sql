-- tandem platform schema, version 11: innovation cooperation as records (issue #17, part 4).
-- Universities and research institutes of both sides of a pair, their platforms (joint labs,
-- technology transfer centres, incubators) and the technology capabilities they offer;
-- technology needs posted by enterprises; matches of a need with a capability (scored by
-- `tandem_platform::innovation` through the matching engine, with the explanation stored);
-- cooperation projects started from a match with their milestones; patents and licences.
-- Every row carries its pair: platforms and capabilities take their institute's (and a
-- capability its side), matches their need's (and its enterprise), projects their match's,
-- milestones their project's (derived by the record service, kept equal by the per-engine
-- triggers when a parent moves), so each row's visibility is decided from the row itself.

CREATE TABLE institutes (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    side TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    locality_id TEXT,
    source TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX institutes_pair ON institutes(pair_id);

CREATE TABLE innovation_platforms (
    id {{pk}},
    institute_id BIGINT NOT NULL REFERENCES institutes(id),
    pair_id TEXT REFERENCES pairs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    side TEXT NOT NULL,
    locality_id TEXT,
    established_on TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX innovation_platforms_institute ON innovation_platforms(institute_id);
CREATE INDEX innovation_platforms_pair ON innovation_platforms(pair_id);

CREATE TABLE tech_capabilities (
    id {{pk}},
    institute_id BIGINT NOT NULL REFERENCES institutes(id),
    pair_id TEXT REFERENCES pairs(id),
    side TEXT,
    title TEXT NOT NULL,
    description TEXT,
    sectors TEXT NOT NULL,
    keywords TEXT,
    readiness BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX tech_capabilities_institute ON tech_capabilities(institute_id);
CREATE INDEX tech_capabilities_pair ON tech_capabilities(pair_id);

CREATE TABLE tech_needs (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    title TEXT NOT NULL,
    description TEXT,
    sectors TEXT NOT NULL,
    keywords TEXT,
    budget_fen BIGINT,
    deadline TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX tech_needs_pair ON tech_needs(pair_id);
CREATE INDEX tech_needs_enterprise ON tech_needs(enterprise_id);

CREATE TABLE tech_matches (
    id {{pk}},
    need_id BIGINT NOT NULL REFERENCES tech_needs(id),
    capability_id BIGINT NOT NULL REFERENCES tech_capabilities(id),
    pair_id TEXT REFERENCES pairs(id),
    enterprise_id BIGINT REFERENCES enterprises(id),
    institute_id BIGINT REFERENCES institutes(id),
    score DOUBLE PRECISION NOT NULL,
    explanation TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'proposed',
    proposed_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (need_id, capability_id)
);
CREATE INDEX tech_matches_pair ON tech_matches(pair_id);
CREATE INDEX tech_matches_enterprise ON tech_matches(enterprise_id);
CREATE INDEX tech_matches_capability ON tech_matches(capability_id);

CREATE TABLE innovation_projects (
    id {{pk}},
    match_id BIGINT NOT NULL REFERENCES tech_matches(id),
    pair_id TEXT REFERENCES pairs(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    started_on TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX innovation_projects_match ON innovation_projects(match_id);
CREATE INDEX innovation_projects_pair ON innovation_projects(pair_id);

CREATE TABLE innovation_milestones (
    id {{pk}},
    project_id BIGINT NOT NULL REFERENCES innovation_projects(id),
    pair_id TEXT REFERENCES pairs(id),
    milestone TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    evidence TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX innovation_milestones_project ON innovation_milestones(project_id);
CREATE INDEX innovation_milestones_pair ON innovation_milestones(pair_id);

CREATE TABLE ip_records (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    holder TEXT NOT NULL,
    licensee TEXT,
    dated_on TEXT NOT NULL,
    project_id BIGINT REFERENCES innovation_projects(id),
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX ip_records_pair ON ip_records(pair_id);
CREATE INDEX ip_records_project ON ip_records(project_id);
