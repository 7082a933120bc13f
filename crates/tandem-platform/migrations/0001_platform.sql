-- tandem platform schema, version 1. Portable SQL for SQLite and PostgreSQL: `{{pk}}` becomes
-- each engine's auto-increment primary key. Money is integer fen; dates are 'YYYY-MM-DD' text;
-- timestamps are UTC 'YYYY-MM-DDTHH:MM:SSZ' text. Every editable record carries `version`
-- (optimistic concurrency) and the audit log keeps its history.

CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    end_year BIGINT NOT NULL,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE pairs (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes(id),
    helper_id TEXT NOT NULL,
    helped_id TEXT NOT NULL,
    start_year BIGINT NOT NULL,
    end_year BIGINT NOT NULL,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE sub_pairs (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    helper_name TEXT NOT NULL,
    helped_name TEXT NOT NULL,
    since BIGINT,
    source TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE parks (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    name TEXT NOT NULL,
    locality_id TEXT NOT NULL,
    address TEXT,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    area_ha DOUBLE PRECISION,
    land_available_ha DOUBLE PRECISION,
    focus_industries TEXT,
    incentives TEXT,
    services TEXT,
    operator_name TEXT,
    operator_form TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX parks_pair ON parks(pair_id);

CREATE TABLE enterprises (
    id {{pk}},
    name TEXT NOT NULL,
    credit_code TEXT,
    origin_locality_id TEXT NOT NULL,
    industry TEXT,
    contact TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE projects (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    park_id BIGINT REFERENCES parks(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    name TEXT NOT NULL,
    industry TEXT,
    amount_agreed_fen BIGINT,
    paid_in_fen BIGINT,
    jobs BIGINT,
    initiated_by TEXT NOT NULL,
    stage TEXT NOT NULL,
    stage_date TEXT,
    signed_on TEXT,
    review_flags TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_pair ON projects(pair_id, stage);
CREATE INDEX projects_park ON projects(park_id);
CREATE INDEX projects_enterprise ON projects(enterprise_id);

CREATE TABLE project_stages (
    id {{pk}},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    stage TEXT NOT NULL,
    stage_date TEXT NOT NULL,
    evidence TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX project_stages_project ON project_stages(project_id);

CREATE TABLE plans (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE tasks (
    id {{pk}},
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    title TEXT NOT NULL,
    owner_side TEXT NOT NULL,
    due_on TEXT,
    status TEXT NOT NULL,
    evidence TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX tasks_pair ON tasks(pair_id, status);

CREATE TABLE secondments (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    person TEXT NOT NULL,
    from_org TEXT NOT NULL,
    to_org TEXT NOT NULL,
    post TEXT,
    start_on TEXT NOT NULL,
    end_on TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE events (
    id {{pk}},
    pair_id TEXT REFERENCES pairs(id),
    event_date TEXT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    amount_fen BIGINT,
    summary TEXT,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id {{pk}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    pair_id TEXT REFERENCES pairs(id),
    side TEXT,
    park_id BIGINT REFERENCES parks(id),
    enterprise_id BIGINT REFERENCES enterprises(id),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id {{pk}},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_record ON audit_log(entity, record_id);
